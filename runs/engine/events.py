"""The journal events the engine writes, in run-journal-v0's vocabulary (docs/architecture.md):
``meta.step`` is the node id for a node's events and a run-level marker otherwise, so the
journal's projection sees ``summary`` as completed and ``run_stopped``/``approval_rejected`` as
stopped, and ``/v1/runs/{id}/status`` and ``/journal`` read workflow runs like any other."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.ids import new_ulid
from runs.journal.projection import TERMINAL_STEPS
from runs.journal.schema import TEXT_MAX, event_parse, event_payload, utc_z

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
