"""Run status from the journal: a pure fold over events in (timestamp, seq) order.

``fold`` applies one event to a state in O(1); ``replay`` folds a whole stream. Appending folds the
new event into the stored state (docs/architecture.md); an event older than the run's latest
replays the run. The rules are the origin's (NightLedger ``run_status_service``), except that a
terminal marker after a terminal status is not a conflict, as the contract text says.
"""

from __future__ import annotations

from typing import Any

TERMINAL_STEPS = {
    "run_expired": "expired",
    "approval_expired": "expired",
    "run_stopped": "stopped",
    "approval_rejected": "stopped",
}
TERMINAL_STATUSES = {"completed", "stopped", "expired"}
INCONSISTENT_MESSAGE = "Run events contain inconsistent approval state"


def initial_state() -> dict[str, Any]:
    return {"status": "running", "pending": None, "inconsistency": None}


def terminal_status(payload: dict) -> str | None:
    if payload["type"] == "summary":
        return "completed"
    meta = payload.get("meta") or {}
    return TERMINAL_STEPS.get(meta.get("step", ""))


def is_pending_signal(payload: dict) -> bool:
    status = payload["approval"]["status"]
    return payload["type"] == "approval_requested" or (payload["requires_approval"] and status == "pending")


def is_resolution_signal(payload: dict) -> bool:
    status = payload["approval"]["status"]
    return payload["type"] == "approval_resolved" or (
        payload["requires_approval"] and status in ("approved", "rejected")
    )


def _conflict(state: dict, code: str, path: str, message: str) -> dict:
    inconsistency = {"path": path, "message": message, "type": "state_conflict", "code": code}
    return {**state, "inconsistency": inconsistency}


def pending_context(payload: dict) -> dict[str, Any]:
    approval = payload["approval"]
    requested_by = approval.get("requested_by")
    return {
        "event_id": payload["id"],
        "requested_by": None if requested_by is None else str(requested_by),
        "requested_at": payload["timestamp"],
        "reason": approval.get("reason") or payload["details"],
    }


def fold(state: dict[str, Any], payload: dict) -> dict[str, Any]:
    """``state`` after ``payload``. Once inconsistent, a stream stays so (the first problem wins)."""
    if state["inconsistency"] is not None:
        return state
    status, pending = state["status"], state["pending"]
    terminal = terminal_status(payload)
    if status in TERMINAL_STATUSES and terminal is None:
        return _conflict(
            state,
            "TERMINAL_STATE_CONFLICT",
            "workflow_status",
            f"event stream continued after terminal status '{status}'",
        )
    if status == "rejected" and terminal is None:
        return _conflict(
            state,
            "REJECTED_STATE_CONFLICT",
            "workflow_status",
            "event stream continued after rejection without terminal stop",
        )
    if terminal is not None:
        return {**state, "status": terminal, "pending": None}
    approval = payload["approval"]
    if is_resolution_signal(payload):
        if approval["status"] not in ("approved", "rejected"):
            return _conflict(
                state,
                "INVALID_APPROVAL_TRANSITION",
                "approval.status",
                "approval_resolved must use approved or rejected status",
            )
        if pending is None:
            return _conflict(
                state,
                "NO_PENDING_APPROVAL",
                "approval",
                "approval_resolved encountered without pending approval",
            )
        if not (approval.get("resolved_by") or "").strip():
            return _conflict(
                state,
                "MISSING_APPROVER_ID",
                "approval.resolved_by",
                "approval_resolved is missing approver identity",
            )
        if not approval.get("resolved_at"):
            return _conflict(
                state,
                "MISSING_APPROVAL_TIMESTAMP",
                "approval.resolved_at",
                "approval_resolved is missing resolution timestamp",
            )
        return {**state, "status": approval["status"], "pending": None}
    if is_pending_signal(payload):
        if pending is not None:
            return _conflict(
                state,
                "DUPLICATE_PENDING_APPROVAL",
                "approval",
                "multiple pending approvals encountered without resolution",
            )
        return {**state, "status": "paused", "pending": pending_context(payload)}
    if status == "approved":
        return {**state, "status": "running"}
    return state


def replay(payloads) -> dict[str, Any]:
    state = initial_state()
    for payload in payloads:
        state = fold(state, payload)
    return state
