"""``GET /runs/{run_id}/progress``: a build run's phases one by one, with counts and timing.
Two queries: the run, then its phases."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.utils import timezone

from builds.models import Phase
from builds.reads.shapes import iso
from builds.selectors import build_get
from builds.states import PhaseState
from tenancy.models import Tenant


class PhaseProgress(TypedDict):
    phase_id: str
    name: str
    state: str
    phase_index: int
    tokens_used: int
    builder_attempts: int


class RunProgress(TypedDict):
    run_id: str
    state: str
    started_at: str | None
    completed_at: str | None
    elapsed_seconds: int | None
    tokens_used: int
    token_cap: int
    phases_total: int
    phases_completed: int
    phases_in_progress: int
    phases_pending: int
    phases: list[PhaseProgress]


def elapsed_seconds(started_at: datetime | None, ended_at: datetime | None, now: datetime) -> int | None:
    """Whole seconds from start to end, or to ``now`` while the run goes on; frozen once it ended."""
    if started_at is None:
        return None
    return max(0, int(((ended_at or now) - started_at).total_seconds()))


def build_progress_get(*, tenant: Tenant, run_id: str, now: datetime | None = None) -> RunProgress:
    """The origin's counts: completed = COMPLETE, in progress = EXECUTING, pending = QUEUED only
    (GATE, CI_RUNNING, FAILED and SKIPPED are in none of them)."""
    build = build_get(tenant=tenant, run_id=run_id)
    phases: list[PhaseProgress] = list(
        Phase.objects.filter(build=build)
        .order_by("phase_index", "step_id")
        .values("phase_id", "name", "state", "phase_index", "tokens_used", "builder_attempts")
    )
    states = [phase["state"] for phase in phases]
    ended_at = build.completed_at or build.run.finished_at
    return {
        "run_id": build.run.run_id,
        "state": build.state,
        "started_at": iso(build.started_at),
        "completed_at": iso(ended_at),
        "elapsed_seconds": elapsed_seconds(build.started_at, ended_at, now or timezone.now()),
        "tokens_used": build.tokens_used or 0,
        "token_cap": build.token_cap,
        "phases_total": len(phases),
        "phases_completed": states.count(PhaseState.COMPLETE),
        "phases_in_progress": states.count(PhaseState.EXECUTING),
        "phases_pending": states.count(PhaseState.QUEUED),
        "phases": phases,
    }
