from django.urls import path

from runs.api.run_journal import views

urlpatterns = [
    path("events", views.EventIngestApi.as_view(), name="journal-events"),
    path("events/batch", views.EventBatchApi.as_view(), name="journal-events-batch"),
    path("runs/<str:run_id>/events", views.RunEventsApi.as_view(), name="journal-run-events"),
    path("runs/<str:run_id>/status", views.RunStatusApi.as_view(), name="journal-run-status"),
    path("runs/<str:run_id>/journal", views.RunJournalEntriesApi.as_view(), name="journal-run-journal"),
    path("runs/<str:run_id>/verify", views.RunVerifyApi.as_view(), name="journal-run-verify"),
]
