"""operator-api routes (artifacts and uploads); see urls.py."""

from django.urls import path

from builds.api.operator_api import views_artifacts as views

urlpatterns = [
    path(
        "runs/<build_id:run_id>/artifacts/index",
        views.ArtifactIndexApi.as_view(),
        name="build-artifact-index",
    ),
    path(
        "runs/<build_id:run_id>/artifacts/file", views.ArtifactFileApi.as_view(), name="build-artifact-file"
    ),
    path(
        "runs/<build_id:run_id>/browser/artifacts",
        views.BrowserArtifactsApi.as_view(),
        name="build-browser-artifacts",
    ),
    path("files/upload", views.FileUploadApi.as_view(), name="file-upload"),
]
