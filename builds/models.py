"""Build runs: a ``Run`` of kind ``build`` with its tiers and phases (each phase is a runs ``Step``),
the builder and auditor results reported for them, issues, error reports and artifacts."""

from __future__ import annotations

from django.db import models

from builds.states import BuildRunState, IssueState, PhaseState, TierState
from runs.models import Run, Step
from tenancy.models import Tenant

DEFAULT_TOKEN_CAP = 5_000_000
DEFAULT_MAX_PHASES = 25
DEFAULT_MAX_DURATION_MINUTES = 120


class BuildRun(models.Model):
    """What the operator-api adds to a run: budgets, counters and the build's own state word."""

    run = models.OneToOneField(Run, primary_key=True, on_delete=models.CASCADE, related_name="build")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=40, choices=BuildRunState.choices, default=BuildRunState.RUN_CREATED)
    safety_profile = models.CharField(max_length=100, default="normal")
    run_scope = models.CharField(max_length=100, default="multi_tier")
    token_cap = models.PositiveBigIntegerField(default=DEFAULT_TOKEN_CAP)
    max_phases = models.PositiveIntegerField(default=DEFAULT_MAX_PHASES)
    max_duration_minutes = models.PositiveIntegerField(default=DEFAULT_MAX_DURATION_MINUTES)
    max_minor_issues_total = models.PositiveIntegerField(null=True, blank=True)
    tokens_used = models.PositiveBigIntegerField(default=0)
    ci_runs_used = models.PositiveIntegerField(default=0)
    minor_issues_count = models.PositiveIntegerField(default=0)
    major_issues_count = models.PositiveIntegerField(default=0)
    promotion_eligible_to_main = models.BooleanField(default=False)
    debt_status = models.CharField(max_length=40, null=True, blank=True)
    failure_reason = models.TextField(null=True, blank=True)
    goal_anchor = models.TextField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-created_at"], name="build_tenant_newest")]

    def __str__(self) -> str:
        return f"{self.run.run_id} ({self.state})"


class Tier(models.Model):
    build = models.ForeignKey(BuildRun, on_delete=models.CASCADE, related_name="tiers")
    tier_id = models.CharField(max_length=200)
    tier_index = models.IntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=TierState.choices, default=TierState.PENDING)
    token_cap = models.PositiveBigIntegerField(null=True, blank=True)
    ci_run_cap = models.PositiveIntegerField(null=True, blank=True)
    max_minor_issues_tolerated = models.PositiveIntegerField(null=True, blank=True)
    max_major_issues_tolerated = models.PositiveIntegerField(default=0)
    tokens_used = models.PositiveBigIntegerField(default=0)
    ci_runs_used = models.PositiveIntegerField(default=0)
    minor_issues_count = models.PositiveIntegerField(default=0)
    major_issues_count = models.PositiveIntegerField(default=0)
    cleanliness = models.CharField(max_length=16, default="clean")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["build", "id"]
        constraints = [models.UniqueConstraint(fields=["build", "tier_id"], name="tier_id_unique_per_build")]

    def __str__(self) -> str:
        return f"{self.tier_id} ({self.state})"


class Phase(models.Model):
    """One phase of a build: its ``Step`` carries the shared state word, this row the build's own."""

    step = models.OneToOneField(Step, primary_key=True, on_delete=models.CASCADE, related_name="phase")
    build = models.ForeignKey(BuildRun, on_delete=models.CASCADE, related_name="phases")
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="phases")
    phase_id = models.CharField(max_length=200)
    phase_index = models.IntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=PhaseState.choices, default=PhaseState.QUEUED)
    task_category = models.CharField(max_length=200, null=True, blank=True)
    complexity = models.CharField(max_length=100, null=True, blank=True)
    builder_mode = models.CharField(max_length=100, null=True, blank=True)
    scope = models.JSONField(null=True, blank=True)
    intention_refs = models.JSONField(null=True, blank=True)
    max_builder_attempts = models.PositiveIntegerField(null=True, blank=True)
    max_auditor_attempts = models.PositiveIntegerField(null=True, blank=True)
    incident_token_cap = models.PositiveBigIntegerField(null=True, blank=True)
    builder_attempts = models.PositiveIntegerField(default=0)
    auditor_attempts = models.PositiveIntegerField(default=0)
    tokens_used = models.PositiveBigIntegerField(default=0)
    minor_issues_count = models.PositiveIntegerField(default=0)
    major_issues_count = models.PositiveIntegerField(default=0)
    issue_state = models.CharField(max_length=20, choices=IssueState.choices, default=IssueState.NO_ISSUES)
    quality_level = models.CharField(max_length=40, null=True, blank=True)
    quality_blocked = models.BooleanField(default=False)
    needs_human_review = models.BooleanField(default=False, help_text="An auditor escalated it.")
    retry_attempt = models.PositiveIntegerField(default=0)
    revision_epoch = models.PositiveIntegerField(default=0)
    escalation_level = models.PositiveIntegerField(default=0)
    last_failure_reason = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["build", "phase_index", "step"]
        constraints = [
            models.UniqueConstraint(fields=["build", "phase_id"], name="phase_id_unique_per_build")
        ]
        indexes = [models.Index(fields=["build", "state"], name="phase_build_state")]

    def __str__(self) -> str:
        return f"{self.phase_id} ({self.state})"


