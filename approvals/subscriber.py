"""Keeps ``Approval`` rows in step with the journal: the only writer of those rows.

An event opens an approval when it becomes the run's pending one, and closes the previous pending
one when it ends it (a decision, an expiry, or a terminal event that cancels it). When an
out-of-order event makes the journal replay a run, ``approvals_reconcile`` brings every approval of
the run in line with the replayed timeline.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime

from approvals.models import Approval, ApprovalKind, ApprovalStatus, DecidedVia
from runs.journal.append import Transition
from runs.journal.projection import is_resolution_signal
from runs.models import Run


def _changes(transition: Transition) -> tuple[str | None, str | None]:
    """(the approval this event closes, the approval it opens), by event id."""
    if transition.after["inconsistency"] is not None:
        return None, None  # an inconsistent stream decides nothing; reads answer 409
    before = (transition.before["pending"] or {}).get("event_id")
    after = (transition.after["pending"] or {}).get("event_id")
    return (before if before and before != after else None), (after if after and after != before else None)


def _open_fields(transition: Transition) -> dict:
    event, payload, pending = transition.event, transition.event.payload, transition.after["pending"]
    meta = payload.get("meta") or {}
    expires_at = parse_datetime(meta["expires_at"]) if meta.get("expires_at") else None
    if expires_at is None and settings.OPSGATE_APPROVAL_TTL_MINUTES:
        try:
            expires_at = event.timestamp + timedelta(minutes=settings.OPSGATE_APPROVAL_TTL_MINUTES)
        except OverflowError:  # requested at the end of time: it cannot lapse
            expires_at = None
    return {
        "tenant_id": event.tenant_id,
        "kind": transition.context.get("kind", ApprovalKind.AGENT),
        "run": transition.run,
        "request_event": event,
        "event_id": event.event_id,
        "title": payload["title"],
        "details": payload["details"],
        "requested_by": pending["requested_by"] or "",
        "requested_at": event.timestamp,
        "reason": pending["reason"] or "",
        "risk_level": payload.get("risk_level") or "",
        "payload": payload,
        "expires_at": expires_at,
        "status": ApprovalStatus.PENDING,
    }


def _close_fields(transition: Transition) -> dict:
    payload, approval = transition.event.payload, transition.event.payload["approval"]
    fields: dict = {"resolution_event": transition.event, "resolved_at": transition.event.timestamp}
    via = transition.context.get("via", DecidedVia.JOURNAL)
    if is_resolution_signal(payload) and approval["status"] in ("approved", "rejected"):
        fields.update(
            status=approval["status"],
            resolved_by=approval.get("resolved_by") or "",
            resolved_at=parse_datetime(approval["resolved_at"]) if approval.get("resolved_at") else None,
            decision_reason=approval.get("reason") or "",
            decided_via=via,
            resolved_by_user=transition.context.get("user"),
        )
    elif transition.after["status"] == "expired":
        fields.update(status=ApprovalStatus.EXPIRED, decided_via=via)
    else:
        fields.update(status=ApprovalStatus.CANCELLED, decided_via=DecidedVia.JOURNAL)
    return fields


def approvals_follow_journal(transition: Transition) -> None:
    closes, opens = _changes(transition)
    if closes:
        Approval.objects.filter(run=transition.run, event_id=closes, status=ApprovalStatus.PENDING).update(
            **_close_fields(transition)
        )
    if opens:
        Approval.objects.create(**_open_fields(transition))


_RESOLUTION_RESET = {
    "resolved_by": "",
    "resolved_at": None,
    "decision_reason": "",
    "decided_via": "",
    "resolved_by_user": None,
    "resolution_event": None,
}


def approvals_reconcile(run: Run, transitions: list[Transition]) -> None:
    """Every approval of ``run`` as the replayed timeline has it; rows already right are untouched
    (so a decision's recorded user and channel survive a replay that agrees with it). A timeline
    that became inconsistent changes nothing: reads answer 409 until it is mended, and rewriting
    approvals from a broken history would undo real decisions."""
    if transitions and transitions[-1].after["inconsistency"] is not None:
        return
    wanted: dict[str, dict] = {}
    for transition in transitions:
        closes, opens = _changes(transition)
        if closes and closes in wanted:
            wanted[closes].update(_close_fields(transition))
        if opens:
            wanted[opens] = {**_open_fields(transition), **_RESOLUTION_RESET}
    existing = {a.event_id: a for a in Approval.objects.filter(run=run)}
    for event_id, fields in wanted.items():
        row = existing.get(event_id)
        if row is None:
            Approval.objects.create(**fields)
        elif (row.status, row.resolution_event_id) != (
            fields["status"],
            getattr(fields["resolution_event"], "pk", None),
        ):
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
