"""OpenAPI shapes of the build reads (runs list, progress, dashboard status, issues, errors): what
builds.reads returns, field for field."""

from rest_framework import serializers


class RunListItemOutput(serializers.Serializer):
    id = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField(allow_null=True)
    tokens_used = serializers.IntegerField()
    token_cap = serializers.IntegerField()
    phases_total = serializers.IntegerField()
    phases_completed = serializers.IntegerField(help_text="Phases COMPLETE (SKIPPED not counted).")
    current_phase_name = serializers.CharField(
        allow_null=True, help_text="The first phase by index neither COMPLETE nor SKIPPED."
    )


class RunsPageOutput(serializers.Serializer):
    runs = RunListItemOutput(many=True)
    total = serializers.IntegerField()
    limit = serializers.IntegerField(help_text="As used: clamped to 1-100.")
    offset = serializers.IntegerField(help_text="As used: at least 0.")


class PhaseProgressOutput(serializers.Serializer):
    phase_id = serializers.CharField()
    name = serializers.CharField()
    state = serializers.CharField()
    phase_index = serializers.IntegerField()
    tokens_used = serializers.IntegerField()
    builder_attempts = serializers.IntegerField()


class RunProgressOutput(serializers.Serializer):
    run_id = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    elapsed_seconds = serializers.IntegerField(
        allow_null=True, help_text="From started_at to completed_at, or to now while the run goes on."
    )
    tokens_used = serializers.IntegerField()
    token_cap = serializers.IntegerField()
    phases_total = serializers.IntegerField()
    phases_completed = serializers.IntegerField(help_text="COMPLETE phases.")
    phases_in_progress = serializers.IntegerField(help_text="EXECUTING phases.")
    phases_pending = serializers.IntegerField(help_text="QUEUED phases.")
    phases = PhaseProgressOutput(many=True)


class DashboardRunStatusOutput(serializers.Serializer):
    run_id = serializers.CharField()
    state = serializers.CharField()
    current_tier_name = serializers.CharField(allow_null=True)
    current_tier_index = serializers.IntegerField(allow_null=True)
    current_phase_name = serializers.CharField(allow_null=True)
    current_phase_index = serializers.IntegerField(allow_null=True)
    total_tiers = serializers.IntegerField()
    total_phases = serializers.IntegerField()
    completed_tiers = serializers.IntegerField()
    completed_phases = serializers.IntegerField()
    percent_complete = serializers.FloatField()
    tiers_percent_complete = serializers.FloatField()
    tokens_used = serializers.IntegerField()
    token_cap = serializers.IntegerField()
    token_utilization = serializers.FloatField(help_text="tokens_used / token_cap x 100.")
    minor_issues_count = serializers.IntegerField()
    major_issues_count = serializers.IntegerField()
    quality_level = serializers.CharField(
        allow_null=True, help_text="The worst of the phases' levels: blocked, needs_review, ok."
    )
    quality_blocked = serializers.BooleanField(help_text="A phase is blocked by a quality gate.")
    quality_warnings = serializers.ListField(child=serializers.CharField())
    token_efficiency = serializers.JSONField(allow_null=True, help_text="Not measured here: always null.")


class RunIssueEntryOutput(serializers.Serializer):
    category = serializers.CharField()
    severity = serializers.CharField(help_text="As first reported.")
    effective_severity = serializers.CharField(help_text="The worst reported.")
    first_phase_index = serializers.IntegerField()
    last_phase_index = serializers.IntegerField()
    occurrence_count = serializers.IntegerField()
    seen_in_tiers = serializers.ListField(child=serializers.CharField())
    seen_in_phases = serializers.ListField(child=serializers.CharField())
    evidence_refs = serializers.ListField(child=serializers.CharField(), help_text="Our addition.")


class RunIssueIndexOutput(serializers.Serializer):
    run_id = serializers.CharField()
    issues_by_key = serializers.DictField(child=RunIssueEntryOutput())


class BacklogEntryOutput(serializers.Serializer):
    category = serializers.CharField()
    base_severity = serializers.CharField()
    age_in_runs = serializers.IntegerField(help_text="Distinct runs the issue was seen in.")
    age_in_tiers = serializers.IntegerField(help_text="Distinct tiers (of any run) it was seen in.")
    occurrence_count = serializers.IntegerField()
    first_seen_run_id = serializers.CharField()
    first_seen_at = serializers.DateTimeField(allow_null=True)
    last_seen_run_id = serializers.CharField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    seen_in_tiers = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(
        choices=["open", "needs_cleanup"],
        help_text="needs_cleanup: a minor issue seen in 3 or more runs or 2 or more tiers.",
    )


class ProjectBacklogOutput(serializers.Serializer):
    project_id = serializers.CharField(help_text="The tenant's slug.")
    issues_by_key = serializers.DictField(child=BacklogEntryOutput())
    issue_keys = serializers.ListField(
        child=serializers.CharField(), help_text="The page's keys in order: severity, then most recent."
    )
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()


class ErrorReportOutput(serializers.Serializer):
    timestamp = serializers.DateTimeField(allow_null=True)
    error_type = serializers.CharField()
    error_message = serializers.CharField(allow_blank=True)
    run_id = serializers.CharField()
    phase_id = serializers.CharField(allow_null=True)
    component = serializers.CharField(allow_null=True)
    operation = serializers.CharField(allow_null=True)
    traceback = serializers.CharField(allow_null=True)
    stack_frames = serializers.ListField(child=serializers.JSONField())
    context_data = serializers.DictField()
    python_version = serializers.CharField(allow_null=True)
    platform = serializers.CharField(allow_null=True)
    source = serializers.ChoiceField(
        choices=["error_report", "journal"], help_text="A stored report, or an error event of the journal."
    )


class RunErrorsOutput(serializers.Serializer):
    run_id = serializers.CharField()
    error_count = serializers.IntegerField()
    errors = ErrorReportOutput(many=True)


class ErrorCountOutput(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


class RunErrorSummaryOutput(serializers.Serializer):
    run_id = serializers.CharField()
    summary = serializers.CharField()
    error_count = serializers.IntegerField()
    by_phase = ErrorCountOutput(many=True, help_text="key: the phase_id, null for the run itself.")
    by_type = ErrorCountOutput(many=True, help_text="key: the error_type.")
    first = ErrorReportOutput(allow_null=True)
    last = ErrorReportOutput(allow_null=True)
