"""POST /v1/approvals/{event_id} and GET /v1/approvals/pending."""

import re

import pytest
from rest_framework.test import APIClient

from approvals.models import Approval
from runs.models import Run, RunEvent
from tenancy.tokens import issue_access_token
from tests.factories import api_client, member
from tests.runs.journal_helpers import approval_request, event


def post_all(client, *events):
    for body in events:
        assert client.post("/v1/events", body, format="json").status_code == 201


def decide(client, event_id, decision="approved", approver="alice", **extra):
    return client.post(
        f"/v1/approvals/{event_id}", {"decision": decision, "approver_id": approver, **extra}, format="json"
    )


def error(code, message, path, detail, type_="state_conflict"):
    return {
        "error": {
            "code": code,
            "message": message,
            "details": [{"path": path, "message": detail, "type": type_, "code": code}],
        }
    }


@pytest.fixture
def paused(keyed_client):
    post_all(
        keyed_client,
        event(at="2026-02-14T13:00:00Z"),
        approval_request(id="evt_123", at="2026-02-14T13:01:00Z"),
    )
    return keyed_client


@pytest.mark.django_db
def test_approving_resumes_the_run_and_records_the_decision(paused, admin_key):
    response = decide(paused, "evt_123", reason="Looks fine")
    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"apr_evt_123_approved_\d{8}T\d{6}\d*Z_[0-9a-f]{8}", body["event_id"])
    assert {k: body[k] for k in ("status", "target_event_id", "run_id", "decision", "run_status")} == {
        "status": "resolved",
        "target_event_id": "evt_123",
        "run_id": "run_1",
        "decision": "approved",
        "run_status": "approved",
    }
    assert paused.get("/v1/runs/run_1/status").json() == {
        "run_id": "run_1",
        "status": "approved",
        "pending_approval": None,
    }
    resolution = RunEvent.objects.get(event_id=body["event_id"]).payload
    assert resolution["type"] == "approval_resolved" and resolution["actor"] == "human"
    assert resolution["meta"] == {"workflow": "approval_gate", "step": "approval_approved"}
    assert resolution["approval"]["resolved_by"] == "alice"
    assert resolution["details"] == "Looks fine"
    assert resolution["timestamp"] == body["resolved_at"]
    approval = Approval.objects.get(event_id="evt_123")
    assert (approval.status, approval.resolved_by, approval.decided_via) == ("approved", "alice", "api")
    assert approval.resolved_by_user == admin_key[1].user
    assert paused.get("/v1/approvals/pending").json() == {"pending_count": 0, "approvals": []}


@pytest.mark.django_db
def test_rejecting_stops_the_run(paused):
    assert decide(paused, "evt_123", "rejected").json()["run_status"] == "stopped"
    assert paused.get("/v1/runs/run_1/status").json()["status"] == "stopped"
    assert Approval.objects.get(event_id="evt_123").status == "rejected"
    post_all(paused, event(at="2030-01-01T00:00:00Z"))
    assert (
        paused.get("/v1/runs/run_1/status").json()["error"]["details"][0]["code"] == "TERMINAL_STATE_CONFLICT"
    )


@pytest.mark.django_db
def test_the_decision_is_never_dated_before_the_runs_latest_event(keyed_client):
    post_all(keyed_client, approval_request(id="evt_future", at="2099-01-01T00:00:00Z"))
    body = decide(keyed_client, "evt_future").json()
    assert body["resolved_at"] == "2099-01-01T00:00:00.001000Z"


@pytest.mark.django_db
def test_an_unknown_target_is_404(keyed_client):
    response = decide(keyed_client, "evt_nope")
    assert (response.status_code, response.json()) == (
        404,
        error(
            "APPROVAL_NOT_FOUND",
            "Approval target not found",
            "event_id",
            "Approval target event 'evt_nope' was not found",
            "not_found",
        ),
    )


@pytest.mark.django_db
def test_an_id_in_two_runs_is_ambiguous(keyed_client):
    post_all(keyed_client, approval_request("run_1", id="evt_123"), approval_request("run_2", id="evt_123"))
    response = decide(keyed_client, "evt_123")
    assert (response.status_code, response.json()) == (
        409,
        error(
            "AMBIGUOUS_EVENT_ID",
            "Event ID maps to multiple runs",
            "event_id",
            "Event ID 'evt_123' exists in multiple runs",
        ),
    )


