"""The operator-api's build surface (no path prefix: ``/runs/...``, ``/dashboard/...``,
``/project/...``, ``/files/...``). ``runs/start`` comes before ``runs/<run_id>``."""

from django.urls import include, path, register_converter


class BuildIdConverter:
    """A run or phase id in a path: any text but "/" and control characters."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(BuildIdConverter, "build_id")

urlpatterns = [
    path("", include("builds.api.operator_api.urls_lifecycle")),
    path("", include("builds.api.operator_api.urls_results")),
    path("", include("builds.api.operator_api.urls_reads")),
    path("", include("builds.api.operator_api.urls_artifacts")),
]
