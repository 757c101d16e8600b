from django.urls import path

from runs.api.workflow_runs import runs, views

urlpatterns = [
    path("runs", runs.RunStartApi.as_view()),
    path("runs/<str:run_id>", runs.RunDetailApi.as_view()),
    path("workflows", views.WorkflowListApi.as_view()),
    path("workflows/import", views.WorkflowImportApi.as_view()),
    path("workflows/<uuid:workflow_id>", views.WorkflowDetailApi.as_view()),
    path("workflows/<uuid:workflow_id>/export", views.WorkflowExportApi.as_view()),
    path("templates", views.TemplateListApi.as_view()),
    path("templates/<uuid:template_id>", views.TemplateDetailApi.as_view()),
    path("templates/<uuid:template_id>/install", views.TemplateInstallApi.as_view()),
]
