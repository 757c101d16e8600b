"""Recording an issue a phase ran into (``record_issue``, a builder's suggestion, an auditor's
finding): one ``IssueOccurrence`` row, then the phase's counts and ``issue_state``, its tier's and
the run's counts, and a journal observation, all in the caller's transaction under the run lock.

A phase counts each issue key once, by its effective severity: the worst it was reported with in
that phase (as the run's issue index has it); only ``minor`` and ``major`` count, other words are
kept but not counted.
"""

from __future__ import annotations

from django.db import transaction

from builds.journal_events import build_events_append, issue_recorded_event
from builds.models import IssueOccurrence, Phase
from builds.reads.issue_index import worse_severity
from builds.services.lifecycle import (
    build_ensure_open,
    build_lock,
    build_roll_up,
    files_refresh_on_commit,
    issue_state_for,
)
from tenancy.models import Tenant


def issue_record(
    *,
    phase: Phase,
    issue_key: str,
    severity: str,
    source: str,
    category: str,
    task_category: str | None = None,
    complexity: str | None = None,
    evidence_refs: list[str] | None = None,
    description: str = "",
    actor: str = "agent",
) -> IssueOccurrence:
    """Records one occurrence of ``issue_key`` in ``phase`` (from ``build_lock``: the caller holds
    the run lock in its transaction). ``BuildRunEnded`` (409) once the run has ended."""
    build = phase.build
    build_ensure_open(build=build)
    issue = IssueOccurrence.objects.create(
        tenant_id=build.tenant_id,
        build=build,
        phase=phase,
        tier=phase.tier,
        issue_key=issue_key,
        severity=severity,
        source=source,
        category=category,
        task_category=task_category,
        complexity=complexity,
        evidence_refs=list(evidence_refs or []),
        description=description,
    )
    minor, major = phase_issue_counts(phase=phase)
    phase.minor_issues_count, phase.major_issues_count = minor, major
    phase.issue_state = issue_state_for(minor=minor, major=major)
    phase.save(update_fields=["minor_issues_count", "major_issues_count", "issue_state", "updated_at"])
    payloads = [issue_recorded_event(build, issue, actor=actor)]
    payloads += build_roll_up(build=build, tier=phase.tier)
    build_events_append(build=build, payloads=payloads)
    files_refresh_on_commit(build=build, phase=phase)
    return issue


def phase_issue_counts(*, phase: Phase) -> tuple[int, int]:
    """(minor, major): the phase's distinct issue keys by their effective severity."""
    effective: dict[str, str] = {}
    for key, severity in (
        IssueOccurrence.objects.filter(phase_id=phase.pk).order_by("id").values_list("issue_key", "severity")
    ):
        effective[key] = worse_severity(effective.get(key, severity), severity)
    severities = list(effective.values())
    return severities.count("minor"), severities.count("major")


@transaction.atomic
def phase_issue_record(
    *,
    tenant: Tenant,
    run_id: str,
    phase_id: str,
    issue_key: str,
    severity: str,
    source: str,
    category: str,
    task_category: str | None = None,
    complexity: str | None = None,
    evidence_refs: list[str] | None = None,
    actor: str = "agent",
) -> Phase:
    """``POST .../record_issue``: ``PhaseNotFound`` (404), ``BuildRunEnded`` (409), then the issue.
    Returns the phase with its new counts."""
    phase = build_lock(tenant=tenant, run_id=run_id, phase_id=phase_id)
    issue_record(
        phase=phase,
        issue_key=issue_key,
        severity=severity,
        source=source,
        category=category,
        task_category=task_category,
        complexity=complexity,
        evidence_refs=evidence_refs,
        actor=actor,
    )
    return phase
