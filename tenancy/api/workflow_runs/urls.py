from django.urls import path

from tenancy.api.workflow_runs import views

urlpatterns = [
    path("api-keys", views.ApiKeyListApi.as_view(), name="api-key-list"),
    path("api-keys/<uuid:key_id>", views.ApiKeyDetailApi.as_view(), name="api-key-detail"),
]
