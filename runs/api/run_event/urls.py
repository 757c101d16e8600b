from django.urls import path

from runs.api.run_event import views

urlpatterns = [
    path("run_event/v1", views.RunEventApi.as_view()),
]
