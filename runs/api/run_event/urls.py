from django.urls import path

from runs.api.run_event import views

urlpatterns = [
    path("run_event/v1", views.RunEventApi.as_view()),
    path("get_automation_manager/v1", views.AutomationManagerApi.as_view()),
    path("evaluate_automation_task/v1", views.EvaluateAutomationTaskApi.as_view()),
]
