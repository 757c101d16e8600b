"""Reads of approvals, scoped by tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone

from approvals.models import Approval, ApprovalStatus
from core.tenant_scope import for_tenant
from runs.errors import InconsistentRunState
from runs.models import Run
from runs.selectors import reads_storage
from tenancy.models import Tenant

PENDING_FIELDS = (
    "event_id",
    "run__run_id",
    "requested_at",
    "requested_by",
    "title",
    "details",
    "reason",
    "risk_level",
)


@reads_storage
def pending_approvals(*, tenant: Tenant) -> list[dict]:
    """Open approvals, by request time then event id. Fails loud (``InconsistentRunState``) when any
    run of the tenant has an inconsistent journal, as the contract asks."""
    broken = (
        for_tenant(Run, tenant)
        .filter(inconsistency__isnull=False)
        .order_by("run_id")
        .values_list("inconsistency", flat=True)
        .first()
    )
    if broken is not None:
        raise InconsistentRunState(broken)
    return list(
        for_tenant(Approval, tenant)
        .filter(status=ApprovalStatus.PENDING)
        .order_by("requested_at", "event_id")
        .values(*PENDING_FIELDS)
    )


RISK_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
EXPIRING_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class InboxFilters:
    kind: str = ""
    risk: str = ""
    run: str = ""
    mine: bool = False  # runs of workflows in categories the person's teams are assigned
    expiring: bool = False  # expires within EXPIRING_SOON

    @property
    def active(self) -> bool:
        return any((self.kind, self.risk, self.run, self.mine, self.expiring))


def approvals_visible(*, tenant: Tenant, categories: frozenset[str] | None) -> QuerySet[Approval]:
    """Every approval of the tenant whose run the person may see (``runs.selectors.runs_visible``)."""
    approvals = for_tenant(Approval, tenant)
    if categories is not None:
        approvals = approvals.filter(run__workflow__category__in=categories)
    return approvals


def inbox(
    *,
    tenant: Tenant,
    categories: frozenset[str] | None,
    filters: InboxFilters,
    team_categories: frozenset[str] = frozenset(),
) -> QuerySet[Approval]:
    """Pending approvals of every kind, riskiest first, then newest."""
    approvals = approvals_visible(tenant=tenant, categories=categories).filter(status=ApprovalStatus.PENDING)
    if filters.kind:
        approvals = approvals.filter(kind=filters.kind)
    if filters.risk:
        approvals = approvals.filter(risk_level=filters.risk)
    if filters.run:
        approvals = approvals.filter(run__run_id=filters.run)
    if filters.mine:
        approvals = approvals.filter(run__workflow__category__in=team_categories)
    if filters.expiring:
        approvals = approvals.filter(expires_at__isnull=False, expires_at__lte=timezone.now() + EXPIRING_SOON)
    rank = Case(*(When(risk_level=k, then=Value(v)) for k, v in RISK_RANK.items()), default=Value(0))
    return (
        approvals.annotate(risk_rank=rank)
        .select_related("run")
        .defer("run__graph", "run__journal_state", "run__input")
        .order_by("-risk_rank", "-requested_at", "-pk")
    )


def inbox_count(*, tenant: Tenant, categories: frozenset[str] | None) -> int:
    return (
        approvals_visible(tenant=tenant, categories=categories).filter(status=ApprovalStatus.PENDING).count()
    )
