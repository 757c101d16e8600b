"""``GET /runs``: the tenant's build runs, newest first, a page at a time, each with its phase
counts and current phase. Two queries whatever the page size: the total, and the page with its
counts as correlated subqueries over the page's runs only (so a deep offset costs no more)."""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from builds.models import BuildRun, Phase
from builds.reads.shapes import PageBounds, iso
from builds.states import PHASE_DONE, PhaseState
from core.tenant_scope import for_tenant
from tenancy.models import Tenant


class RunListItem(TypedDict):
    id: str
    state: str
    created_at: str | None
    tokens_used: int
    token_cap: int
    phases_total: int
    phases_completed: int
    current_phase_name: str | None


class RunsPage(TypedDict):
    runs: list[RunListItem]
    total: int
    limit: int
    offset: int


def _phase_count(**filters: object) -> Coalesce:
    counted = (
        Phase.objects.filter(build=OuterRef("pk"), **filters)
        .order_by()
        .values("build")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def build_runs_list(*, tenant: Tenant, bounds: PageBounds) -> RunsPage:
    """Newest first (ties by the newer run); ``phases_completed`` counts COMPLETE phases only and
    ``current_phase_name`` is the first phase by index not COMPLETE or SKIPPED (the origin's rules)."""
    runs = for_tenant(BuildRun, tenant)
    newest_first = ("-created_at", "-pk")
    page = runs.order_by(*newest_first).values("pk")[bounds.offset : bounds.end]
    current_phase = (
        Phase.objects.filter(build=OuterRef("pk"))
        .exclude(state__in=PHASE_DONE)
        .order_by("phase_index", "step_id")
        .values("name")[:1]
    )
    rows = (
        runs.filter(pk__in=page)
        .annotate(
            phases_total=_phase_count(),
            phases_completed=_phase_count(state=PhaseState.COMPLETE),
            current_phase_name=Subquery(current_phase),
        )
        .order_by(*newest_first)
        .values(
            "run__run_id",
            "state",
            "created_at",
            "tokens_used",
            "token_cap",
            "phases_total",
            "phases_completed",
            "current_phase_name",
        )
    )
    items: list[RunListItem] = [
        {
            "id": row["run__run_id"],
            "state": row["state"],
            "created_at": iso(row["created_at"]),
            "tokens_used": row["tokens_used"] or 0,
            "token_cap": row["token_cap"],
            "phases_total": row["phases_total"],
            "phases_completed": row["phases_completed"],
            "current_phase_name": row["current_phase_name"],
        }
        for row in rows
    ]
    return {"runs": items, "total": runs.count(), "limit": bounds.limit, "offset": bounds.offset}
