from django.urls import path

from governance.api.operator_api import views

urlpatterns = [path("health", views.HealthApi.as_view(), name="health")]
