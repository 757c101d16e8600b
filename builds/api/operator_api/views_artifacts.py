"""operator-api §10 (a run's artifacts) and §12 (``POST /files/upload``).

Artifacts are any run's of the tenant (a build's readable files and patches, uploads attached to
it); another tenant's run is the same 404 as a missing one. ``/artifacts/file`` refuses a path in
the origin's order before the run is looked up (400), then 404 for the run or the file. Text is
served as ``text/plain; charset=utf-8`` (undecodable bytes replaced), cut at
``OPSGATE_ARTIFACT_MAX_BYTES`` with the origin's marker; any other file with its media type as an
attachment, whole, or 413 above that cap (a cut image is no image).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from builds.artifacts import ArtifactContent, artifact_locate, artifact_path_check, artifact_read
from builds.errors import ArtifactTooLarge, NoFileProvided, UploadTooLarge
from builds.selectors import artifact_list, artifact_run_get, browser_artifact_list
from builds.uploads import UploadLimitHandler, upload_store
from core.api import OperatorApi
from core.errors import ErrorDetail, Invalid
from core.input_hygiene import text_problem

MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file, beyond the form fields
# The documented ``path``: the portable subset (dot-separated words in '/'-separated segments), so
# generated clients never send what the checks refuse; the view reads any text.
PORTABLE_PATH = (
    r"^[A-Za-z0-9_@+=,~()-]+(\.[A-Za-z0-9_@+=,~()-]+)*(/[A-Za-z0-9_@+=,~()-]+(\.[A-Za-z0-9_@+=,~()-]+)*)*$"
)


OPERATOR_ERROR = {"$ref": "#/components/schemas/OperatorApiError"}  # the envelope (core.openapi.envelopes)


class ArtifactItemOutput(serializers.Serializer):
    path = serializers.CharField(help_text="Relative to the run's folder, '/'-separated.")
    size_bytes = serializers.IntegerField()
    modified_at = serializers.DateTimeField()


class ArtifactIndexOutput(serializers.Serializer):
    run_id = serializers.CharField()
    artifacts = ArtifactItemOutput(many=True)
    total_size_bytes = serializers.IntegerField()


class BrowserItemOutput(serializers.Serializer):
    path = serializers.CharField()
    timestamp = serializers.DateTimeField(help_text="When the file was stored.")
    size_bytes = serializers.IntegerField()


class BrowserArtifactsOutput(serializers.Serializer):
    run_id = serializers.CharField()
    screenshots = BrowserItemOutput(many=True, help_text="Image media types.")
    html_files = BrowserItemOutput(many=True, help_text="``.html`` and ``.htm`` files.")
    total_size_bytes = serializers.IntegerField()


class UploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="At most OPSGATE_UPLOAD_MAX_BYTES (25 MiB by default).")
    run_id = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="One of the tenant's runs: the file also becomes its artifact (empty: none).",
    )


class UploadOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success"])
    filename = serializers.CharField(help_text="The file's name, sanitised.")
    stored_as = serializers.CharField(help_text="<uuid hex><extension>")
    size = serializers.IntegerField()
    relative_path = serializers.CharField(help_text="_uploads/<stored_as>, in the tenant's storage.")
    sha256 = serializers.CharField()
    run_id = serializers.CharField(allow_null=True)
    artifact_path = serializers.CharField(allow_null=True, help_text="The run's artifact, when attached.")


def _iso(moment) -> str:
    return moment.isoformat()


class ArtifactIndexApi(OperatorApi):
    required_scopes = {"GET": ("artifacts:read",)}
    public_read_methods = frozenset({"GET"})

    @extend_schema(responses={200: ArtifactIndexOutput}, tags=["builds"], summary="A run's artifacts")
    def get(self, request, run_id: str):
        run = artifact_run_get(tenant=request.auth.tenant, run_id=run_id)
        rows = artifact_list(tenant=request.auth.tenant, run=run)
        items = [
            {"path": a.path, "size_bytes": a.size_bytes, "modified_at": _iso(a.modified_at)} for a in rows
        ]
        return Response(
            {"run_id": run.run_id, "artifacts": items, "total_size_bytes": sum(a.size_bytes for a in rows)}
        )


def _file_response(content: ArtifactContent, filename: str) -> HttpResponse:
    headers = {
        "X-Artifact-Original-Size": str(content.original_size),
        "X-Artifact-Truncated": "true" if content.truncated else "false",
        "X-Artifact-Redacted": "false",
        "X-Content-Type-Options": "nosniff",
    }
    if content.is_text:
        return HttpResponse(content.body, content_type="text/plain; charset=utf-8", headers=headers)
    safe = filename.replace('"', "").replace("\\", "")
    headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return HttpResponse(content.body, content_type=content.media_type, headers=headers)


class ArtifactFileApi(OperatorApi):
    required_scopes = {"GET": ("artifacts:read",)}
    public_read_methods = frozenset({"GET"})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "path",
                str,
                required=True,
                pattern=PORTABLE_PATH,
                description="Relative to the run's folder. Refused (400) before the run is looked up: "
                "`..` (also URL-encoded, up to three times), absolute paths, drive letters, backslashes.",
            )
        ],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="A text file (maybe cut)."),
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY, description="Any other file, with its own media type, as an attachment."
            ),
            413: OpenApiResponse(
                OPERATOR_ERROR, description="A binary file above OPSGATE_ARTIFACT_MAX_BYTES."
            ),
        },
        tags=["builds"],
        summary="One artifact's content",
    )
    def get(self, request, run_id: str):
        if "path" not in request.query_params:
            raise Invalid(details=[ErrorDetail("path", "Field required", "missing", location="query")])
        raw = request.query_params["path"]
        relative = artifact_path_check(raw)
        run = artifact_run_get(tenant=request.auth.tenant, run_id=run_id)
        name = artifact_locate(run=run, relative=relative, shown_as=raw)
        try:
            content = artifact_read(name=name, cap=settings.OPSGATE_ARTIFACT_MAX_BYTES)
        except ArtifactTooLarge as exc:
            return Response({"detail": exc.message}, status=413)
        return _file_response(content, relative.rsplit("/", 1)[-1])


class BrowserArtifactsApi(OperatorApi):
    required_scopes = {"GET": ("artifacts:read",)}
    public_read_methods = frozenset({"GET"})

    @extend_schema(responses={200: BrowserArtifactsOutput}, tags=["builds"], summary="Screenshots and HTML")
    def get(self, request, run_id: str):
        run = artifact_run_get(tenant=request.auth.tenant, run_id=run_id)
        screenshots, html_files, total = [], [], 0
        for artifact in browser_artifact_list(tenant=request.auth.tenant, run=run):
            item = {
                "path": artifact.path,
                "timestamp": _iso(artifact.modified_at),
                "size_bytes": artifact.size_bytes,
            }
            (screenshots if artifact.media_type.startswith("image/") else html_files).append(item)
            total += artifact.size_bytes
        return Response(
            {
                "run_id": run.run_id,
                "screenshots": screenshots,
                "html_files": html_files,
                "total_size_bytes": total,
            }
        )


class FileUploadApi(OperatorApi):
    """Scope first (403), then the size (413: the declared length, then the streamed count), the
    file (400), the optional run (404); 201 once the file and its rows are stored."""

    required_scopes = {"POST": ("files:upload",)}
    parser_classes = [MultiPartParser, *api_settings.DEFAULT_PARSER_CLASSES]

    def initial(self, request, *args, **kwargs):
        # Installed before authentication: a session's CSRF check may parse the body already.
        self.upload_limit = UploadLimitHandler(request._request, limit=settings.OPSGATE_UPLOAD_MAX_BYTES)
        if not hasattr(request._request, "_files"):
            request._request.upload_handlers = [self.upload_limit, *request._request.upload_handlers]
        return super().initial(request, *args, **kwargs)

    def _too_large(self) -> Response:
        return Response({"detail": UploadTooLarge(settings.OPSGATE_UPLOAD_MAX_BYTES).message}, status=413)

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={
            201: UploadOutput,
            404: OpenApiResponse(OPERATOR_ERROR, description="``run_id`` names none of the tenant's runs."),
            413: OpenApiResponse(OPERATOR_ERROR, description="Larger than OPSGATE_UPLOAD_MAX_BYTES."),
        },
        tags=["builds"],
        summary="Upload a file",
    )
    def post(self, request):
        limit = settings.OPSGATE_UPLOAD_MAX_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + settings.DATA_UPLOAD_MAX_MEMORY_SIZE + MULTIPART_OVERHEAD:
            return self._too_large()
        files = request.FILES
        if self.upload_limit.exceeded:
            return self._too_large()
        uploaded = files.get("file")
        if uploaded is None:
            raise NoFileProvided()
        if uploaded.size is not None and uploaded.size > limit:  # parsed before our handler was in
            return self._too_large()
        run = None
        run_id = request.data.get("run_id") or ""
        if not isinstance(run_id, str):
            run_id = ""
        if run_id:
            problem = text_problem(run_id)
            if problem is not None:
                raise Invalid(details=[ErrorDetail("run_id", problem[0], problem[1])])
            run = artifact_run_get(tenant=request.auth.tenant, run_id=run_id)
        stored = upload_store(tenant=request.auth.tenant, uploaded=uploaded, run=run)
        upload = stored.upload
        return Response(
            {
                "status": "success",
                "filename": upload.filename,
                "stored_as": upload.stored_as,
                "size": upload.size_bytes,
                "relative_path": stored.relative_path,
                "sha256": upload.sha256,
                "run_id": run.run_id if run else None,
                "artifact_path": upload.artifact_path or None,
            },
            status=201,
        )
