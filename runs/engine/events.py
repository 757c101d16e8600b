"""The journal events the engine writes, in run-journal-v0's vocabulary (docs/architecture.md):
``meta.step`` is the node id for a node's events and a run-level marker otherwise, so the
journal's projection sees ``summary`` as completed and ``run_stopped``/``approval_rejected`` as
stopped, and ``/v1/runs/{id}/status`` and ``/journal`` read workflow runs like any other.
``run_event`` builds one for a run and ``run_events_append`` writes them to its journal."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.ids import new_ulid
from runs.journal.append import journal_append, journal_now
from runs.journal.event_schema import TEXT_MAX, event_parse, event_payload, utc_z
from runs.journal.projection import TERMINAL_STEPS
from runs.models import Run, RunKind

RUN_MARKERS = ("run_queued", "run_completed", *TERMINAL_STEPS)  # reserved: never node ids
DETAILS_MAX = 2000


def details_text(value: Any, fallback: str) -> str:
    if value is None or value == "":
        return fallback
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= DETAILS_MAX else text[: DETAILS_MAX - 1] + "…"


def engine_event(
    *,
    run_id: str,
    at: datetime,
    type: str,
    title: str,
    details: str,
    workflow: str,
    step: str,
    risk_level: str | None = None,
    approval: dict | None = None,
    expires_at: datetime | None = None,
) -> dict:
    """A validated journal payload (the same schema agents' events pass)."""
    meta: dict[str, Any] = {"workflow": workflow or "inline", "step": step}
    if expires_at is not None:
        meta["expires_at"] = utc_z(expires_at)
    event = {
        "id": f"evt_{new_ulid()}",
        "run_id": run_id,
        "timestamp": utc_z(at),
        "type": type,
        "actor": "system",
        "title": title.strip()[:TEXT_MAX] or "Step",
        "details": details.strip() or title.strip() or "Step",
        "risk_level": risk_level,
        "requires_approval": type == "approval_requested",
        "approval": approval or {"status": "not_required"},
        "meta": meta,
    }
    return event_payload(event_parse(event))


def run_event(run: Run, step: str, **fields) -> dict:
    """An engine event of ``run``, timed by its journal's clock (``engine_event``'s fields)."""
    return engine_event(
        run_id=run.run_id, at=journal_now(run), workflow=run.workflow_name, step=step, **fields
    )


def run_events_append(run: Run, payloads: list[dict]) -> None:
    """Appends engine events to the journal of ``run``, which the caller holds locked."""
    if payloads:
        journal_append(  # folds the events into ``run`` itself: no second lock, no re-read
            tenant=run.tenant,
            payloads=payloads,
            kind=RunKind.WORKFLOW,
            context={"kind": "workflow"},  # approvals.ApprovalKind.WORKFLOW: the inbox shows its origin
            locked_run=run,
        )
