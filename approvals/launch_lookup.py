"""The approvals app's answers to the launch gate (registered in ``ApprovalsConfig.ready``)."""

from __future__ import annotations

from approvals.models import Approval, ApprovalStatus
from runs.engine.approval_lookup import ApprovalFacts
from runs.models import Run
from tenancy.models import Tenant


def approval_facts(tenant: Tenant, event_id: str) -> ApprovalFacts | None:
    """The tenant's approval whose request event is ``event_id``, or None."""
    approval = Approval.objects.filter(tenant=tenant, event_id=event_id).first()
    if approval is None:
        return None
    return ApprovalFacts(status=approval.status, approved=approval.status == ApprovalStatus.APPROVED)


def held_run_approval_id(run: Run) -> str:
    """The event id of the approval a held launch waits for ("" if it has none yet)."""
    return Approval.objects.filter(run=run).values_list("event_id", flat=True).first() or ""
