from django.urls import path

from governance.api.workflow_runs import views

urlpatterns = [
    path("credentials", views.CredentialListApi.as_view()),
    path("credentials/<str:name>", views.CredentialDetailApi.as_view()),
]
