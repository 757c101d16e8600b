"""operator-api routes (results); see urls.py."""

from django.urls import path

from builds.api.operator_api.views_results import AuditorResultApi, BuilderResultApi

urlpatterns: list = [
    path(
        "runs/<build_id:run_id>/phases/<build_id:phase_id>/builder_result",
        BuilderResultApi.as_view(),
        name="build-builder-result",
    ),
    path(
        "runs/<build_id:run_id>/phases/<build_id:phase_id>/auditor_result",
        AuditorResultApi.as_view(),
        name="build-auditor-result",
    ),
]
