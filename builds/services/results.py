"""Builder and auditor results for a phase: kept as rows, their counters applied, their issues
recorded, their failures reported, the phase moved on, and each one a journal event of the run.

A builder's patch is parsed as a unified diff and checked against its ``allowed_paths``
(builds.patches) before anything is written; a valid one is kept as the artifact
``phases/<phase id>/patch_NN.diff``. A patch that is refused fails the phase, and that failure is
committed on its own before the 422 is raised: the phase is ``FAILED`` afterwards, with an error
report, the builder's counters and its issues (the origin lost all of it in a rollback).

Phase moves, all through ``phase_transition`` (so the table in builds.states decides):
- builder ``status: "success"``: ``EXECUTING`` or ``CI_RUNNING`` -> ``GATE``; a phase still
  ``QUEUED`` (its executor never reported ``EXECUTING``) goes through ``EXECUTING`` to ``GATE``;
  one already at ``GATE`` stays (a repeated result); from an ended phase (``COMPLETE``,
  ``SKIPPED``, ``FAILED``) it is the 409 of an illegal transition, and nothing of the result is
  kept. A refused patch fails the phase from any state the table allows (a ``FAILED`` one stays
  so); on a ``COMPLETE`` or ``SKIPPED`` phase it is that 409 too. Once the run has ended every
  result is ``BuildRunEnded`` (409).
- builder ``status: "failed"``: an error report ``builder_failed``; the phase stays where it is
  (the executor decides on a retry through update_status). Other statuses move nothing.
- auditor ``approve``: ``GATE`` -> ``COMPLETE``; ``revise``: -> ``QUEUED`` with
  ``revision_epoch + 1`` and an error report ``auditor_rejected``; ``escalate``: stays at ``GATE``
  and is marked ``needs_human_review``. Approve and revise of a phase not at ``GATE`` are a 409
  (``PhaseNotAtGate``) and keep nothing; escalate marks the phase wherever it is.

Callers must not hold an outer transaction: the refused patch's failure is committed by its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

from builds.artifacts import artifact_write, safe_segment
from builds.errors import PhaseNotAtGate
from builds.journal_events import build_event, build_events_append
from builds.models import AuditorResult, BuilderResult, ErrorReport, Phase
from builds.patches import ParsedPatch, PatchInvalid, patch_check
from builds.readable_files import readable_files_write
from builds.services.issues import issue_record
from builds.services.lifecycle import build_lock, build_roll_up, phase_transition
from builds.states import PhaseState
from runs.journal.event_schema import event_parse, event_payload
from tenancy.models import Tenant

ACTOR_BUILDER = "builder"
ACTOR_AUDITOR = "auditor"
OUTPUT_KEPT = 4000  # of a failed probe's stdout and stderr, in its error report


@dataclass(frozen=True)
class ProbeOutcome:
    probe_type: str
    exit_code: int
    stdout: str = ""
    stderr: str = ""
    duration_seconds: float = 0.0


@dataclass(frozen=True)
class IssueSuggestion:
    issue_key: str
    severity: str
    category: str
    source: str = "cursor_self_doubt"
    evidence_refs: Sequence[str] = ()
    description: str = ""


@dataclass(frozen=True)
class BuilderReport:
    status: str
    run_type: str = "project_build"
    allowed_paths: Sequence[str] = ()
    patch_content: str | None = None
    files_changed: Sequence[str] = ()
    lines_added: int = 0
    lines_removed: int = 0
    builder_attempts: int = 1
    tokens_used: int = 0
    duration_minutes: float = 0.0
    probe_results: Sequence[ProbeOutcome] = ()
    suggested_issues: Sequence[IssueSuggestion] = ()
    notes: str = ""


@dataclass(frozen=True)
class AuditorReport:
    review_notes: str
    recommendation: str  # approve | revise | escalate
    issues_found: Sequence[IssueSuggestion] = ()
    suggested_patches: Sequence[dict[str, Any]] = field(default_factory=tuple)
    auditor_attempts: int = 1
    tokens_used: int = 0
    confidence: str = "medium"


# -- builder ----------------------------------------------------------------------------------------


def builder_result_submit(*, tenant: Tenant, run_id: str, phase_id: str, report: BuilderReport) -> Phase:
    """Applies a builder's result to the phase and returns it. Raises ``PhaseNotFound`` (404),
    ``PatchInvalid`` (422, after committing the phase's failure) and ``IllegalPhaseTransition`` (409)."""
    parsed: ParsedPatch | None = None
    refused: PatchInvalid | None = None
    if report.patch_content:
        try:
            parsed = patch_check(report.patch_content, allowed_paths=report.allowed_paths)
        except PatchInvalid as exc:
            refused = exc
    if refused is not None:
        _builder_result_refused(
            tenant=tenant, run_id=run_id, phase_id=phase_id, report=report, refused=refused
        )
        raise refused
    return _builder_result_accepted(
        tenant=tenant, run_id=run_id, phase_id=phase_id, report=report, patch=parsed
    )


@transaction.atomic
def _builder_result_accepted(
    *, tenant: Tenant, run_id: str, phase_id: str, report: BuilderReport, patch: ParsedPatch | None
) -> Phase:
    phase = build_lock(tenant=tenant, run_id=run_id, phase_id=phase_id)
    patch_path = _patch_path(phase) if patch is not None else ""
    result = _builder_keep(phase=phase, report=report, patch_path=patch_path)
    _issues_record(phase=phase, issues=report.suggested_issues, source=None)
    for probe in report.probe_results:
        if probe.exit_code != 0:
            _error_report(
                phase=phase,
                error_type="probe_failed",
                message=f"Probe {probe.probe_type} exited with {probe.exit_code}",
                component=ACTOR_BUILDER,
                context={
                    "builder_result_id": result.pk,
                    "probe_type": probe.probe_type,
                    "exit_code": probe.exit_code,
                    "duration_seconds": probe.duration_seconds,
                    "stdout": probe.stdout[-OUTPUT_KEPT:],
                    "stderr": probe.stderr[-OUTPUT_KEPT:],
                },
            )
    if report.status == "failed":
        _error_report(
            phase=phase,
            error_type="builder_failed",
            message=report.notes or f"Builder failed on phase {phase.phase_id}",
            component=ACTOR_BUILDER,
            context={"builder_result_id": result.pk, "builder_attempts": report.builder_attempts},
        )
    _builder_event(phase=phase, report=report, patch_path=patch_path, patch=patch)
    if report.status == "success":
        _to_gate(phase)
    if patch is not None and report.patch_content:
        artifact_write(run=phase.build.run, path=patch_path, content=report.patch_content.encode("utf-8"))
    return phase


@transaction.atomic
def _builder_result_refused(
    *, tenant: Tenant, run_id: str, phase_id: str, report: BuilderReport, refused: PatchInvalid
) -> None:
    """The phase failed by a refused patch, committed on its own (the caller then raises)."""
    phase = build_lock(tenant=tenant, run_id=run_id, phase_id=phase_id)
    result = _builder_keep(phase=phase, report=report, patch_path="")
    _issues_record(phase=phase, issues=report.suggested_issues, source=None)
    _error_report(
        phase=phase,
        error_type=type(refused).error_type,
        message=refused.message,
        component=ACTOR_BUILDER,
        context={
            "builder_result_id": result.pk,
            "allowed_paths": list(report.allowed_paths),
            "paths": list(getattr(refused, "paths", [])),
        },
    )
    _builder_event(phase=phase, report=report, patch_path="", patch=None, refused=refused.message)
    phase_transition(phase=phase, new_state=PhaseState.FAILED, actor=ACTOR_BUILDER, note=refused.message)


def _builder_keep(*, phase: Phase, report: BuilderReport, patch_path: str) -> BuilderResult:
    """The phase's counters as the builder says (overwritten, as the origin), and the result's row."""
    phase.builder_attempts = report.builder_attempts
    phase.tokens_used = report.tokens_used
    phase.save(update_fields=["builder_attempts", "tokens_used", "updated_at"])
    return BuilderResult.objects.create(
        phase=phase,
        status=report.status,
        run_type=report.run_type,
        allowed_paths=list(report.allowed_paths),
        files_changed=list(report.files_changed),
        lines_added=report.lines_added,
        lines_removed=report.lines_removed,
        builder_attempts=report.builder_attempts,
        tokens_used=report.tokens_used,
        duration_minutes=report.duration_minutes,
        probe_results=[
            {
                "probe_type": p.probe_type,
                "exit_code": p.exit_code,
                "stdout": p.stdout,
                "stderr": p.stderr,
                "duration_seconds": p.duration_seconds,
            }
            for p in report.probe_results
        ],
        notes=report.notes,
        patch_path=patch_path,
    )


def _patch_path(phase: Phase) -> str:
    """The next free ``phases/<phase id>/patch_NN.diff`` of the run (NN from 01)."""
    folder = f"phases/{safe_segment(phase.phase_id)}/"
    taken = set(
        phase.build.run.artifacts.filter(path__startswith=f"{folder}patch_").values_list("path", flat=True)
    )
    number = len(taken) + 1
    while f"{folder}patch_{number:02d}.diff" in taken:
        number += 1
    return f"{folder}patch_{number:02d}.diff"


def _to_gate(phase: Phase) -> None:
    if phase.state == PhaseState.GATE:
        return
    if phase.state == PhaseState.QUEUED:
        phase_transition(
            phase=phase, new_state=PhaseState.EXECUTING, actor=ACTOR_BUILDER, note="builder result received"
        )
    phase_transition(phase=phase, new_state=PhaseState.GATE, actor=ACTOR_BUILDER, note="builder succeeded")


def _builder_event(
    *,
    phase: Phase,
    report: BuilderReport,
    patch_path: str,
    patch: ParsedPatch | None,
    refused: str = "",
) -> None:
    lines = [
        f"status: {report.status}",
        f"attempts: {report.builder_attempts}",
        f"tokens: {report.tokens_used}",
    ]
    evidence = []
    if patch is not None:
        lines.append(
            f"patch: {patch_path} ({len(patch.paths)} files, +{patch.lines_added} -{patch.lines_removed})"
        )
        evidence.append({"kind": "diff", "label": "patch", "ref": patch_path})
    if refused:
        lines.append(f"patch refused: {refused}")
    failed = [p.probe_type for p in report.probe_results if p.exit_code != 0]
    if failed:
        lines.append(f"failed probes: {', '.join(failed)}")
    if report.suggested_issues:
        lines.append(f"suggested issues: {len(report.suggested_issues)}")
    if report.notes:
        lines.append(f"notes: {report.notes}")
    _journal(
        phase=phase,
        type="observation",
        title=f"Builder result for phase {phase.phase_id}: {report.status}",
        details="\n".join(lines),
        evidence=evidence,
    )


# -- auditor ----------------------------------------------------------------------------------------


@transaction.atomic
def auditor_result_submit(*, tenant: Tenant, run_id: str, phase_id: str, report: AuditorReport) -> Phase:
    """Applies an auditor's result to the phase and returns it. Raises ``PhaseNotFound`` (404) and
    ``PhaseNotAtGate`` (409: approve or revise of a phase that is not at GATE; nothing is kept)."""
    phase = build_lock(tenant=tenant, run_id=run_id, phase_id=phase_id)
    if report.recommendation in ("approve", "revise") and phase.state != PhaseState.GATE:
        raise PhaseNotAtGate(phase.phase_id, phase.state, report.recommendation)
    phase.auditor_attempts = max(phase.auditor_attempts, report.auditor_attempts)
    phase.tokens_used = max(phase.tokens_used, report.tokens_used)
    phase.save(update_fields=["auditor_attempts", "tokens_used", "updated_at"])
    result = AuditorResult.objects.create(
        phase=phase,
        review_notes=report.review_notes,
        issues_found=[_issue_json(issue) for issue in report.issues_found],
        suggested_patches=list(report.suggested_patches),
        auditor_attempts=report.auditor_attempts,
        tokens_used=report.tokens_used,
        recommendation=report.recommendation,
        confidence=report.confidence,
    )
    _issues_record(phase=phase, issues=report.issues_found, source=ACTOR_AUDITOR)
    _journal(
        phase=phase,
        type="decision",
        title=f"Auditor recommends {report.recommendation} for phase {phase.phase_id}",
        details="\n".join(
            [
                f"recommendation: {report.recommendation}",
                f"confidence: {report.confidence}",
                f"issues found: {len(report.issues_found)}",
                f"suggested patches: {len(report.suggested_patches)}",
                f"review notes: {report.review_notes or '(none)'}",
            ]
        ),
    )
    if report.recommendation == "approve":
        phase_transition(
            phase=phase, new_state=PhaseState.COMPLETE, actor=ACTOR_AUDITOR, note="auditor approved"
        )
    elif report.recommendation == "revise":
        phase_transition(
            phase=phase, new_state=PhaseState.QUEUED, actor=ACTOR_AUDITOR, note="auditor asked for a revision"
        )
        phase.revision_epoch += 1
        phase.save(update_fields=["revision_epoch", "updated_at"])
        _error_report(
            phase=phase,
            error_type="auditor_rejected",
            message=report.review_notes or f"Auditor asked for a revision of phase {phase.phase_id}",
            component=ACTOR_AUDITOR,
            context={
                "auditor_result_id": result.pk,
                "confidence": report.confidence,
                "revision_epoch": phase.revision_epoch,
            },
        )
    elif report.recommendation == "escalate":
        phase.needs_human_review = True
        phase.save(update_fields=["needs_human_review", "updated_at"])
    return phase


# -- shared -----------------------------------------------------------------------------------------


def _issue_json(issue: IssueSuggestion) -> dict[str, Any]:
    return {
        "issue_key": issue.issue_key,
        "severity": issue.severity,
        "source": issue.source,
        "category": issue.category,
        "evidence_refs": list(issue.evidence_refs),
        "description": issue.description,
    }


def _issues_record(*, phase: Phase, issues: Sequence[IssueSuggestion], source: str | None) -> None:
    """Each issue as an occurrence of the phase; ``source`` overrides the issue's own."""
    for issue in issues:
        issue_record(
            phase=phase,
            issue_key=issue.issue_key,
            severity=issue.severity,
            source=source or issue.source,
            category=issue.category,
            task_category=phase.task_category,
            complexity=phase.complexity,
            evidence_refs=list(issue.evidence_refs),
            description=issue.description,
        )


def _error_report(
    *, phase: Phase, error_type: str, message: str, component: str, context: dict[str, Any]
) -> ErrorReport:
    return ErrorReport.objects.create(
        tenant_id=phase.build.tenant_id,
        build=phase.build,
        phase=phase,
        error_type=error_type,
        error_message=message,
        component=component,
        operation=f"{component}_result",
        context_data={"phase_id": phase.phase_id, **context},
    )


def _journal(
    *, phase: Phase, type: str, title: str, details: str, evidence: list[dict[str, str]] | None = None
) -> None:
    """One event of the phase (``meta.step`` = its id) in the run's journal, then the tier and run
    brought in step with the phase's new numbers (tokens, issue counts), in this transaction. The
    run's readable files follow on commit."""
    build = phase.build
    payload = build_event(build, type=type, title=title, details=details, step=phase.phase_id, actor="agent")
    if evidence:
        payload = event_payload(event_parse({**payload, "evidence": evidence}))
    build_events_append(build=build, payloads=[payload, *build_roll_up(build=build, tier=phase.tier)])
    transaction.on_commit(partial(readable_files_write, build=build, phase=phase), robust=True)
