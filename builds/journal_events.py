"""The journal events a build run writes, in run-journal-v0's vocabulary (the engine's shape:
``actor`` system unless an agent or a person reported it, ``meta.workflow`` ``build``).

``meta.step`` is the phase id for a phase's events and a run-level marker otherwise: ``run_started``
(the intent), ``summary`` (the run succeeded: the journal's projection reads it as completed) and
``run_stopped`` (an ``error`` event: the run failed, the projection reads it as stopped). Those
markers, and the journal's other terminal ones, are never phase ids (``RESERVED_STEPS``).
"""

from __future__ import annotations

import json
from typing import Any

from builds.models import BuildRun, IssueOccurrence, Phase
from builds.states import BuildRunState
from core.ids import new_ulid
from runs.journal.event_schema import TEXT_MAX, event_parse, event_payload, utc_z
from runs.journal.projection import TERMINAL_STEPS
from runs.models import RunKind
from runs.services import journal_append, journal_now

WORKFLOW = "build"
STARTED_STEP = "run_started"
SUCCEEDED_STEP = "summary"
FAILED_STEP = "run_stopped"
RESERVED_STEPS = frozenset({STARTED_STEP, SUCCEEDED_STEP, "run_queued", "run_completed", *TERMINAL_STEPS})
ACTORS = ("agent", "system", "human")
DETAILS_MAX = 2000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def journal_actor(actor: str) -> str:
    """The journal's actor word for who reported a change (an executor's report is an agent's)."""
    return actor if actor in ACTORS else "agent"


def build_event(
    build: BuildRun,
    *,
    type: str,
    title: str,
    details: str,
    step: str,
    actor: str = "system",
    risk_level: str | None = None,
) -> dict[str, Any]:
    """A validated journal payload of ``build``'s run, timed by its journal's clock. The run must
    be the row locked in this transaction (``build.run``)."""
    run = build.run
    event = {
        "id": f"evt_{new_ulid()}",
        "run_id": run.run_id,
        "timestamp": utc_z(journal_now(run)),
        "type": type,
        "actor": journal_actor(actor),
        "title": _clip(title.strip(), TEXT_MAX) or "Build",
        "details": _clip(details.strip(), DETAILS_MAX) or title.strip() or "Build",
        "risk_level": risk_level,
        "requires_approval": False,
        "approval": {"status": "not_required"},
        "meta": {"workflow": WORKFLOW, "step": step},
    }
    return event_payload(event_parse(event))


def build_events_append(*, build: BuildRun, payloads: list[dict[str, Any]]) -> None:
    """Appends ``payloads`` to the journal of ``build``'s run, whose row (``build.run``) the caller
    holds locked: the projection is folded into that object, no second lock, no re-read."""
    if payloads:
        journal_append(
            tenant=build.run.tenant,
            payloads=payloads,
            kind=RunKind.BUILD,
            context={"kind": "build"},
            locked_run=build.run,
        )


def run_started_event(build: BuildRun, *, tier_count: int, phase_count: int, actor: str) -> dict[str, Any]:
    return build_event(
        build,
        type="intent",
        title="Build run started",
        details=(
            f"Build run {build.run.run_id} started with {_count(tier_count, 'tier')} and "
            f"{_count(phase_count, 'phase')} (safety profile {build.safety_profile}, "
            f"scope {build.run_scope}, token cap {build.token_cap})"
        ),
        step=STARTED_STEP,
        actor=actor,
    )


def phase_changed_event(
    build: BuildRun, phase: Phase, *, old: str, new: str, actor: str, note: str = ""
) -> dict[str, Any]:
    details = f"Phase {phase.phase_id} ({phase.name}) moved from {old} to {new}"
    if note:
        details += f": {note}"
    return build_event(
        build,
        type="action",
        title=f"Phase {phase.phase_id}: {old} -> {new}",
        details=details,
        step=phase.phase_id,
        actor=actor,
    )


def phase_metrics_event(
    build: BuildRun, phase: Phase, *, changes: dict[str, Any], actor: str
) -> dict[str, Any]:
    """A report that kept the phase's state and changed its numbers."""
    listed = ", ".join(f"{name}={json.dumps(value)}" for name, value in changes.items())
    return build_event(
        build,
        type="observation",
        title=f"Phase {phase.phase_id} updated ({phase.state})",
        details=f"Phase {phase.phase_id} stays {phase.state}: {listed or 'no change'}",
        step=phase.phase_id,
        actor=actor,
    )


def issue_recorded_event(build: BuildRun, issue: IssueOccurrence, *, actor: str) -> dict[str, Any]:
    details = (
        f"Issue {issue.issue_key} ({issue.severity}, {issue.category}) from {issue.source} "
        f"in phase {issue.phase.phase_id}"
    )
    if issue.description:
        details += f": {issue.description}"
    return build_event(
        build,
        type="observation",
        title=f"Issue {issue.issue_key} recorded",
        details=details,
        step=issue.phase.phase_id,
        actor=actor,
        risk_level="high" if issue.severity == "major" else None,
    )


def run_ended_event(build: BuildRun) -> dict[str, Any]:
    """The run's terminal event: a ``summary`` when it succeeded, an ``error`` otherwise."""
    if build.state == BuildRunState.DONE_SUCCESS:
        return build_event(
            build,
            type="summary",
            title="Build run succeeded",
            details=f"Every phase of {build.run.run_id} has ended; none failed",
            step=SUCCEEDED_STEP,
        )
    return build_event(
        build,
        type="error",
        title=f"Build run ended: {build.state}",
        details=build.failure_reason or f"Build run {build.run.run_id} ended as {build.state}",
        step=FAILED_STEP,
        risk_level="high",
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
