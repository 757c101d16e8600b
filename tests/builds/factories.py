"""Build runs written straight to the rows, for tests that need one in a given shape (the API's
own start path is tested in test_start.py)."""

from __future__ import annotations

from django.utils import timezone

from builds.models import BuildRun, Phase, Tier
from builds.states import STEP_STATE, PhaseState
from runs.journal.projection import initial_state
from runs.models import Run, RunKind, Step


def build_run(
    tenant,
    run_id: str = "build-1",
    *,
    tiers: list[tuple[str, str]] = (("T1", "Foundation"),),
    phases: list[tuple[str, str, str]] = (("P1", "T1", PhaseState.QUEUED),),
    **fields,
) -> BuildRun:
    """A build run with ``tiers`` ``(tier_id, name)`` and ``phases`` ``(phase_id, tier_id, state)``;
    ``fields`` set BuildRun columns (state, token_cap, tokens_used, ...)."""
    now = timezone.now()
    run = Run.objects.create(
        tenant=tenant, run_id=run_id, kind=RunKind.BUILD, journal_state=initial_state(), started_at=now
    )
    build = BuildRun.objects.create(run=run, tenant=tenant, started_at=now, **fields)
    tier_rows = {}
    for index, (tier_id, name) in enumerate(tiers):
        tier_rows[tier_id] = Tier.objects.create(build=build, tier_id=tier_id, tier_index=index, name=name)
    for index, (phase_id, tier_id, state) in enumerate(phases):
        step = Step.objects.create(
            run=run, index=index + 1, node_id=phase_id, node_type="phase", state=STEP_STATE[state]
        )
        Phase.objects.create(
            step=step,
            build=build,
            tier=tier_rows[tier_id],
            phase_id=phase_id,
            phase_index=index,
            name=f"Phase {phase_id}",
            state=state,
        )
    return build
