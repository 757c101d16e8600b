"""Automation rules and their executions (docs/architecture.md; fields and enums of alga-psa)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from tenancy.models import Tenant


class RuleStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DRAFT = "draft"
    ERROR = "error"


class Priority(models.TextChoices):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class TriggerType(models.TextChoices):
    TIME_BASED = "time_based"
    EVENT_BASED = "event_based"
    CONDITION_BASED = "condition_based"
    MANUAL = "manual"
    RECURRING = "recurring"
    WEBHOOK = "webhook"


class ExecutionStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


class AutomationRule(models.Model):
    """A rule: when its trigger fires and its conditions hold, run its actions in order.

    ``trigger_config``, ``conditions`` and ``actions`` are validated by ``automation.rule_validation``
    (the admin and the API share it). Time triggers keep ``schedule`` (a django-q2 ``Schedule``) in
    step; webhook triggers keep the SHA-256 of their secret token. A rule that cannot be evaluated
    (a path stored before paths were checked) records why in ``last_error`` instead of failing the
    journal append or the execution that evaluated it."""

    rule_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="automation_rules")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=RuleStatus.choices, default=RuleStatus.DRAFT)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    trigger_type = models.CharField(max_length=16, choices=TriggerType.choices)
    trigger_config = models.JSONField(default=dict, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    condition_logic = models.CharField(
        max_length=8, choices=[("and", "and"), ("or", "or"), ("not", "not")], default="and"
    )
    actions = models.JSONField(default=list)
    max_concurrent_executions = models.PositiveIntegerField(default=1)
    execution_timeout_minutes = models.PositiveIntegerField(default=60)
    retry_failed_executions = models.BooleanField(default=False)
    is_template = models.BooleanField(default=False)
    template_category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    notification_settings = models.JSONField(default=dict, blank=True)
    execution_count = models.PositiveIntegerField(default=0)
    last_executed = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    schedule = models.OneToOneField(
        "django_q.Schedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    webhook_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    last_error = models.TextField(
        blank=True,
        editable=False,
        help_text="Why the rule last failed to evaluate; cleared when it is saved.",
    )
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "rule_id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="rule_tenant_created"),
            models.Index(fields=["tenant", "trigger_type", "status"], name="rule_tenant_trigger"),
        ]

    def __str__(self) -> str:
        return self.name


class AutomationExecution(models.Model):
    """One execution of a rule (manual, dry run, scheduled, event, webhook), with the origin's fields.

    ``dedupe_key`` makes a trigger fire once: ``event:<journal event pk>`` or ``schedule:<minute>``;
    ``idempotency_key`` does the same for a repeated manual request."""

    execution_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="executions")
    trigger_data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    actions_total = models.PositiveIntegerField(default=0)
    actions_successful = models.PositiveIntegerField(default=0)
    actions_failed = models.PositiveIntegerField(default=0)
    error_message = models.TextField(null=True, blank=True)
    error_stack = models.TextField(null=True, blank=True)
    failed_action_index = models.PositiveIntegerField(null=True, blank=True)
    execution_context = models.JSONField(default=dict, blank=True)
    logs = models.JSONField(default=list, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "execution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="execution_fires_once"
            ),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="execution_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["rule", "-started_at"], name="execution_rule_started")]

    def __str__(self) -> str:
        return f"{self.execution_id} ({self.status})"
