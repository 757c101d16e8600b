"""Building what the portal shows: pending approvals from agents' events, signed-in clients."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from approvals.models import Approval
from runs.journal.append import journal_append
from runs.journal.event_schema import event_parse, event_payload, utc_z
from tests.runs.journal_helpers import event

_seq = itertools.count(1)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(
    tenant,
    run_id: str = "run_1",
    *,
    event_id: str | None = None,
    requested_by: str = "agent",
    risk: str | None = "high",
    title: str = "Approval required",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> Approval:
    """A pending approval requested by an agent's journal event (the run is created if new). The
    journal knows low/medium/high; ``critical`` (policy holds, operator-api) is set on the row."""
    event_id = event_id or f"evt_ask_{next(_seq)}"
    at = at or timezone.now() - timedelta(seconds=5)
    extra = (
        {"meta": {"workflow": "agent", "step": "ask", "expires_at": utc_z(expires_at)}} if expires_at else {}
    )
    body = event(
        run_id,
        id=event_id,
        at=utc_z(at),
        type="approval_requested",
        title=title,
        details="Transfer exceeds policy threshold",
        requires_approval=True,
        risk_level="high" if risk == "critical" else risk,
        approval={"status": "pending", "requested_by": requested_by, "reason": "Needs a person"},
        **extra,
    )
    journal_append(tenant=tenant, payloads=[event_payload(event_parse(body))])
    if risk == "critical":
        Approval.objects.filter(tenant=tenant, run__run_id=run_id, event_id=event_id).update(
            risk_level="critical"
        )
    return Approval.objects.get(tenant=tenant, run__run_id=run_id, event_id=event_id)


def note(tenant, run_id: str, *, at: datetime, title: str = "Did a thing") -> None:
    journal_append(
        tenant=tenant, payloads=[event_payload(event_parse(event(run_id, at=utc_z(at), title=title)))]
    )
