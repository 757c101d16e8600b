"""operator-api routes (lifecycle); see urls.py."""

from django.urls import path

from builds.api.operator_api import views_lifecycle as views

urlpatterns = [
    path("runs/start", views.RunStartApi.as_view(), name="build-run-start"),
    path("runs/<build_id:run_id>", views.RunDetailApi.as_view(), name="build-run"),
    path(
        "runs/<build_id:run_id>/phases/<build_id:phase_id>/update_status",
        views.PhaseStatusApi.as_view(),
        name="build-phase-update-status",
    ),
    path(
        "runs/<build_id:run_id>/phases/<build_id:phase_id>/record_issue",
        views.RecordIssueApi.as_view(),
        name="build-phase-record-issue",
    ),
]
