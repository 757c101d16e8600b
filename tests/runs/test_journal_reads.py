"""GET /v1/runs/{id}/events|status|journal|verify, the projection's conflicts, read failures."""

import pytest
from django.db import DatabaseError

from runs.models import Run
from tests.runs.journal_helpers import approval_request, event


def post_all(client, *events):
    for body in events:
        assert client.post("/v1/events", body, format="json").status_code == 201


def conflict(code, path, message):
    return {
        "error": {
            "code": "INCONSISTENT_RUN_STATE",
            "message": "Run events contain inconsistent approval state",
            "details": [{"path": path, "message": message, "type": "state_conflict", "code": code}],
        }
    }


def resolved(status="approved", **approval):
    return {"status": status, "resolved_by": "alice", "resolved_at": "2026-02-14T13:10:00Z", **approval}


@pytest.mark.django_db
def test_events_are_listed_by_timestamp_then_append_order(keyed_client):
    post_all(
        keyed_client,
        event(id="b", at="2026-02-14T13:00:01Z"),
        event(id="a1", at="2026-02-14T13:00:00Z"),
        event(id="a2", at="2026-02-14T13:00:00Z"),
    )
    body = keyed_client.get("/v1/runs/run_1/events").json()
    assert (body["run_id"], body["event_count"]) == ("run_1", 3)
    assert [e["id"] for e in body["events"]] == ["a1", "a2", "b"]
    first = body["events"][0]
    assert set(first) == {"id", "timestamp", "run_id", "payload", "integrity_warning"}
    assert (first["timestamp"], first["integrity_warning"]) == ("2026-02-14T13:00:00Z", True)


@pytest.mark.django_db
def test_an_unknown_run_has_no_events_but_no_status(keyed_client):
    assert keyed_client.get("/v1/runs/ghost/events").json() == {
        "run_id": "ghost",
        "event_count": 0,
        "events": [],
    }
    not_found = {
        "error": {
            "code": "RUN_NOT_FOUND",
            "message": "Run not found",
            "details": [
                {
                    "path": "run_id",
                    "message": "No events found for run 'ghost'",
                    "type": "not_found",
                    "code": "RUN_NOT_FOUND",
                }
            ],
        }
    }
    for suffix in ("status", "journal"):
        response = keyed_client.get(f"/v1/runs/ghost/{suffix}")
        assert (response.status_code, response.json()) == (404, not_found)


@pytest.mark.django_db
def test_status_walks_from_running_to_paused_to_approved_to_running_to_completed(keyed_client):
    def status():
        return keyed_client.get("/v1/runs/run_1/status").json()

    post_all(keyed_client, event(at="2026-02-14T13:00:00Z"))
    assert status() == {"run_id": "run_1", "status": "running", "pending_approval": None}
    post_all(keyed_client, approval_request(id="evt_approval_1", at="2026-02-14T13:01:00Z"))
    assert status() == {
        "run_id": "run_1",
        "status": "paused",
        "pending_approval": {
            "event_id": "evt_approval_1",
            "requested_by": "agent",
            "requested_at": "2026-02-14T13:01:00Z",
            "reason": "Transfer exceeds policy threshold",
        },
    }
    post_all(keyed_client, event(at="2026-02-14T13:02:00Z"))
    assert status()["status"] == "paused"  # still waiting
    post_all(keyed_client, event(type="approval_resolved", at="2026-02-14T13:03:00Z", approval=resolved()))
    assert status() == {"run_id": "run_1", "status": "approved", "pending_approval": None}
    post_all(keyed_client, event(at="2026-02-14T13:04:00Z"))
    assert status()["status"] == "running"
    post_all(keyed_client, event(type="summary", at="2026-02-14T13:05:00Z"))
    assert status()["status"] == "completed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("run_expired", "expired"),
        ("approval_expired", "expired"),
        ("run_stopped", "stopped"),
        ("approval_rejected", "stopped"),
    ],
)
def test_terminal_markers_end_the_run_and_clear_the_pending_approval(keyed_client, step, status):
    post_all(
        keyed_client,
        approval_request(at="2026-02-14T13:00:00Z"),
        event(type="error", at="2026-02-14T13:01:00Z", meta={"workflow": "approval_gate", "step": step}),
    )
    assert keyed_client.get("/v1/runs/run_1/status").json() == {
        "run_id": "run_1",
        "status": status,
        "pending_approval": None,
    }


@pytest.mark.django_db
def test_a_rejection_posted_as_an_event_without_a_stop_is_rejected(keyed_client):
    post_all(
        keyed_client,
        approval_request(at="2026-02-14T13:00:00Z"),
        event(type="approval_resolved", at="2026-02-14T13:01:00Z", approval=resolved("rejected")),
    )
    assert keyed_client.get("/v1/runs/run_1/status").json()["status"] == "rejected"


