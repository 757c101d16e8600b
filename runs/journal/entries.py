"""Journal entries: the human-readable timeline of a run (the later origin's entry fields)."""

from __future__ import annotations

from runs.models import RunEvent


def journal_entry(index: int, run_id: str, event: RunEvent) -> dict:
    payload = event.payload
    approval = payload["approval"]
    status = approval.get("status") if isinstance(approval.get("status"), str) else "not_required"
    entry = {
        "entry_id": f"jrnl_{run_id}_{index:04d}",
        "event_id": event.event_id,
        "timestamp": payload["timestamp"],
        "event_type": payload["type"],
        "title": payload["title"],
        "details": payload["details"],
        "payload_ref": {
            "run_id": run_id,
            "event_id": event.event_id,
            "path": f"/v1/runs/{run_id}/events#{event.event_id}",
        },
        "approval_context": {
            "requires_approval": payload["requires_approval"],
            "status": status,
            "requested_by": approval.get("requested_by"),
            "resolved_by": approval.get("resolved_by"),
            "resolved_at": approval.get("resolved_at"),
            "reason": approval.get("reason"),
        },
        "metadata": {
            "actor": payload["actor"],
            "confidence": payload.get("confidence"),
            "risk_level": payload.get("risk_level"),
            "integrity_warning": event.integrity_warning,
        },
    }
    if payload.get("evidence"):
        entry["evidence_refs"] = [
            {"kind": e["kind"], "label": e["label"], "ref": e["ref"]} for e in payload["evidence"]
        ]
    required = payload["requires_approval"] or payload["type"] == "approval_requested"
    resolved = payload["type"] == "approval_resolved" or status in ("approved", "rejected")
    if required or resolved:
        entry["approval_indicator"] = {
            "is_approval_required": required,
            "is_approval_resolved": resolved,
            "decision": status if resolved else None,
        }
    return entry