class BuilderResult(models.Model):
    """One builder report for a phase, as received (the patch is kept as an artifact)."""

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="builder_results")
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=40)
    run_type = models.CharField(max_length=100, default="project_build")
    allowed_paths = models.JSONField(default=list, blank=True)
    files_changed = models.JSONField(default=list, blank=True)
    lines_added = models.PositiveIntegerField(default=0)
    lines_removed = models.PositiveIntegerField(default=0)
    builder_attempts = models.PositiveIntegerField(default=1)
    tokens_used = models.PositiveBigIntegerField(default=0)
    duration_minutes = models.FloatField(default=0.0)
    probe_results = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    patch_path = models.CharField(max_length=500, blank=True, help_text="The patch's artifact path.")

    class Meta:
        ordering = ["phase", "id"]

    def __str__(self) -> str:
        return f"builder result {self.pk} ({self.status})"


class AuditorResult(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="auditor_results")
    received_at = models.DateTimeField(auto_now_add=True)
    review_notes = models.TextField(blank=True)
    issues_found = models.JSONField(default=list, blank=True)
    suggested_patches = models.JSONField(default=list, blank=True)
    auditor_attempts = models.PositiveIntegerField(default=1)
    tokens_used = models.PositiveBigIntegerField(default=0)
    recommendation = models.CharField(max_length=40)
    confidence = models.CharField(max_length=40, default="medium")

    class Meta:
        ordering = ["phase", "id"]

    def __str__(self) -> str:
        return f"auditor result {self.pk} ({self.recommendation})"


class IssueOccurrence(models.Model):
    """One report of an issue (``record_issue``, a builder's suggestion, an auditor's finding).
    The run's issue index and the tenant's backlog are aggregations of these rows."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    build = models.ForeignKey(BuildRun, on_delete=models.CASCADE, related_name="issues")
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="issues")
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="issues")
    created_at = models.DateTimeField(auto_now_add=True)
    issue_key = models.CharField(max_length=200)
    severity = models.CharField(max_length=40)
    source = models.CharField(max_length=100)
    category = models.CharField(max_length=200)
    task_category = models.CharField(max_length=200, null=True, blank=True)
    complexity = models.CharField(max_length=100, null=True, blank=True)
    evidence_refs = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["build", "id"]
        indexes = [
            models.Index(fields=["tenant", "issue_key"], name="issue_tenant_key"),
            models.Index(fields=["build", "issue_key"], name="issue_build_key"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_key} ({self.severity})"


class ErrorReport(models.Model):
    """Something that went wrong in a build: a failed phase, a failed builder result or probe, an
    auditor's rejection, or an ``error`` event in the run's journal."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    build = models.ForeignKey(BuildRun, on_delete=models.CASCADE, related_name="errors")
    phase = models.ForeignKey(Phase, null=True, blank=True, on_delete=models.CASCADE, related_name="errors")
    created_at = models.DateTimeField(auto_now_add=True)
    error_type = models.CharField(max_length=100)
    error_message = models.TextField()
    component = models.CharField(max_length=100, blank=True)
    operation = models.CharField(max_length=100, blank=True)
    context_data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["build", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.error_type}: {self.error_message[:60]}"


class Artifact(models.Model):
    """A file of a run, kept in ``STORAGES["artifacts"]`` under ``<tenant>/<run>/<path>``."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="artifacts")
    path = models.CharField(max_length=500, help_text="Relative to the run's folder, '/'-separated.")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    media_type = models.CharField(max_length=200)
    modified_at = models.DateTimeField()

    class Meta:
        ordering = ["run", "path"]
        constraints = [models.UniqueConstraint(fields=["run", "path"], name="artifact_path_unique_per_run")]

    def __str__(self) -> str:
        return self.path


class Upload(models.Model):
    """A file posted to ``/files/upload``, stored as ``_uploads/<uuid hex><ext>`` in the tenant's folder."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    stored_as = models.CharField(max_length=64, unique=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    artifact_path = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.stored_as
