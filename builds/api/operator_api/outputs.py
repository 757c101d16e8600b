"""The operator-api's answers about a build run, built from the rows, and the pydantic models that
document them (``extend_schema(responses=...)``; tests check every answer against its model).

``RunResponse`` is the origin's: its tiers in the order created, each with its phases, and every
phase also top-level; ``promotion_eligible_to_main`` is the origin's string ``"true"``/``"false"``;
a phase's ``tier_id`` is its tier's row id, as the origin has it. ``PhaseRecord`` is every column of
a phase (``update_status``'s answer). ``record_issue`` answers the phase's issue file, the run's
index entry and the tenant's backlog entry of the key, folded from the issue rows as the reads do.
Times are ISO 8601 in UTC with a ``Z``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, Max, Min
from pydantic import BaseModel

from builds.api.operator_api.inputs_lifecycle import IntentionRefs
from builds.models import BuildRun, IssueOccurrence, Phase, Tier
from builds.reads.issue_index import backlog_status, run_issue_index_get, worse_severity
from builds.reads.shapes import iso
from builds.services import issue_state_for
from core.tenant_scope import for_tenant
from tenancy.models import Tenant


class PhaseResponse(BaseModel):
    id: int
    phase_id: str
    run_id: str
    tier_id: int
    name: str
    description: str | None
    state: str
    task_category: str | None
    complexity: str | None
    builder_mode: str | None
    phase_index: int
    scope: dict[str, Any] | None = None
    intention_refs: IntentionRefs | None = None


class TierResponse(BaseModel):
    id: int
    tier_id: str
    name: str
    state: str
    tier_index: int
    cleanliness: str
    minor_issues_count: int
    major_issues_count: int
    phases: list[PhaseResponse]


class RunResponse(BaseModel):
    id: str
    state: str
    safety_profile: str
    run_scope: str
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    tokens_used: int
    ci_runs_used: int
    minor_issues_count: int
    major_issues_count: int
    promotion_eligible_to_main: Literal["true", "false"]
    debt_status: str | None
    failure_reason: str | None
    tiers: list[TierResponse]
    phases: list[PhaseResponse]


class PhaseRecord(BaseModel):
    id: int
    phase_id: str
    run_id: str
    tier_id: int
    phase_index: int
    name: str
    description: str | None
    state: str
    task_category: str | None
    complexity: str | None
    builder_mode: str | None
    scope: dict[str, Any] | None
    intention_refs: IntentionRefs | None
    max_builder_attempts: int | None
    max_auditor_attempts: int | None
    incident_token_cap: int | None
    builder_attempts: int
    auditor_attempts: int
    tokens_used: int
    minor_issues_count: int
    major_issues_count: int
    issue_state: str
    quality_level: str | None
    quality_blocked: bool
    needs_human_review: bool
    retry_attempt: int
    revision_epoch: int
    escalation_level: int
    last_failure_reason: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class PhaseStatusResponse(BaseModel):
    message: str
    phase: PhaseRecord


class PhaseIssue(BaseModel):
    issue_key: str
    severity: str
    effective_severity: str
    source: str
    category: str
    task_category: str | None
    complexity: str | None
    expected_fail: bool
    occurrence_count: int
    first_seen_run: str
    last_seen_run: str
    evidence_refs: list[str]


class PhaseIssueFile(BaseModel):
    phase_id: str
    tier_id: str
    issues: list[PhaseIssue]
    minor_issue_count: int
    major_issue_count: int
    issue_state: str


class RunIssueIndexEntry(BaseModel):
    category: str
    severity: str
    effective_severity: str
    first_phase_index: int
    last_phase_index: int
    occurrence_count: int
    seen_in_tiers: list[str]
    seen_in_phases: list[str]
    evidence_refs: list[str]


class ProjectBacklogEntry(BaseModel):
    category: str
    base_severity: str
    age_in_runs: int
    age_in_tiers: int
    occurrence_count: int
    first_seen_run_id: str
    first_seen_at: datetime | None
    last_seen_run_id: str
    last_seen_at: datetime | None
    seen_in_tiers: list[str]
    status: str


class IssueRecordedResponse(BaseModel):
    message: str
    phase_file: PhaseIssueFile
    run_index_entry: RunIssueIndexEntry | None
    project_backlog_entry: ProjectBacklogEntry | None


# -- builders -----------------------------------------------------------------------------------------


def phase_response(phase: Phase, run_id: str) -> dict[str, Any]:
    return {
        "id": phase.pk,
        "phase_id": phase.phase_id,
        "run_id": run_id,
        "tier_id": phase.tier_id,
        "name": phase.name,
        "description": phase.description,
        "state": phase.state,
        "task_category": phase.task_category,
        "complexity": phase.complexity,
        "builder_mode": phase.builder_mode,
        "phase_index": phase.phase_index,
        "scope": phase.scope,
        "intention_refs": phase.intention_refs,
    }


def run_response(build: BuildRun, tiers: list[Tier], phases: list[Phase]) -> dict[str, Any]:
    """``build`` (its ``run`` joined) with ``tiers`` in the order created and ``phases`` in phase order."""
    run_id = build.run.run_id
    by_tier: dict[int, list[dict[str, Any]]] = {tier.pk: [] for tier in tiers}
    flat = []
    for phase in phases:
        item = phase_response(phase, run_id)
        by_tier[phase.tier_id].append(item)
        flat.append(item)
    return {
        "id": run_id,
        "state": build.state,
        "safety_profile": build.safety_profile,
        "run_scope": build.run_scope,
        "created_at": iso(build.run.created_at),
        "started_at": iso(build.started_at),
        "completed_at": iso(build.completed_at),
        "tokens_used": build.tokens_used,
        "ci_runs_used": build.ci_runs_used,
        "minor_issues_count": build.minor_issues_count,
        "major_issues_count": build.major_issues_count,
        "promotion_eligible_to_main": "true" if build.promotion_eligible_to_main else "false",
        "debt_status": build.debt_status,
        "failure_reason": build.failure_reason,
        "tiers": [
            {
                "id": tier.pk,
                "tier_id": tier.tier_id,
                "name": tier.name,
                "state": tier.state,
                "tier_index": tier.tier_index,
                "cleanliness": tier.cleanliness,
                "minor_issues_count": tier.minor_issues_count,
                "major_issues_count": tier.major_issues_count,
                "phases": by_tier[tier.pk],
            }
            for tier in tiers
        ],
        "phases": flat,
    }


def phase_record(phase: Phase, run_id: str) -> dict[str, Any]:
    """Every column of ``phase``."""
    return {
        "id": phase.pk,
        "phase_id": phase.phase_id,
        "run_id": run_id,
        "tier_id": phase.tier_id,
        "phase_index": phase.phase_index,
        "name": phase.name,
        "description": phase.description,
        "state": phase.state,
        "task_category": phase.task_category,
        "complexity": phase.complexity,
        "builder_mode": phase.builder_mode,
        "scope": phase.scope,
        "intention_refs": phase.intention_refs,
        "max_builder_attempts": phase.max_builder_attempts,
        "max_auditor_attempts": phase.max_auditor_attempts,
        "incident_token_cap": phase.incident_token_cap,
        "builder_attempts": phase.builder_attempts,
        "auditor_attempts": phase.auditor_attempts,
        "tokens_used": phase.tokens_used,
        "minor_issues_count": phase.minor_issues_count,
        "major_issues_count": phase.major_issues_count,
        "issue_state": phase.issue_state,
        "quality_level": phase.quality_level,
        "quality_blocked": phase.quality_blocked,
        "needs_human_review": phase.needs_human_review,
        "retry_attempt": phase.retry_attempt,
        "revision_epoch": phase.revision_epoch,
        "escalation_level": phase.escalation_level,
        "last_failure_reason": phase.last_failure_reason,
        "created_at": iso(phase.created_at),
        "updated_at": iso(phase.updated_at),
        "started_at": iso(phase.started_at),
        "completed_at": iso(phase.completed_at),
    }


def phase_issue_file(*, tenant: Tenant, phase: Phase, run_id: str) -> dict[str, Any]:
    """The origin's ``PhaseIssueFile`` of ``phase``: per key (in the order first reported) the first
    report's words, the worst severity, how often, and the evidence of every report."""
    issues: dict[str, dict[str, Any]] = {}
    for occurrence in for_tenant(IssueOccurrence, tenant).filter(phase_id=phase.pk).order_by("id"):
        issue = issues.get(occurrence.issue_key)
        if issue is None:
            issue = issues[occurrence.issue_key] = {
                "issue_key": occurrence.issue_key,
                "severity": occurrence.severity,
                "effective_severity": occurrence.severity,
                "source": occurrence.source,
                "category": occurrence.category,
                "task_category": occurrence.task_category,
                "complexity": occurrence.complexity,
                "expected_fail": False,
                "occurrence_count": 0,
                "first_seen_run": run_id,
                "last_seen_run": run_id,
                "evidence_refs": [],
            }
        issue["occurrence_count"] += 1
        issue["effective_severity"] = worse_severity(issue["effective_severity"], occurrence.severity)
        for ref in occurrence.evidence_refs or []:
            if str(ref) not in issue["evidence_refs"]:
                issue["evidence_refs"].append(str(ref))
    severities = [issue["effective_severity"] for issue in issues.values()]
    minor, major = severities.count("minor"), severities.count("major")
    return {
        "phase_id": phase.phase_id,
        "tier_id": phase.tier.tier_id,
        "issues": list(issues.values()),
        "minor_issue_count": minor,
        "major_issue_count": major,
        "issue_state": issue_state_for(minor=minor, major=major),
    }


