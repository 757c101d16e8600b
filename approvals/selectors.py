"""Reads of approvals, scoped by tenant."""

from __future__ import annotations

from approvals.models import Approval, ApprovalStatus
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
        Run.objects.filter(tenant=tenant, inconsistency__isnull=False)
        .order_by("run_id")
        .values_list("inconsistency", flat=True)
        .first()
    )
    if broken is not None:
        raise InconsistentRunState(broken)
    return list(
        Approval.objects.filter(tenant=tenant, status=ApprovalStatus.PENDING)
        .order_by("requested_at", "event_id")
        .values(*PENDING_FIELDS)
    )
