"""Property: whatever the stream, in or out of order, the stored projection equals a full replay."""

import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from runs.journal.append import journal_append
from runs.journal.event_schema import event_parse, event_payload
from runs.journal.projection import replay
from runs.journal.verify import journal_verify
from runs.models import Run
from tests.factories import TenantFactory

RESOLVED = {"resolved_by": "alice", "resolved_at": "2026-02-14T13:30:00Z"}
SHAPES = {
    "action": {"type": "action", "approval": {"status": "not_required"}},
    "request": {"type": "approval_requested", "requires_approval": True, "approval": {"status": "pending"}},
    "approve": {"type": "approval_resolved", "approval": {"status": "approved", **RESOLVED}},
    "reject": {"type": "approval_resolved", "approval": {"status": "rejected", **RESOLVED}},
    "anonymous_approve": {"type": "approval_resolved", "approval": {"status": "approved"}},
    "summary": {"type": "summary", "approval": {"status": "not_required"}},
    "expire": {
        "type": "error",
        "approval": {"status": "not_required"},
        "meta": {"workflow": "w", "step": "approval_expired"},
    },
    "stop": {
        "type": "decision",
        "approval": {"status": "not_required"},
        "meta": {"workflow": "w", "step": "run_stopped"},
    },
}

steps = st.lists(
    st.tuples(st.sampled_from(sorted(SHAPES)), st.integers(min_value=0, max_value=12), st.booleans()),
    min_size=1,
    max_size=14,
)


def payload(run_id: str, index: int, shape: str, minute: int) -> dict:
    body = {
        "id": f"e{index}",
        "run_id": run_id,
        "timestamp": f"2026-02-14T13:{minute:02d}:00Z",
        "actor": "agent",
        "title": shape,
        "details": shape,
        **SHAPES[shape],
    }
    return event_payload(event_parse(body))


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=steps)
@example(stream=[("approve", 5, False), ("request", 2, False)])  # a decision that arrives before its request
def test_stored_projection_always_equals_a_replay(stream):
    tenant = TenantFactory(slug="prop")
    run_id = f"run_{uuid.uuid4().hex[:8]}"
    pending_batch: list[dict] = []
    for index, (shape, minute, batch_with_next) in enumerate(stream):
        pending_batch.append(payload(run_id, index, shape, minute))
        if not batch_with_next:  # some events arrive alone, some in batches
            journal_append(tenant=tenant, payloads=pending_batch)
            pending_batch = []
    if pending_batch:
        journal_append(tenant=tenant, payloads=pending_batch)
    run = Run.objects.get(tenant=tenant, run_id=run_id)
    expected = replay(run.events.order_by("timestamp", "seq").values_list("payload", flat=True))
    assert {
        "status": run.status,
        "pending": run.pending_approval,
        "inconsistency": run.inconsistency,
    } == expected
    assert run.journal_state == expected
    assert journal_verify(run)["ok"]
    # Approval rows agree with the projection's pending approval whenever the stream is consistent.
    if expected["inconsistency"] is None:
        open_ids = list(run.approvals.filter(status="pending").values_list("event_id", flat=True))
        assert open_ids == ([expected["pending"]["event_id"]] if expected["pending"] else [])