INCONSISTENT = [
    (
        "NO_PENDING_APPROVAL",
        [event(type="approval_resolved", approval=resolved())],
        ("approval", "approval_resolved encountered without pending approval"),
    ),
    (
        "INVALID_APPROVAL_TRANSITION",
        [
            approval_request(),
            event(type="approval_resolved", at="2026-02-14T13:01:00Z", approval={"status": "pending"}),
        ],
        ("approval.status", "approval_resolved must use approved or rejected status"),
    ),
    (
        "DUPLICATE_PENDING_APPROVAL",
        [approval_request(), approval_request(at="2026-02-14T13:01:00Z")],
        ("approval", "multiple pending approvals encountered without resolution"),
    ),
    (
        "MISSING_APPROVER_ID",
        [
            approval_request(),
            event(type="approval_resolved", at="2026-02-14T13:01:00Z", approval=resolved(resolved_by="  ")),
        ],
        ("approval.resolved_by", "approval_resolved is missing approver identity"),
    ),
    (
        "MISSING_APPROVAL_TIMESTAMP",
        [
            approval_request(),
            event(type="approval_resolved", at="2026-02-14T13:01:00Z", approval=resolved(resolved_at=None)),
        ],
        ("approval.resolved_at", "approval_resolved is missing resolution timestamp"),
    ),
    (
        "REJECTED_STATE_CONFLICT",
        [
            approval_request(),
            event(type="approval_resolved", at="2026-02-14T13:01:00Z", approval=resolved("rejected")),
            event(at="2026-02-14T13:02:00Z"),
        ],
        ("workflow_status", "event stream continued after rejection without terminal stop"),
    ),
    (
        "TERMINAL_STATE_CONFLICT",
        [event(type="summary"), event(at="2026-02-14T13:01:00Z")],
        ("workflow_status", "event stream continued after terminal status 'completed'"),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "events", "detail"), INCONSISTENT, ids=[c[0] for c in INCONSISTENT])
def test_every_inconsistency_is_409_on_status_journal_and_pending(keyed_client, code, events, detail):
    import copy

    post_all(keyed_client, *copy.deepcopy(events))
    expected = conflict(code, *detail)
    for path in ("/v1/runs/run_1/status", "/v1/runs/run_1/journal", "/v1/approvals/pending"):
        response = keyed_client.get(path)
        assert (response.status_code, response.json()) == (409, expected), path
    assert keyed_client.get("/v1/runs/run_1/events").status_code == 200  # the events stay readable


@pytest.mark.django_db
def test_journal_entries_carry_refs_context_metadata_and_indicators(keyed_client):
    post_all(
        keyed_client,
        event(
            id="evt_a",
            at="2026-02-14T12:59:00Z",
            evidence=[{"kind": "url", "label": "ticket", "ref": "https://t/1"}],
            confidence=0.9,
        ),
        approval_request(id="evt_approval_1", at="2026-02-14T13:00:00Z"),
    )
    body = keyed_client.get("/v1/runs/run_1/journal").json()
    assert (body["run_id"], body["entry_count"]) == ("run_1", 2)
    first, second = body["entries"]
    assert first["entry_id"] == "jrnl_run_1_0001"
    assert first["evidence_refs"] == [{"kind": "url", "label": "ticket", "ref": "https://t/1"}]
    assert "approval_indicator" not in first
    assert first["metadata"] == {
        "actor": "agent",
        "confidence": 0.9,
        "risk_level": None,
        "integrity_warning": False,
    }
    assert second == {
        "entry_id": "jrnl_run_1_0002",
        "event_id": "evt_approval_1",
        "timestamp": "2026-02-14T13:00:00Z",
        "event_type": "approval_requested",
        "title": "Approval required",
        "details": "Transfer exceeds policy threshold",
        "payload_ref": {
            "run_id": "run_1",
            "event_id": "evt_approval_1",
            "path": "/v1/runs/run_1/events#evt_approval_1",
        },
        "approval_context": {
            "requires_approval": True,
            "status": "pending",
            "requested_by": "agent",
            "resolved_by": None,
            "resolved_at": None,
            "reason": "Transfer exceeds policy threshold",
        },
        "metadata": {"actor": "agent", "confidence": None, "risk_level": "high", "integrity_warning": False},
        "approval_indicator": {"is_approval_required": True, "is_approval_resolved": False, "decision": None},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["events", "status", "journal"])
def test_a_storage_read_failure_is_500(keyed_client, monkeypatch, suffix):
    from django.db.models.query import QuerySet

    from runs.models import RunEvent

    post_all(keyed_client, event())
    real_fetch = QuerySet._fetch_all

    def journal_tables_fail(queryset):
        if queryset.model in (Run, RunEvent):
            raise DatabaseError("connection reset")
        return real_fetch(queryset)

    monkeypatch.setattr(QuerySet, "_fetch_all", journal_tables_fail)
    keyed_client.raise_request_exception = False
    response = keyed_client.get(f"/v1/runs/run_1/{suffix}")
    assert (response.status_code, response.json()) == (
        500,
        {
            "error": {
                "code": "STORAGE_READ_ERROR",
                "message": "Failed to load events",
                "details": [
                    {
                        "path": "storage",
                        "message": "storage backend read failed",
                        "type": "storage_failure",
                        "code": "STORAGE_READ_FAILED",
                    }
                ],
            }
        },
    )


@pytest.mark.django_db
def test_reads_use_the_stored_projection_in_constant_queries(keyed_client, django_assert_max_num_queries):
    post_all(keyed_client, *[event(at=f"2026-02-14T13:{i:02d}:00Z") for i in range(30)])
    with django_assert_max_num_queries(4):  # key, usage, memberships, run
        assert keyed_client.get("/v1/runs/run_1/status").status_code == 200
    with django_assert_max_num_queries(5):
        assert keyed_client.get("/v1/runs/run_1/journal").json()["entry_count"] == 30
    assert Run.objects.get(run_id="run_1").event_count == 30
