"""Build runs in the Django admin, read-only: their rows change only through the operator-api, so
nothing is added, changed or deleted here. Staff who are not superusers see their tenants' rows."""

from django.contrib import admin

from builds.models import Artifact, BuildRun, ErrorReport, IssueOccurrence, Phase, Tier
from governance.admin import ReadOnlyAdmin
from tenancy.admin import TENANT_FILTER


@admin.register(BuildRun)
class BuildRunAdmin(ReadOnlyAdmin):
    list_display = [
        "run_id",
        "tenant",
        "state",
        "tokens_used",
        "token_cap",
        "minor_issues_count",
        "major_issues_count",
        "started_at",
        "completed_at",
    ]
    list_filter = ["state", "safety_profile", ("tenant", TENANT_FILTER)]
    search_fields = ["run__run_id", "goal_anchor"]
    list_select_related = ["run", "tenant"]
    date_hierarchy = "created_at"

    @admin.display(description="run id", ordering="run__run_id")
    def run_id(self, obj):
        return obj.run.run_id


@admin.register(Tier)
class TierAdmin(ReadOnlyAdmin):
    tenant_lookup = "build__tenant"
    list_display = [
        "tier_id",
        "name",
        "run_id",
        "state",
        "tokens_used",
        "minor_issues_count",
        "major_issues_count",
        "cleanliness",
    ]
    list_filter = ["state", "cleanliness", ("build__tenant", TENANT_FILTER)]
    search_fields = ["tier_id", "name", "build__run__run_id"]
    list_select_related = ["build__run"]

    @admin.display(description="run id", ordering="build__run__run_id")
    def run_id(self, obj):
        return obj.build.run.run_id


@admin.register(Phase)
class PhaseAdmin(ReadOnlyAdmin):
    tenant_lookup = "build__tenant"
    list_display = [
        "phase_id",
        "name",
        "run_id",
        "tier",
        "state",
        "builder_attempts",
        "auditor_attempts",
        "tokens_used",
        "issue_state",
        "needs_human_review",
    ]
    list_filter = ["state", "issue_state", "needs_human_review", ("build__tenant", TENANT_FILTER)]
    search_fields = ["phase_id", "name", "build__run__run_id", "task_category"]
    list_select_related = ["build__run", "tier"]

    @admin.display(description="run id", ordering="build__run__run_id")
    def run_id(self, obj):
        return obj.build.run.run_id


@admin.register(IssueOccurrence)
class IssueOccurrenceAdmin(ReadOnlyAdmin):
    list_display = ["issue_key", "severity", "category", "source", "run_id", "phase", "tenant", "created_at"]
    list_filter = ["severity", "source", ("tenant", TENANT_FILTER)]
    search_fields = ["issue_key", "category", "description", "build__run__run_id"]
    list_select_related = ["build__run", "phase", "tenant"]
    date_hierarchy = "created_at"

    @admin.display(description="run id", ordering="build__run__run_id")
    def run_id(self, obj):
        return obj.build.run.run_id


@admin.register(ErrorReport)
class ErrorReportAdmin(ReadOnlyAdmin):
    list_display = ["error_type", "short_message", "run_id", "phase", "component", "tenant", "created_at"]
    list_filter = ["error_type", "component", ("tenant", TENANT_FILTER)]
    search_fields = ["error_type", "error_message", "build__run__run_id"]
    list_select_related = ["build__run", "phase", "tenant"]
    date_hierarchy = "created_at"

    @admin.display(description="message")
    def short_message(self, obj):
        return obj.error_message[:120]

    @admin.display(description="run id", ordering="build__run__run_id")
    def run_id(self, obj):
        return obj.build.run.run_id


@admin.register(Artifact)
class ArtifactAdmin(ReadOnlyAdmin):
    list_display = ["path", "run_id", "media_type", "size_bytes", "tenant", "modified_at"]
    list_filter = ["media_type", ("tenant", TENANT_FILTER)]
    search_fields = ["path", "run__run_id", "sha256"]
    list_select_related = ["run", "tenant"]

    @admin.display(description="run id", ordering="run__run_id")
    def run_id(self, obj):
        return obj.run.run_id