def backlog_entry(*, tenant: Tenant, issue_key: str) -> dict[str, Any] | None:
    """The tenant's backlog entry of ``issue_key``, as ``GET /project/issues/backlog`` shows it
    (four queries however often the key was seen)."""
    occurrences = for_tenant(IssueOccurrence, tenant).filter(issue_key=issue_key)
    totals = occurrences.aggregate(
        first_id=Min("id"),
        last_id=Max("id"),
        occurrence_count=Count("id"),
        age_in_runs=Count("build", distinct=True),
        age_in_tiers=Count("tier", distinct=True),
    )
    if not totals["occurrence_count"]:
        return None
    ends = {
        row.pk: row
        for row in occurrences.filter(pk__in=[totals["first_id"], totals["last_id"]]).select_related(
            "build__run"
        )
    }
    first, last = ends[totals["first_id"]], ends[totals["last_id"]]
    tiers = occurrences.values("tier__tier_id").annotate(first_id=Min("id")).order_by("first_id")
    return {
        "category": first.category,
        "base_severity": first.severity,
        "age_in_runs": totals["age_in_runs"],
        "age_in_tiers": totals["age_in_tiers"],
        "occurrence_count": totals["occurrence_count"],
        "first_seen_run_id": first.build.run.run_id,
        "first_seen_at": iso(first.created_at),
        "last_seen_run_id": last.build.run.run_id,
        "last_seen_at": iso(last.created_at),
        "seen_in_tiers": [row["tier__tier_id"] for row in tiers],
        "status": backlog_status(
            base_severity=first.severity,
            age_in_runs=totals["age_in_runs"],
            age_in_tiers=totals["age_in_tiers"],
        ),
    }


def issue_recorded(*, tenant: Tenant, phase: Phase, run_id: str, issue_key: str) -> dict[str, Any]:
    index = run_issue_index_get(tenant=tenant, run_id=run_id)["issues_by_key"]
    return {
        "message": f"Issue {issue_key} recorded",
        "phase_file": phase_issue_file(tenant=tenant, phase=phase, run_id=run_id),
        "run_index_entry": index.get(issue_key),
        "project_backlog_entry": backlog_entry(tenant=tenant, issue_key=issue_key),
    }