@pytest.mark.django_db
def test_an_inconsistent_run_refuses_decisions(keyed_client):
    post_all(
        keyed_client,
        approval_request(id="evt_123"),
        approval_request(id="evt_124", at="2026-02-14T13:01:00Z"),
    )
    response = decide(keyed_client, "evt_123")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "INCONSISTENT_RUN_STATE"
    assert response.json()["error"]["details"][0]["code"] == "DUPLICATE_PENDING_APPROVAL"


@pytest.mark.django_db
def test_a_second_decision_is_a_duplicate(paused):
    assert decide(paused, "evt_123").status_code == 200
    response = decide(paused, "evt_123", "rejected")
    assert (response.status_code, response.json()) == (
        409,
        error(
            "DUPLICATE_APPROVAL",
            "Approval already resolved",
            "event_id",
            "Approval for event 'evt_123' has already been resolved",
        ),
    )
    assert RunEvent.objects.filter(type="approval_resolved").count() == 1


@pytest.mark.django_db
def test_a_stale_target_is_a_duplicate_even_while_another_is_pending(paused):
    decide(paused, "evt_123")
    post_all(paused, approval_request(id="evt_456", at="2099-01-01T00:00:00Z"))
    assert decide(paused, "evt_123").json()["error"]["code"] == "DUPLICATE_APPROVAL"
    assert decide(paused, "evt_456").status_code == 200


@pytest.mark.django_db
def test_a_target_that_is_not_an_approval_request_has_no_pending_approval(paused):
    post_all(paused, event(id="evt_plain", at="2026-02-14T13:02:00Z"))
    response = decide(paused, "evt_plain")
    assert (response.status_code, response.json()) == (
        409,
        error(
            "NO_PENDING_APPROVAL",
            "No pending approval for target event",
            "event_id",
            "Event 'evt_plain' is not the currently pending approval",
        ),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"decision": "approved", "approver_id": "   "},
            (
                "approver_id",
                "String should have at least 1 character",
                "string_too_short",
                "MISSING_APPROVER_ID",
            ),
        ),
        ({"decision": "approved"}, ("approver_id", "Field required", "missing", "MISSING_APPROVER_ID")),
        (
            {"decision": "maybe", "approver_id": "alice"},
            (
                "decision",
                "Input should be 'approved' or 'rejected'",
                "literal_error",
                "INVALID_APPROVAL_DECISION",
            ),
        ),
        ({"approver_id": "alice"}, ("decision", "Field required", "missing", "MISSING_APPROVAL_DECISION")),
    ],
)
def test_a_malformed_decision_is_422(paused, body, detail):
    response = paused.post("/v1/approvals/evt_123", body, format="json")
    path, message, type_, code = detail
    assert (response.status_code, response.json()) == (
        422,
        {
            "error": {
                "code": "REQUEST_VALIDATION_ERROR",
                "message": "Approval request payload failed validation",
                "details": [{"path": path, "message": message, "type": type_, "code": code}],
            }
        },
    )
    assert Approval.objects.get(event_id="evt_123").status == "pending"


@pytest.mark.django_db
def test_a_person_signs_decisions_with_their_own_name(paused, tenant):
    operator = member(tenant=tenant, role="operator")
    person = APIClient()
    person.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(operator)[0]}")
    response = decide(person, "evt_123", approver="somebody-else")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "APPROVER_MISMATCH")
    assert decide(person, "evt_123", approver=operator.username).status_code == 200
    assert Approval.objects.get(event_id="evt_123").resolved_by_user == operator


@pytest.mark.django_db
def test_deciding_needs_the_resolve_scope(paused, tenant):
    viewer = api_client(tenant=tenant, role="viewer")
    assert decide(viewer, "evt_123").status_code == 403
    assert viewer.get("/v1/approvals/pending").json()["pending_count"] == 1  # but may look


@pytest.mark.django_db
def test_another_tenants_approval_is_not_found_and_not_listed(paused):
    outsider = api_client()
    assert decide(outsider, "evt_123").json()["error"]["code"] == "APPROVAL_NOT_FOUND"
    assert outsider.get("/v1/approvals/pending").json() == {"pending_count": 0, "approvals": []}
    assert Approval.objects.get(event_id="evt_123").status == "pending"


