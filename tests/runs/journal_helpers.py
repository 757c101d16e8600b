"""Building run-journal-v0 events for tests."""

import itertools

_ids = itertools.count(1)


def event(run_id="run_1", *, at="2026-02-14T13:00:00Z", **overrides):
    """A valid event; ``overrides`` replace top-level fields (``approval=...`` replaces it whole)."""
    body = {
        "id": overrides.pop("id", f"evt_{next(_ids)}"),
        "run_id": run_id,
        "timestamp": at,
        "type": "action",
        "actor": "agent",
        "title": "Did a thing",
        "details": "Details of the thing",
        "approval": {"status": "not_required"},
    }
    body.update(overrides)
    return body


def approval_request(run_id="run_1", *, at="2026-02-14T13:00:00Z", **overrides):
    fields = {
        "type": "approval_requested",
        "title": "Approval required",
        "details": "Transfer exceeds policy threshold",
        "requires_approval": True,
        "risk_level": "high",
        "approval": {
            "status": "pending",
            "requested_by": "agent",
            "reason": "Transfer exceeds policy threshold",
        },
    }
    fields.update(overrides)
    return event(run_id, at=at, **fields)
