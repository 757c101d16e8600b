"""A build run's life: starting it (run, tiers, phases, their steps, the journal's intent in one
transaction), locking it for a change, moving a phase along ``PHASE_TRANSITIONS`` and rolling the
change up to its tier and the run, and the executor's status reports.

Every change holds the run's row lock (``build_lock``), so concurrent reports on one run serialise;
each appends its journal event in the same transaction; the run's readable files follow on commit.
Once the run has ended (its journal holds the terminal event) nothing of it changes: ``BuildRunEnded``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from builds.errors import (
    BuildRunEnded,
    BuildRunExists,
    DuplicatePhaseId,
    DuplicateTierId,
    IllegalPhaseTransition,
    InvalidPhaseState,
    PhaseNotFound,
    UnknownTier,
)
from builds.journal_events import (
    build_events_append,
    phase_changed_event,
    phase_metrics_event,
    run_ended_event,
    run_started_event,
)
from builds.models import (
    DEFAULT_MAX_DURATION_MINUTES,
    DEFAULT_MAX_PHASES,
    DEFAULT_TOKEN_CAP,
    BuildRun,
    ErrorReport,
    Phase,
    Tier,
)
from builds.readable_files import readable_files_write
from builds.states import (
    PHASE_ENDED,
    RUN_ENDED,
    STEP_STATE,
    IssueState,
    PhaseState,
    TierState,
    run_state_for,
    tier_state_for,
    transition_allowed,
)
from runs.models import Run, RunKind, Step
from runs.services import lock_run
from tenancy.models import Tenant

MINOR_ISSUES_PER_PHASE = 3  # the run's max_minor_issues_total is this many per phase
TIER_ENDED = frozenset({TierState.COMPLETE, TierState.FAILED, TierState.SKIPPED})


@dataclass(frozen=True)
class TierPlan:
    tier_id: str
    tier_index: int
    name: str
    description: str | None = None


@dataclass(frozen=True)
class PhasePlan:
    phase_id: str
    phase_index: int
    tier_id: str  # the plan's tier_id, not a row
    name: str
    description: str | None = None
    task_category: str | None = None
    complexity: str | None = None
    builder_mode: str | None = None
    scope: dict[str, Any] | None = None
    intention_refs: dict[str, list[int]] | None = None


@dataclass(frozen=True)
class PhaseMetrics:
    """What a status report may set besides the state; ``None`` leaves a value as it is."""

    builder_attempts: int | None = None
    tokens_used: int | None = None
    minor_issues_count: int | None = None
    major_issues_count: int | None = None
    quality_level: str | None = None
    quality_blocked: bool | None = None
    failure_reason: str | None = None  # our addition: why a phase reported FAILED failed

    def given(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.__dict__.items()
            if value is not None and name != "failure_reason"
        }


@dataclass(frozen=True)
class BuildPlan:
    run_id: str
    safety_profile: str = "normal"
    run_scope: str = "multi_tier"
    token_cap: int | None = None
    max_phases: int | None = None
    max_duration_minutes: int | None = None
    tiers: Sequence[TierPlan] = field(default_factory=tuple)
    phases: Sequence[PhasePlan] = field(default_factory=tuple)


# -- starting ---------------------------------------------------------------------------------------


@transaction.atomic
def build_start(*, tenant: Tenant, plan: BuildPlan, actor: str = "agent") -> BuildRun:
    """Creates the build run of ``plan`` with its tiers and QUEUED phases (each with its ``Step``).

    ``BuildRunExists`` (409) when the tenant has a run ``plan.run_id`` (of any kind), also when one
    is started concurrently: the unique (tenant, run_id) constraint decides. ``DuplicateTierId``,
    ``UnknownTier`` and ``DuplicatePhaseId`` (400) for a plan that does not hold together.
    """
    if Run.objects.filter(tenant=tenant, run_id=plan.run_id).exists():
        raise BuildRunExists(plan.run_id)
    _plan_check(plan)
    try:
        with transaction.atomic():
            run = Run.objects.create(tenant=tenant, run_id=plan.run_id, kind=RunKind.BUILD)
    except IntegrityError:
        raise BuildRunExists(plan.run_id) from None
    now = run.started_at = run.created_at  # a build run starts when it is created
    run.save(update_fields=["started_at"])
    build = BuildRun.objects.create(
        run=run,
        tenant=tenant,
        safety_profile=plan.safety_profile,
        run_scope=plan.run_scope,
        token_cap=plan.token_cap or DEFAULT_TOKEN_CAP,
        max_phases=plan.max_phases or DEFAULT_MAX_PHASES,
        max_duration_minutes=plan.max_duration_minutes or DEFAULT_MAX_DURATION_MINUTES,
        max_minor_issues_total=len(plan.phases) * MINOR_ISSUES_PER_PHASE if plan.phases else None,
        started_at=now,
    )
    tiers = Tier.objects.bulk_create(
        Tier(
            build=build,
            tier_id=tier.tier_id,
            tier_index=tier.tier_index,
            name=tier.name,
            description=tier.description,
        )
        for tier in plan.tiers
    )
    tier_rows = {tier.tier_id: tier for tier in tiers}
    steps = Step.objects.bulk_create(
        Step(
            run=run,
            index=position,
            node_id=phase.phase_id,
            node_type="phase",
            state=STEP_STATE[PhaseState.QUEUED],
        )
        for position, phase in enumerate(plan.phases, 1)
    )
    Phase.objects.bulk_create(
        Phase(
            step=step,
            build=build,
            tier=tier_rows[phase.tier_id],
            phase_id=phase.phase_id,
            phase_index=phase.phase_index,
            name=phase.name,
            description=phase.description,
            task_category=phase.task_category,
            complexity=phase.complexity,
            builder_mode=phase.builder_mode,
            scope=phase.scope,
            intention_refs=phase.intention_refs,
        )
        for step, phase in zip(steps, plan.phases, strict=True)
    )
    build_events_append(
        build=build,
        payloads=[
            run_started_event(build, tier_count=len(plan.tiers), phase_count=len(plan.phases), actor=actor)
        ],
    )
    files_refresh_on_commit(build=build)
    return build


def _plan_check(plan: BuildPlan) -> None:
    tier_ids: set[str] = set()
    for tier in plan.tiers:
        if tier.tier_id in tier_ids:
            raise DuplicateTierId(tier.tier_id)
        tier_ids.add(tier.tier_id)
    phase_ids: set[str] = set()
    for phase in plan.phases:
        if phase.tier_id not in tier_ids:
            raise UnknownTier(phase.phase_id, phase.tier_id)
        if phase.phase_id in phase_ids:
            raise DuplicatePhaseId(phase.phase_id)
        phase_ids.add(phase.phase_id)


# -- locking and moving a phase ---------------------------------------------------------------------


def build_lock(*, tenant: Tenant, run_id: str, phase_id: str, ended_ok: bool = False) -> Phase:
    """Inside the caller's transaction: locks the run row of the tenant's build run ``run_id`` and
    returns its phase ``phase_id`` (``phase.build.run`` is the locked row). ``PhaseNotFound`` (404)
    when either is missing; ``BuildRunEnded`` (409) when the run has ended, unless ``ended_ok``."""
    run = lock_run(tenant=tenant, run_id=run_id, create=False)
    if run is None or run.kind != RunKind.BUILD:
        raise PhaseNotFound(phase_id, run_id)
    phase = (
        Phase.objects.select_related("build", "tier", "step")
        .filter(build_id=run.pk, phase_id=phase_id)
        .first()
    )
    if phase is None:
        raise PhaseNotFound(phase_id, run_id)
    phase.build.run = run
    phase.step.run = run
    if not ended_ok:
        build_ensure_open(build=phase.build)
    return phase


def build_ensure_open(*, build: BuildRun) -> None:
    """``BuildRunEnded`` (409) once the run has ended: its journal is closed."""
    if build.state in RUN_ENDED:
        raise BuildRunEnded(build.run.run_id)


def phase_transition(*, phase: Phase, new_state: str, actor: str, note: str = "") -> None:
    """Moves ``phase`` (from ``build_lock``: the caller holds the run lock in its transaction) to
    ``new_state``, with its times and step, rolls the change up to its tier and the run, writes
    the journal (and the run's end, when this was its last open phase) and refreshes the files.

    The same state again is no transition and does nothing. ``InvalidPhaseState`` (400) for a
    word outside ``PhaseState``, ``BuildRunEnded`` (409) once the run has ended,
    ``IllegalPhaseTransition`` (409) for a move ``PHASE_TRANSITIONS`` does not allow.
    A phase entering FAILED keeps ``note`` as its failure reason and gets an error report.
    """
    if new_state not in PhaseState.values:
        raise InvalidPhaseState(new_state)
    build = phase.build
    build_ensure_open(build=build)
    old = phase.state
    if new_state == old:
        return
    if not transition_allowed(old, new_state):
        raise IllegalPhaseTransition(phase.phase_id, old, new_state)
    now = timezone.now()
    phase.state = new_state
    if new_state == PhaseState.EXECUTING and phase.started_at is None:
        phase.started_at = now
    if new_state in PHASE_ENDED:
        phase.completed_at = now
    elif old in PHASE_ENDED:  # FAILED -> QUEUED: a retry
        phase.completed_at = None
        phase.retry_attempt += 1
    if new_state == PhaseState.FAILED:
        phase.last_failure_reason = note or f"Phase {phase.phase_id} failed"
    phase.save(
        update_fields=[
            "state",
            "started_at",
            "completed_at",
            "retry_attempt",
            "last_failure_reason",
            "updated_at",
        ]
    )
    _step_follow(phase, now)
    payloads = [phase_changed_event(build, phase, old=old, new=new_state, actor=actor, note=note)]
    if new_state == PhaseState.FAILED:
        ErrorReport.objects.create(
            tenant_id=build.tenant_id,
            build=build,
            phase=phase,
            error_type="phase_failed",
            error_message=phase.last_failure_reason or "",
            component="phase",
            operation="phase_transition",
            context_data={"phase_id": phase.phase_id, "from_state": old, "actor": actor},
        )
    payloads += build_roll_up(build=build, tier=phase.tier, now=now)
    build_events_append(build=build, payloads=payloads)
    files_refresh_on_commit(build=build, phase=phase)


def _step_follow(phase: Phase, now: Any) -> None:
    step = phase.step
    step.state = STEP_STATE[phase.state]
    if phase.state != PhaseState.QUEUED and step.started_at is None:
        step.started_at = now
    step.finished_at = now if phase.state in PHASE_ENDED else None
    step.save(update_fields=["state", "started_at", "finished_at"])


def build_roll_up(*, build: BuildRun, tier: Tier, now: Any = None) -> list[dict[str, Any]]:
    """Brings ``tier`` and the run in step with their phases (state, times, tokens and issue
    counts) and returns the run's terminal journal event when this ended it (the caller appends
    it after its own). The caller holds the run lock."""
    now = now or timezone.now()
    rows = list(
        Phase.objects.filter(build_id=build.pk)
        .order_by("phase_index", "step_id")
        .values_list(
            "tier_id", "phase_id", "state", "tokens_used", "minor_issues_count", "major_issues_count"
        )
    )
    mine = [row for row in rows if row[0] == tier.pk]
    tier.state = tier_state_for(row[2] for row in mine)
    if tier.state != TierState.PENDING and tier.started_at is None:
        tier.started_at = now
    tier.completed_at = (tier.completed_at or now) if tier.state in TIER_ENDED else None
    tier.tokens_used = sum(row[3] for row in mine)
    tier.minor_issues_count = sum(row[4] for row in mine)
    tier.major_issues_count = sum(row[5] for row in mine)
    tier.save(
        update_fields=[
            "state",
            "started_at",
            "completed_at",
            "tokens_used",
            "minor_issues_count",
            "major_issues_count",
        ]
    )
    was = build.state
    build.state = run_state_for(was, (row[2] for row in rows))
    build.tokens_used = sum(row[3] for row in rows)
    build.minor_issues_count = sum(row[4] for row in rows)
    build.major_issues_count = sum(row[5] for row in rows)
    ended = build.state in RUN_ENDED and was not in RUN_ENDED
    if ended:
        build.completed_at = now
        failed = [row[1] for row in rows if row[2] == PhaseState.FAILED]
        if failed:
            build.failure_reason = f"Phases failed: {', '.join(failed)}"
        build.run.finished_at = now
        build.run.save(update_fields=["finished_at", "updated_at"])
    build.save(
        update_fields=[
            "state",
            "tokens_used",
            "minor_issues_count",
            "major_issues_count",
            "completed_at",
            "failure_reason",
            "updated_at",
        ]
    )
    return [run_ended_event(build)] if ended else []


def issue_state_for(*, minor: int, major: int) -> str:
    if major > 0:
        return IssueState.HAS_MAJOR_ISSUES
    if minor > 0:
        return IssueState.HAS_MINOR_ISSUES
    return IssueState.NO_ISSUES


# -- the executor's status report -------------------------------------------------------------------


@transaction.atomic
def phase_status_update(
    *, tenant: Tenant, run_id: str, phase_id: str, state: str, metrics: PhaseMetrics, actor: str = "agent"
) -> Phase:
    """``POST .../update_status``: checks in the origin's order (``PhaseNotFound`` 404, then
    ``InvalidPhaseState`` 400, case-sensitive), then ours (``BuildRunEnded``, then
    ``IllegalPhaseTransition``, both 409, before anything is written). Copies the metrics given
    (the run's tokens and counts follow), then moves the phase; a report that keeps the state is
    journaled as an observation of what changed."""
    phase = build_lock(tenant=tenant, run_id=run_id, phase_id=phase_id, ended_ok=True)
    if state not in PhaseState.values:
        raise InvalidPhaseState(state)
    build = phase.build
    build_ensure_open(build=build)
    if not transition_allowed(phase.state, state):
        raise IllegalPhaseTransition(phase.phase_id, phase.state, state)
    changes = {name: value for name, value in metrics.given().items() if getattr(phase, name) != value}
    for name, value in changes.items():
        setattr(phase, name, value)
    if "minor_issues_count" in changes or "major_issues_count" in changes:
        phase.issue_state = issue_state_for(minor=phase.minor_issues_count, major=phase.major_issues_count)
        changes_fields = [*changes, "issue_state"]
    else:
        changes_fields = list(changes)
    phase.save(update_fields=[*changes_fields, "updated_at"])
    if state != phase.state:
        phase_transition(phase=phase, new_state=state, actor=actor, note=metrics.failure_reason or "")
    else:
        payloads = [phase_metrics_event(build, phase, changes=changes, actor=actor)]
        payloads += build_roll_up(build=build, tier=phase.tier)
        build_events_append(build=build, payloads=payloads)
        files_refresh_on_commit(build=build, phase=phase)
    return phase


def files_refresh_on_commit(*, build: BuildRun, phase: Phase | None = None) -> None:
    """The run's readable files, rewritten from the rows once this transaction commits (a storage
    failure then is logged: the rows stay, and the next change rewrites the files)."""
    transaction.on_commit(partial(readable_files_write, build=build, phase=phase), robust=True)
