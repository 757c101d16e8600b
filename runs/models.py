"""Runs and their append-only journal."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from tenancy.models import Tenant


class RunKind(models.TextChoices):
    EXTERNAL = "external", "External (agent events)"
    WORKFLOW = "workflow", "Workflow"
    JOB = "job", "Job (run_event)"
    BUILD = "build", "Build (operator-api)"


class JournalStatus(models.TextChoices):
    """run-journal-v0 statuses, projected from the journal."""

    RUNNING = "running"
    PAUSED = "paused"
    APPROVED = "approved"
    REJECTED = "rejected"
    STOPPED = "stopped"
    EXPIRED = "expired"
    COMPLETED = "completed"


class RunState(models.TextChoices):
    """The engine's states for the runs it drives (workflow runs); blank for the others."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting", "Waiting (approval or delay)"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_RUN_STATES = (RunState.QUEUED, RunState.RUNNING, RunState.WAITING)


class Run(models.Model):
    """One execution, whatever started it. Holds the journal's stored projection (docs/architecture.md),
    updated under this row's lock on every append; ``journal_state`` is the fold's working state.

    Runs the engine drives also carry what they run (a frozen graph), their engine ``state`` and
    a lease: the worker advancing the run holds it until ``lease_until`` (runs.engine.lease)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="runs")
    run_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=RunKind.choices, default=RunKind.EXTERNAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # --- what runs, for engine-driven runs ---
    workflow = models.ForeignKey(
        "Workflow", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    workflow_version = models.PositiveIntegerField(null=True, blank=True)
    workflow_name = models.CharField(max_length=200, blank=True)
    graph = models.JSONField(null=True, blank=True, help_text="The graph as it was when the run started.")
    input = models.JSONField(default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automation_policy = models.JSONField(null=True, blank=True, help_text="The policy gate's decision.")
    policy_approval_id = models.CharField(
        max_length=200, blank=True, help_text="The approved Approval (event id) that satisfied the gate."
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    # --- the engine's state ---
    state = models.CharField(max_length=16, choices=RunState.choices, blank=True)
    waiting_for = models.CharField(max_length=16, blank=True, help_text="approval or delay")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # --- the journal's projection ---
    status = models.CharField(max_length=16, choices=JournalStatus.choices, default=JournalStatus.RUNNING)
    pending_approval = models.JSONField(null=True, blank=True)
    inconsistency = models.JSONField(null=True, blank=True, help_text="The first inconsistency, if any.")
    journal_state = models.JSONField(default=dict, blank=True)
    event_count = models.PositiveIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "run_id"], name="run_id_unique_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="run_idempotency_key_unique",
            ),
            models.UniqueConstraint(  # an approval satisfies the gate for one launch only
                fields=["tenant", "policy_approval_id"],
                condition=~models.Q(policy_approval_id=""),
                name="run_policy_approval_used_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "lease_until"],
                condition=models.Q(state__in=["queued", "running", "waiting"]),
                name="run_active_lease",
            ),
            models.Index(fields=["tenant", "status"], name="run_tenant_status"),
            models.Index(
                fields=["tenant"],
                condition=models.Q(inconsistency__isnull=False),
                name="run_tenant_inconsistent",
            ),
        ]

    def __str__(self) -> str:
        return self.run_id


class JournalPayloadField(models.JSONField):
    """A JSONField that keeps ``bulk_create`` on plain multi-row VALUES on PostgreSQL.

    Django 5.2 otherwise inserts batches through ``UNNEST`` of arrays, and psycopg escapes every
    JSON document into an array literal with a regex: measured at 30% of a 100-event batch's time.
    Defining ``get_placeholder`` is Django's documented way to opt a field out of that path.
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"


class RunEvent(models.Model):
    """A journal row: never updated, never deleted (database triggers refuse both).

    ``hash`` = SHA-256 over ``prev_hash`` and the canonical JSON of ``payload`` (runs.journal.chain).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=200)
    seq = models.PositiveIntegerField(help_text="Append order within the run, from 1.")
    timestamp = models.DateTimeField()
    type = models.CharField(max_length=32)
    actor = models.CharField(max_length=16)
    payload = JournalPayloadField(help_text="The validated event, timestamps in UTC with Z.")
    integrity_warning = models.BooleanField(default=False)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    appended_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["timestamp", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["run", "event_id"], name="event_id_unique_per_run"),
            models.UniqueConstraint(fields=["run", "seq"], name="event_seq_unique_per_run"),
        ]
        indexes = [
            models.Index(fields=["run", "timestamp", "seq"], name="event_run_order"),
            models.Index(fields=["tenant", "event_id"], name="event_tenant_event_id"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.event_id}"


class StepState(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


FINAL_STEP_STATES = (StepState.SUCCEEDED, StepState.FAILED, StepState.SKIPPED)


class Step(models.Model):
    """One workflow node's execution within a run: created when the node starts or is skipped.
    A step that succeeded is never executed again (the runner checks under the run's lock)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField(help_text="Order in which the run reached this node, from 1.")
    node_id = models.CharField(max_length=200)
    node_type = models.CharField(max_length=16)
    state = models.CharField(max_length=16, choices=StepState.choices, default=StepState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True, help_text="Secrets masked.")
    error = models.TextField(blank=True)
    wake_at = models.DateTimeField(null=True, blank=True, help_text="When a delay ends.")
    approval_event_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id"], name="step_node_unique_per_run"),
            models.UniqueConstraint(fields=["run", "index"], name="step_index_unique_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.node_id} ({self.state})"


class WorkflowDefinition(models.Model):
    """What a workflow is, as a client writes it: replaced whole by PUT, kept per version."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, blank=True, help_text="Team category privileges apply.")
    tags = models.JSONField(default=list, blank=True)
    targets = models.JSONField(default=list, blank=True, help_text="Where it acts (for the policy gate).")
    graph = models.JSONField()

    class Meta:
        abstract = True

    @classmethod
    def definition_fields(cls) -> tuple[str, ...]:
        return tuple(field.name for field in WorkflowDefinition._meta.fields)


class Workflow(WorkflowDefinition):
    """A stored workflow (workflow-runs-v1). ``version`` counts changes; each is kept as a
    ``WorkflowVersion`` so a run can record exactly what it ran."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="workflows")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Launch settings (xyOps event fields), kept out of PUT's replaced definition:
    enabled = models.BooleanField(default=True, help_text="Disabled workflows start only as test runs.")
    manual_runs = models.BooleanField(default=True, help_text="May people and API clients start it?")
    risk_level = models.CharField(
        max_length=16,
        blank=True,
        choices=[(level, level) for level in ("low", "medium", "high", "critical")],
        help_text="For the policy gate when a launch names none; empty: the category's, else medium.",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["tenant", "name"], name="workflow_tenant_name")]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(WorkflowDefinition):
    """One definition of a workflow as it was after a create or a replace; never changed."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workflow", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "version"], name="workflow_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id} v{self.version}"


class Template(models.Model):
    """A published copy of a workflow that any tenant can install (workflow-runs-v1 templates).
    Its graph references credentials by name only; publishing refuses secret values."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    publisher = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="published_templates")
    source_workflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, blank=True)
    tags = models.JSONField(default=list, blank=True)
    graph = models.JSONField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
