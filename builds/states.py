"""The build vocabularies (the operator-api's own words) and the phase transition table.

A phase moves only along ``PHASE_TRANSITIONS``; repeating the state it is in is a metrics update,
not a transition. Nothing leaves ``COMPLETE`` or ``SKIPPED``; ``FAILED`` goes back only to
``QUEUED`` (a retry). A tier's state and the run's follow from their phases (``tier_state_for``,
``run_state_for``). Each phase state shows as a runs ``StepState`` through ``STEP_STATE``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from runs.models import StepState


class BuildRunState(models.TextChoices):
    QUEUED = "QUEUED"
    PLAN_BOOTSTRAP = "PLAN_BOOTSTRAP"
    RUN_CREATED = "RUN_CREATED"
    PHASE_QUEUEING = "PHASE_QUEUEING"
    PHASE_EXECUTION = "PHASE_EXECUTION"
    GATE = "GATE"
    CI_RUNNING = "CI_RUNNING"
    SNAPSHOT_CREATED = "SNAPSHOT_CREATED"
    DONE_SUCCESS = "DONE_SUCCESS"
    DONE_FAILED_BUDGET_EXHAUSTED = "DONE_FAILED_BUDGET_EXHAUSTED"
    DONE_FAILED_POLICY_VIOLATION = "DONE_FAILED_POLICY_VIOLATION"
    DONE_FAILED_REQUIRES_HUMAN_REVIEW = "DONE_FAILED_REQUIRES_HUMAN_REVIEW"
    DONE_FAILED_ENVIRONMENT = "DONE_FAILED_ENVIRONMENT"


class TierState(models.TextChoices):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class PhaseState(models.TextChoices):
    QUEUED = "QUEUED"
    EXECUTING = "EXECUTING"
    GATE = "GATE"
    CI_RUNNING = "CI_RUNNING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class IssueState(models.TextChoices):
    NO_ISSUES = "no_issues"
    HAS_MINOR_ISSUES = "has_minor_issues"
    HAS_MAJOR_ISSUES = "has_major_issues"


P = PhaseState
PHASE_TRANSITIONS: dict[str, frozenset[str]] = {
    P.QUEUED: frozenset({P.EXECUTING, P.SKIPPED, P.FAILED}),
    P.EXECUTING: frozenset({P.GATE, P.CI_RUNNING, P.COMPLETE, P.FAILED, P.SKIPPED, P.QUEUED}),
    P.GATE: frozenset({P.COMPLETE, P.QUEUED, P.CI_RUNNING, P.FAILED}),
    P.CI_RUNNING: frozenset({P.GATE, P.COMPLETE, P.FAILED}),
    P.COMPLETE: frozenset(),
    P.SKIPPED: frozenset(),
    P.FAILED: frozenset({P.QUEUED}),
}

PHASE_ENDED = frozenset({P.COMPLETE, P.FAILED, P.SKIPPED})
PHASE_DONE = frozenset({P.COMPLETE, P.SKIPPED})  # "done" for current-phase and percentages
RUN_ENDED = frozenset(state for state in BuildRunState if state.startswith("DONE_"))

STEP_STATE: dict[str, str] = {
    P.QUEUED: StepState.PENDING,
    P.EXECUTING: StepState.RUNNING,
    P.GATE: StepState.WAITING,
    P.CI_RUNNING: StepState.RUNNING,
    P.COMPLETE: StepState.SUCCEEDED,
    P.FAILED: StepState.FAILED,
    P.SKIPPED: StepState.SKIPPED,
}


def transition_allowed(current: str, new: str) -> bool:
    return new == current or new in PHASE_TRANSITIONS[current]


def tier_state_for(phase_states: Iterable[str]) -> str:
    """PENDING until a phase moves; COMPLETE/SKIPPED/FAILED once all have ended."""
    states = list(phase_states)
    if not states or all(state == P.QUEUED for state in states):
        return TierState.PENDING
    if not all(state in PHASE_ENDED for state in states):
        return TierState.IN_PROGRESS
    if any(state == P.FAILED for state in states):
        return TierState.FAILED
    if all(state == P.SKIPPED for state in states):
        return TierState.SKIPPED
    return TierState.COMPLETE


def run_state_for(current: str, phase_states: Iterable[str]) -> str:
    """The run once its phases say so: done when every phase has ended, else executing."""
    states = list(phase_states)
    if current in RUN_ENDED or not states:
        return current
    if all(state in PHASE_ENDED for state in states):
        if any(state == P.FAILED for state in states):
            return BuildRunState.DONE_FAILED_REQUIRES_HUMAN_REVIEW
        return BuildRunState.DONE_SUCCESS
    if any(state != P.QUEUED for state in states):
        return BuildRunState.PHASE_EXECUTION
    return current
