"""Approvals: every human decision, one row each (docs/architecture.md).

Rows are written only by the journal subscriber (approvals.subscriber), from approval events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from runs.models import Run, RunEvent
from tenancy.models import Tenant


class ApprovalStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class ApprovalKind(models.TextChoices):
    AGENT = "agent", "Agent request (run journal)"
    WORKFLOW = "workflow", "Workflow approval node"
    LAUNCH = "launch", "Launch held by the policy gate"
    BUILD = "build", "Build decision (operator-api)"
    GOVERNANCE = "governance", "Governance request"
    AUTOMATION = "automation", "Automation rule action"


class DecidedVia(models.TextChoices):
    API = "api"
    PORTAL = "portal"
    TELEGRAM = "telegram"
    TIMEOUT = "timeout"
    AUTO = "auto"
    JOURNAL = "journal", "An approval_resolved event posted to the journal"


class Approval(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="approvals")
    kind = models.CharField(max_length=16, choices=ApprovalKind.choices, default=ApprovalKind.AGENT)
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="approvals")
    request_event = models.OneToOneField(RunEvent, on_delete=models.PROTECT, related_name="approval")
    event_id = models.CharField(max_length=200, help_text="The approval_requested event's id.")
    title = models.CharField(max_length=500, blank=True)
    details = models.TextField(blank=True)
    requested_by = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField()
    reason = models.TextField(blank=True)
    risk_level = models.CharField(max_length=16, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    expires_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True, help_text="approver_id as recorded")
    resolved_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_via = models.CharField(max_length=16, choices=DecidedVia.choices, blank=True)
    resolution_event = models.OneToOneField(
        RunEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_approval"
    )

    class Meta:
        ordering = ["requested_at", "event_id"]
        indexes = [
            models.Index(fields=["tenant", "status", "requested_at"], name="approval_inbox"),
            models.Index(fields=["tenant", "event_id"], name="approval_tenant_event_id"),
            models.Index(fields=["status", "expires_at"], name="approval_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} ({self.status})"

    @property
    def is_overdue(self) -> bool:
        """Past its expiry but not yet swept: it can no longer be decided."""
        return self.expires_at is not None and self.expires_at <= timezone.now()
