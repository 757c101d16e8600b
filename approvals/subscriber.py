"""Keeps ``Approval`` rows in step with the journal: the only writer of those rows."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime

from approvals.models import Approval, ApprovalKind, ApprovalStatus, DecidedVia
from runs.journal.append import Transition
from runs.journal.projection import is_resolution_signal


def approvals_follow_journal(transition: Transition) -> None:
    """Opens an approval when an event becomes the run's pending one; closes the previous pending
    one when an event ends it (a decision, an expiry, or a terminal event that cancels it)."""
    if transition.after["inconsistency"] is not None:
        return  # an inconsistent stream decides nothing; reads answer 409 until it is mended
    before = (transition.before["pending"] or {}).get("event_id")
    after = (transition.after["pending"] or {}).get("event_id")
    if before and before != after:
        _close(transition, before)
    if after and after != before:
        _open(transition)


def _open(transition: Transition) -> None:
    event, payload = transition.event, transition.event.payload
    pending = transition.after["pending"]
    meta = payload.get("meta") or {}
    expires_at = parse_datetime(meta["expires_at"]) if meta.get("expires_at") else None
    if expires_at is None and settings.OPSGATE_APPROVAL_TTL_MINUTES:
        expires_at = event.timestamp + timedelta(minutes=settings.OPSGATE_APPROVAL_TTL_MINUTES)
    Approval.objects.create(
        tenant_id=event.tenant_id,
        kind=transition.context.get("kind", ApprovalKind.AGENT),
        run=transition.run,
        request_event=event,
        event_id=event.event_id,
        title=payload["title"],
        details=payload["details"],
        requested_by=pending["requested_by"] or "",
        requested_at=event.timestamp,
        reason=pending["reason"] or "",
        risk_level=payload.get("risk_level") or "",
        payload=payload,
        expires_at=expires_at,
    )


def _close(transition: Transition, target_event_id: str) -> None:
    payload = transition.event.payload
    approval = payload["approval"]
    fields: dict = {"resolution_event": transition.event, "resolved_at": transition.event.timestamp}
    if is_resolution_signal(payload) and approval["status"] in ("approved", "rejected"):
        fields.update(
            status=approval["status"],
            resolved_by=approval.get("resolved_by") or "",
            resolved_at=parse_datetime(approval["resolved_at"]) if approval.get("resolved_at") else None,
            decision_reason=approval.get("reason") or "",
            decided_via=transition.context.get("via", DecidedVia.JOURNAL),
            resolved_by_user=transition.context.get("user"),
        )
    elif transition.after["status"] == "expired":
        fields.update(
            status=ApprovalStatus.EXPIRED, decided_via=transition.context.get("via", DecidedVia.JOURNAL)
        )
    else:
        fields.update(status=ApprovalStatus.CANCELLED, decided_via=DecidedVia.JOURNAL)
    Approval.objects.filter(
        run=transition.run, event_id=target_event_id, status=ApprovalStatus.PENDING
    ).update(**fields)
