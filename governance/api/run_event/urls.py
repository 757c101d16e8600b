from django.urls import path

from governance.api.run_event import views

urlpatterns = [
    path("get_automation_manager/v1", views.AutomationManagerApi.as_view()),
    path("evaluate_automation_task/v1", views.EvaluateAutomationTaskApi.as_view()),
]