@pytest.mark.django_db
def test_pending_lists_by_request_time_then_event_id(keyed_client):
    post_all(
        keyed_client,
        approval_request("run_b", id="evt_b", at="2026-02-14T13:00:00Z"),
        approval_request("run_a", id="evt_z", at="2026-02-14T12:00:00Z"),
        approval_request("run_c", id="evt_a", at="2026-02-14T13:00:00Z"),
    )
    body = keyed_client.get("/v1/approvals/pending").json()
    assert body["pending_count"] == 3
    assert [a["event_id"] for a in body["approvals"]] == ["evt_z", "evt_a", "evt_b"]
    assert body["approvals"][0] == {
        "event_id": "evt_z",
        "run_id": "run_a",
        "requested_at": "2026-02-14T12:00:00Z",
        "requested_by": "agent",
        "title": "Approval required",
        "details": "Transfer exceeds policy threshold",
        "reason": "Transfer exceeds policy threshold",
        "risk_level": "high",
    }


@pytest.mark.django_db
def test_pending_list_queries_do_not_grow_with_runs(keyed_client, django_assert_max_num_queries):
    post_all(keyed_client, *[approval_request(f"run_{i}", at="2026-02-14T13:00:00Z") for i in range(25)])
    with django_assert_max_num_queries(5):
        assert keyed_client.get("/v1/approvals/pending").json()["pending_count"] == 25


@pytest.mark.django_db
def test_an_agent_posted_resolution_also_closes_the_approval(paused):
    post_all(
        paused,
        event(
            type="approval_resolved",
            at="2026-02-14T13:05:00Z",
            approval={"status": "approved", "resolved_by": "bob", "resolved_at": "2026-02-14T13:05:00Z"},
        ),
    )
    approval = Approval.objects.get(event_id="evt_123")
    assert (approval.status, approval.resolved_by, approval.decided_via) == ("approved", "bob", "journal")
    assert Run.objects.get(run_id="run_1").status == "approved"


@pytest.mark.django_db
def test_posting_a_decision_as_an_event_needs_the_resolve_scope(paused, tenant):
    executor = api_client(tenant=tenant, role="executor")
    decision = event(
        type="approval_resolved",
        at="2026-02-14T13:05:00Z",
        approval={"status": "approved", "resolved_by": "the_boss", "resolved_at": "2026-02-14T13:05:00Z"},
    )
    for path, body in (
        ("/v1/events", decision),
        ("/v1/events/batch", [event(at="2026-02-14T13:04:00Z"), decision]),
    ):
        response = executor.post(path, body, format="json")
        assert (response.status_code, response.json()["error"]["message"]) == (
            403,
            "Posting an approval decision needs the approvals:resolve scope",
        )
    assert Approval.objects.get(event_id="evt_123").status == "pending"
    assert executor.post("/v1/events", event(at="2026-02-14T13:06:00Z"), format="json").status_code == 201


@pytest.mark.django_db
def test_an_out_of_order_event_never_undoes_a_recorded_decision(paused, admin_key):
    assert decide(paused, "evt_123").status_code == 200
    # An older approval request lands between the request and its decision: the stream is now
    # inconsistent (two pending), so reads answer 409, but the recorded decision stands.
    post_all(paused, approval_request(id="evt_older", at="2026-02-14T13:01:30Z"))
    approval = Approval.objects.get(event_id="evt_123")
    assert (approval.status, approval.decided_via, approval.resolved_by_user) == (
        "approved",
        "api",
        admin_key[1].user,
    )
    assert paused.get("/v1/runs/run_1/status").status_code == 409


@pytest.mark.django_db
def test_a_storage_failure_while_deciding_is_500_and_decides_nothing(paused, monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(RunEvent.objects, "bulk_create", broken)
    paused.raise_request_exception = False
    response = decide(paused, "evt_123")
    assert (response.status_code, response.json()["error"]["code"]) == (500, "STORAGE_WRITE_ERROR")
    assert response.json()["error"]["details"][0]["code"] == "STORAGE_APPEND_FAILED"
    assert Approval.objects.get(event_id="evt_123").status == "pending"


@pytest.mark.django_db
def test_a_storage_failure_listing_pending_is_500(paused, monkeypatch):
    from django.db import DatabaseError
    from django.db.models.query import QuerySet

    real_fetch = QuerySet._fetch_all

    def approvals_fail(queryset):
        if queryset.model is Approval:
            raise DatabaseError("connection reset")
        return real_fetch(queryset)

    monkeypatch.setattr(QuerySet, "_fetch_all", approvals_fail)
    paused.raise_request_exception = False
    response = paused.get("/v1/approvals/pending")
    assert (response.status_code, response.json()["error"]["code"]) == (500, "STORAGE_READ_ERROR")


@pytest.mark.django_db
def test_an_overlong_approver_id_is_422(paused):
    response = decide(paused, "evt_123", approver="x" * 201)
    assert (response.status_code, response.json()["error"]["details"][0]["type"]) == (422, "string_too_long")
