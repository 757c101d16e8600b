"""django-q2 entry points for approvals."""

from django.utils import timezone

from approvals.models import Approval, ApprovalStatus
from approvals.services import approval_expire
from core.tenant_scope import across_tenants

BATCH = 500


def approvals_expire_overdue() -> int:
    """Expires approvals past ``expires_at`` (scheduled every minute); returns how many."""
    overdue = across_tenants(Approval, reason="expiry sweep: every tenant's overdue approvals").filter(
        status=ApprovalStatus.PENDING,
        expires_at__lte=timezone.now(),
        run__inconsistency__isnull=True,  # a broken journal must not clog the sweep for everyone
    )
    ids = list(overdue.order_by("expires_at").values_list("pk", flat=True)[:BATCH])
    return sum(approval_expire(approval_id=pk) for pk in ids)
