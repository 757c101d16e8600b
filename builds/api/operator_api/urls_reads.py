"""operator-api routes (reads); see urls.py."""

from django.urls import path

from builds.api.operator_api import views_reads as views

urlpatterns = [
    path("runs", views.RunsListApi.as_view(), name="build-runs"),
    path("runs/<build_id:run_id>/progress", views.RunProgressApi.as_view(), name="build-run-progress"),
    path("runs/<build_id:run_id>/issues/index", views.RunIssueIndexApi.as_view(), name="build-run-issues"),
    path("runs/<build_id:run_id>/errors", views.RunErrorsApi.as_view(), name="build-run-errors"),
    path(
        "runs/<build_id:run_id>/errors/summary",
        views.RunErrorSummaryApi.as_view(),
        name="build-run-error-summary",
    ),
    path(
        "dashboard/runs/<build_id:run_id>/status",
        views.DashboardRunStatusApi.as_view(),
        name="build-run-dashboard",
    ),
    path("project/issues/backlog", views.ProjectBacklogApi.as_view(), name="build-backlog"),
]
