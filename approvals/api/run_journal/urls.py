from django.urls import path

from approvals.api.run_journal import views

urlpatterns = [
    path("approvals/pending", views.PendingApprovalsApi.as_view(), name="journal-approvals-pending"),
    path("approvals/<str:event_id>", views.ApprovalResolveApi.as_view(), name="journal-approval-resolve"),
]
