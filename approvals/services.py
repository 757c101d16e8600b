"""Deciding approvals: ``approval_resolve`` is the one way, from every door; expiry uses the same path.

Both lock the run (``SELECT ... FOR UPDATE``) before looking at the approval, then append the
deciding event through the journal, whose subscriber updates the ``Approval`` row in the same
transaction. Of any number of concurrent decisions exactly one appends; the rest see it decided.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.db import DatabaseError, transaction
from django.utils import timezone

from approvals.errors import (
    AmbiguousEventId,
    ApprovalNotFound,
    ApproverMismatch,
    DuplicateApproval,
    NoPendingApproval,
    SelfApprovalForbidden,
)
from approvals.models import Approval, ApprovalStatus, DecidedVia
from core.errors import DomainError
from runs.errors import InconsistentRunState, StorageWriteError
from runs.journal.event_schema import event_parse, event_payload, utc_z
from runs.journal.projection import is_pending_signal
from runs.models import Run, RunEvent
from runs.services import journal_append, journal_now
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Resolution:
    event_id: str
    target_event_id: str
    run_id: str
    decision: str
    resolved_at: str
    run_status: str


def _writes_storage(fn: Callable[P, R]) -> Callable[P, R]:
    """A database failure inside ``fn`` is the contract's STORAGE_WRITE_ERROR; domain errors pass."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError:
            raise
        except DatabaseError as exc:
            raise StorageWriteError() from exc

    return wrapper


@_writes_storage
def approval_resolve(
    *,
    tenant: Tenant,
    event_id: str,
    decision: str,
    approver_id: str,
    reason: str | None,
    user: User,
    acting_for_others: bool,
    via: str = DecidedVia.API,
    run_pk: int | None = None,
) -> Resolution:
    """Decides the pending approval requested by ``event_id``.

    Checks, in the origin's order: the target exists in this tenant (``ApprovalNotFound``), in one
    run only (``AmbiguousEventId``); the run's journal is consistent (``InconsistentRunState``);
    the target is an approval request that is still open (``DuplicateApproval`` for a decided one,
    also when another approval is pending now) and the run's current one (``NoPendingApproval``).
    ``approver_id`` must be the caller's username unless ``acting_for_others`` (an API key, which
    records the person it acts for); the caller's account is recorded either way. ``run_pk`` names
    the run when the caller knows it (the portal), so an id reused in another run is not ambiguous.
    A database failure is the contract's ``StorageWriteError``.
    """
    if not acting_for_others and approver_id != user.get_username():
        raise ApproverMismatch()
    targets = RunEvent.objects.filter(tenant=tenant, event_id=event_id)
    if run_pk is not None:
        targets = targets.filter(run_id=run_pk)
    run_ids = set(targets.values_list("run_id", flat=True))
    if not run_ids:
        raise ApprovalNotFound(event_id=event_id)
    if len(run_ids) > 1:
        raise AmbiguousEventId(event_id=event_id)
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_ids.pop())
        if run.inconsistency:
            raise InconsistentRunState(run.inconsistency)
        target = RunEvent.objects.get(run=run, event_id=event_id)
        approval = Approval.objects.select_for_update().filter(request_event=target).first()
        if not is_pending_signal(target.payload) or approval is None:
            raise NoPendingApproval(event_id=event_id)
        if approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
            raise DuplicateApproval(event_id=event_id)  # expired or cancelled ones were never resolved
        if (run.pending_approval or {}).get("event_id") != event_id:
            raise NoPendingApproval(event_id=event_id)
        _self_approval_check(tenant, approval, user)
        resolved_at = _journal_time(run)
        payload = _resolution_payload(target.payload, decision, approver_id, reason, resolved_at)
        journal_append(tenant=tenant, payloads=[payload], context={"user": user, "via": via})
        status = Run.objects.values_list("status", flat=True).get(pk=run.pk)
    return Resolution(
        event_id=payload["id"],
        target_event_id=event_id,
        run_id=run.run_id,
        decision=decision,
        resolved_at=resolved_at,
        run_status=status,
    )


def _self_approval_check(tenant: Tenant, approval: Approval, user: User) -> None:
    """The person who asked (an account's username) may decide only if the policy allows it."""
    username = user.get_username() if getattr(user, "is_authenticated", False) else ""
    if not username or approval.requested_by != username:
        return
    from governance.gate import policy_settings

    if not policy_settings(tenant).allow_self_approval:
        raise SelfApprovalForbidden(approver=username)


def _journal_time(run: Run) -> str:
    """Now on the run's journal clock (never before its latest event), as the journal writes times."""
    at = utc_z(journal_now(run))
    assert at is not None  # utc_z of a datetime is never None
    return at


def _resolution_payload(
    target: dict[str, Any], decision: str, approver_id: str, reason: str | None, resolved_at: str
) -> dict[str, Any]:
    compact = resolved_at.replace("-", "").replace(":", "").replace(".", "")
    title = f"Approval {decision}"
    event = {
        "id": f"apr_{target['id']}_{decision}_{compact}_{uuid.uuid4().hex[:8]}",
        "run_id": target["run_id"],
        "timestamp": resolved_at,
        "type": "approval_resolved",
        "actor": "human",
        "title": title,
        "details": reason.strip() if reason and reason.strip() else f"{title} by {approver_id}",
        "confidence": target.get("confidence"),
        "risk_level": target.get("risk_level"),
        "requires_approval": True,
        "approval": {
            "status": decision,
            "decision_id": target["approval"].get("decision_id"),
            "requested_by": target["approval"].get("requested_by"),
            "resolved_by": approver_id,
            "resolved_at": resolved_at,
            "reason": reason,
        },
        "evidence": [],
        "meta": {"workflow": "approval_gate", "step": f"approval_{decision}"},
    }
    return event_payload(event_parse(event))


def approval_expire(*, approval_id: int) -> bool:
    """Expires one overdue approval by appending an ``approval_expired`` event. False if it was
    decided (or is no longer the run's pending one) by the time the run's lock was taken."""
    with transaction.atomic():
        approval = Approval.objects.select_related("run", "tenant").get(pk=approval_id)
        run = Run.objects.select_for_update().get(pk=approval.run_id)
        approval.refresh_from_db()
        now = timezone.now()
        current = (run.pending_approval or {}).get("event_id")
        if (
            approval.status != ApprovalStatus.PENDING
            or approval.expires_at is None
            or approval.expires_at > now
            or current != approval.event_id
            or run.inconsistency
        ):
            return False
        at = _journal_time(run)
        event = {
            "id": f"exp_{approval.event_id}_{at.replace('-', '').replace(':', '').replace('.', '')}",
            "run_id": run.run_id,
            "timestamp": at,
            "type": "decision",
            "actor": "system",
            "title": "Approval expired",
            "details": f"Approval '{approval.event_id}' was not decided before {utc_z(approval.expires_at)}",
            "approval": {"status": "not_required", "requested_by": approval.requested_by or None},
            "meta": {"workflow": "approval_gate", "step": "approval_expired"},
        }
        journal_append(
            tenant=approval.tenant,
            payloads=[event_payload(event_parse(event))],
            context={"via": DecidedVia.TIMEOUT},
        )
    return True
