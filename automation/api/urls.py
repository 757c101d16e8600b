from django.urls import path

from automation.api import views

urlpatterns = [
    path("rules", views.RuleListApi.as_view()),
    path("rules/<str:rule_id>", views.RuleDetailApi.as_view()),
    path("rules/<str:rule_id>/execute", views.RuleExecuteApi.as_view()),
    path("rules/<str:rule_id>/executions", views.ExecutionListApi.as_view()),
    path("executions", views.ExecutionListApi.as_view()),
    path("executions/<str:execution_id>", views.ExecutionDetailApi.as_view()),
    path("hooks/<str:rule_id>", views.RuleWebhookApi.as_view()),
]
