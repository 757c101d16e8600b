"""``GET /dashboard/runs/{run_id}/status``: the origin's ``DashboardRunStatus``, every field computed
from the rows (the origin leaves the quality fields at their defaults). Three queries: the run, its
tiers, its phases."""

from __future__ import annotations

from typing import Any, TypedDict

from builds.models import Phase, Tier
from builds.selectors import build_get
from builds.states import PHASE_DONE, TierState
from tenancy.models import Tenant

TIER_DONE = frozenset({TierState.COMPLETE, TierState.SKIPPED})
# Phase quality levels, best first; a level outside these ranks as needing review.
QUALITY_RANK = {"ok": 0, "needs_review": 1, "blocked": 2}
UNKNOWN_QUALITY_RANK = 1


class DashboardRunStatus(TypedDict):
    run_id: str
    state: str
    current_tier_name: str | None
    current_tier_index: int | None
    current_phase_name: str | None
    current_phase_index: int | None
    total_tiers: int
    total_phases: int
    completed_tiers: int
    completed_phases: int
    percent_complete: float
    tiers_percent_complete: float
    tokens_used: int
    token_cap: int
    token_utilization: float
    minor_issues_count: int
    major_issues_count: int
    quality_level: str | None
    quality_blocked: bool
    quality_warnings: list[str]
    token_efficiency: dict[str, Any] | None


def _percent(part: int, whole: int) -> float:
    return part / whole * 100 if whole else 0.0


def quality_level_of(phases: list[Phase]) -> str | None:
    """The worst level any phase has (``blocked`` > ``needs_review`` > ``ok``); None if none has one."""
    levels = [phase.quality_level for phase in phases if phase.quality_level]
    if not levels:
        return None
    return max(levels, key=lambda level: QUALITY_RANK.get(level, UNKNOWN_QUALITY_RANK))


def quality_warnings_of(phases: list[Phase]) -> list[str]:
    """One line per phase that holds the run back, in phase order."""
    warnings = []
    for phase in phases:
        if phase.quality_blocked or phase.quality_level == "blocked":
            warnings.append(f"Phase {phase.phase_id} is blocked by a quality gate")
        elif phase.quality_level and QUALITY_RANK.get(phase.quality_level, UNKNOWN_QUALITY_RANK) > 0:
            warnings.append(f"Phase {phase.phase_id} quality level is {phase.quality_level}")
        if phase.needs_human_review:
            warnings.append(f"Phase {phase.phase_id} needs human review (the auditor escalated it)")
    return warnings


def dashboard_status_get(*, tenant: Tenant, run_id: str) -> DashboardRunStatus:
    """Current tier and phase: the first by index not COMPLETE or SKIPPED (a FAILED one is current).
    Percentages count COMPLETE and SKIPPED as done; issue counts are the sums over the phases."""
    build = build_get(tenant=tenant, run_id=run_id)
    tiers = list(Tier.objects.filter(build=build).order_by("tier_index", "id"))
    phases = list(Phase.objects.filter(build=build).order_by("phase_index", "step_id"))
    current_tier = next((tier for tier in tiers if tier.state not in TIER_DONE), None)
    current_phase = next((phase for phase in phases if phase.state not in PHASE_DONE), None)
    completed_tiers = sum(1 for tier in tiers if tier.state in TIER_DONE)
    completed_phases = sum(1 for phase in phases if phase.state in PHASE_DONE)
    tokens_used = build.tokens_used or 0
    token_cap = build.token_cap or 1
    return {
        "run_id": build.run.run_id,
        "state": build.state,
        "current_tier_name": current_tier.name if current_tier else None,
        "current_tier_index": current_tier.tier_index if current_tier else None,
        "current_phase_name": current_phase.name if current_phase else None,
        "current_phase_index": current_phase.phase_index if current_phase else None,
        "total_tiers": len(tiers),
        "total_phases": len(phases),
        "completed_tiers": completed_tiers,
        "completed_phases": completed_phases,
        "percent_complete": _percent(completed_phases, len(phases)),
        "tiers_percent_complete": _percent(completed_tiers, len(tiers)),
        "tokens_used": tokens_used,
        "token_cap": token_cap,
        "token_utilization": tokens_used / token_cap * 100,
        "minor_issues_count": sum(phase.minor_issues_count for phase in phases),
        "major_issues_count": sum(phase.major_issues_count for phase in phases),
        "quality_level": quality_level_of(phases),
        "quality_blocked": any(p.quality_blocked or p.quality_level == "blocked" for p in phases),
        "quality_warnings": quality_warnings_of(phases),
        "token_efficiency": None,
    }
