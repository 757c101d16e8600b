"""POST /v1/events and POST /v1/events/batch: validation codes, duplicates, storage failures."""

import json

import pytest
from django.db import DatabaseError

from runs.models import Run, RunEvent
from tests.factories import TenantFactory, api_key_for, member
from tests.runs.journal_helpers import event


def post(client, body, path="/v1/events"):
    return client.post(path, body, format="json")


def details(response):
    return [(d["path"], d["type"], d["code"]) for d in response.json()["error"]["details"]]


@pytest.mark.django_db
def test_a_valid_event_is_accepted_and_stored_normalised(keyed_client, tenant):
    body = event(
        "run_a",
        id="evt_1",
        at="2026-02-14T14:00:00+01:00",
        title="  Trimmed  ",
        confidence=0.5,
        evidence=[{"kind": "log", "label": "trace", "ref": "s3://x"}],
        meta={"workflow": "w", "step": "s"},
    )
    response = post(keyed_client, body)
    assert (response.status_code, response.json()) == (
        201,
        {"status": "accepted", "event_id": "evt_1", "integrity_warning": False},
    )
    run = Run.objects.get(tenant=tenant, run_id="run_a")
    assert (run.kind, run.status, run.event_count) == ("external", "running", 1)
    stored = RunEvent.objects.get(run=run).payload
    assert stored["timestamp"] == "2026-02-14T13:00:00Z"
    assert stored["title"] == "Trimmed"
    assert stored["approval"] == {
        "status": "not_required",
        "decision_id": None,
        "requested_by": None,
        "resolved_by": None,
        "resolved_at": None,
        "reason": None,
    }


@pytest.mark.django_db
def test_an_empty_object_lists_every_missing_field_sorted_by_path(keyed_client):
    response = post(keyed_client, {})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "SCHEMA_VALIDATION_ERROR"
    assert response.json()["error"]["message"] == "Event payload failed schema validation"
    assert details(response) == [
        ("actor", "missing", "MISSING_ACTOR"),
        ("approval", "missing", "MISSING_APPROVAL"),
        ("details", "missing", "MISSING_TIMELINE_FIELDS"),
        ("id", "missing", "MISSING_EVENT_ID"),
        ("run_id", "missing", "MISSING_RUN_ID"),
        ("timestamp", "missing", "MISSING_TIMESTAMP"),
        ("title", "missing", "MISSING_TIMELINE_FIELDS"),
        ("type", "missing", "MISSING_EVENT_TYPE"),
    ]
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_the_contracts_example_body_for_a_missing_type(keyed_client):
    body = event()
    del body["type"]
    assert post(keyed_client, body).json() == {
        "error": {
            "code": "SCHEMA_VALIDATION_ERROR",
            "message": "Event payload failed schema validation",
            "details": [
                {"path": "type", "message": "Field required", "type": "missing", "code": "MISSING_EVENT_TYPE"}
            ],
        }
    }


CASES = [
    ({"run_id": ""}, ("run_id", "string_too_short", "MISSING_RUN_ID")),
    ({"title": "   "}, ("title", "string_too_short", "MISSING_TIMELINE_FIELDS")),
    ({"details": ""}, ("details", "string_too_short", "MISSING_TIMELINE_FIELDS")),
    ({"approval": {}}, ("approval.status", "missing", "MISSING_REQUIRED_FIELD")),
    ({"meta": {"workflow": "w"}}, ("meta.step", "missing", "MISSING_REQUIRED_FIELD")),
    ({"surprise": 1}, ("surprise", "extra_forbidden", "UNKNOWN_FIELD")),
    ({"approval": {"status": "pending", "x": 1}}, ("approval.x", "extra_forbidden", "UNKNOWN_FIELD")),
    ({"meta": {"workflow": "w", "step": "s", "y": 2}}, ("meta.y", "extra_forbidden", "UNKNOWN_FIELD")),
    (
        {"evidence": [{"kind": "log", "label": "l", "ref": "r", "z": 3}]},
        ("evidence.0.z", "extra_forbidden", "UNKNOWN_FIELD"),
    ),
    ({"timestamp": "2026-02-14T13:00:00"}, ("timestamp", "timezone_aware", "INVALID_TIMESTAMP")),
    ({"timestamp": "not-a-date"}, ("timestamp", "datetime_from_date_parsing", "INVALID_TIMESTAMP")),
    ({"confidence": 1.5}, ("confidence", "less_than_equal", "INVALID_CONFIDENCE_BOUNDS")),
    ({"confidence": -0.1}, ("confidence", "greater_than_equal", "INVALID_CONFIDENCE_BOUNDS")),
    ({"confidence": "high"}, ("confidence", "float_parsing", "INVALID_CONFIDENCE_TYPE")),
    ({"type": "shout"}, ("type", "literal_error", "INVALID_EVENT_TYPE")),
    ({"actor": "robot"}, ("actor", "literal_error", "INVALID_ACTOR")),
    ({"risk_level": "extreme"}, ("risk_level", "literal_error", "INVALID_RISK_LEVEL")),
    ({"approval": {"status": "maybe"}}, ("approval.status", "literal_error", "INVALID_APPROVAL_STATUS")),
    (
        {"evidence": [{"kind": "photo", "label": "l", "ref": "r"}]},
        ("evidence.0.kind", "literal_error", "INVALID_EVIDENCE_KIND"),
    ),
    ({"id": ""}, ("id", "string_too_short", "SCHEMA_VALIDATION_ERROR")),
    ({"requires_approval": "sometimes"}, ("requires_approval", "bool_parsing", "SCHEMA_VALIDATION_ERROR")),
    ({"id": "e" * 201}, ("id", "string_too_long", "SCHEMA_VALIDATION_ERROR")),
    ({"title": "t" * 501}, ("title", "string_too_long", "SCHEMA_VALIDATION_ERROR")),
    ({"timestamp": "9999-12-31T23:59:59-05:00"}, ("timestamp", "datetime_overflow", "INVALID_TIMESTAMP")),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "expected"), CASES, ids=[c[1][2] + ":" + c[1][0] for c in CASES])
def test_each_validation_problem_has_the_origins_detail_code(keyed_client, overrides, expected):
    response = post(keyed_client, event(**overrides))
    assert response.status_code == 422
    assert details(response) == [expected]
    assert not RunEvent.objects.exists()


@pytest.mark.django_db
def test_a_timestamp_without_timezone_says_so(keyed_client):
    response = post(keyed_client, event(at="2026-02-14T13:00:00"))
    assert response.json()["error"]["details"][0]["message"] == "timestamp must include timezone information"


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[1, 2], "text"])
def test_a_body_that_is_not_an_object_is_422(keyed_client, body):
    response = post(keyed_client, body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "SCHEMA_VALIDATION_ERROR"


@pytest.mark.django_db
def test_malformed_json_is_422_in_the_envelope(keyed_client):
    response = keyed_client.post("/v1/events", "{nope", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["code"] == "MALFORMED_BODY"


@pytest.mark.django_db
def test_a_duplicate_event_id_in_the_same_run_is_409(keyed_client):
    assert post(keyed_client, event("run_1", id="evt_123")).status_code == 201
    response = post(keyed_client, event("run_1", id="evt_123", at="2026-02-14T13:05:00Z"))
    assert (response.status_code, response.json()) == (
        409,
        {
            "error": {
                "code": "DUPLICATE_EVENT_ID",
                "message": "Event ID already exists for this run",
                "details": [
                    {
                        "path": "event_id",
                        "message": "Event ID 'evt_123' already exists for run 'run_1'",
                        "type": "duplicate_event",
                        "code": "DUPLICATE_EVENT_ID",
                    }
                ],
            }
        },
    )
    assert RunEvent.objects.count() == 1
    assert post(keyed_client, event("run_2", id="evt_123")).status_code == 201  # another run: fine


@pytest.mark.django_db
def test_a_storage_failure_is_500_and_writes_nothing(keyed_client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(RunEvent.objects, "bulk_create", broken)
    keyed_client.raise_request_exception = False
    response = post(keyed_client, event("run_new"))
    assert (response.status_code, response.json()) == (
        500,
        {
            "error": {
                "code": "STORAGE_WRITE_ERROR",
                "message": "Failed to persist event",
                "details": [
                    {
                        "path": "storage",
                        "message": "storage backend append failed",
                        "type": "storage_failure",
                        "code": "STORAGE_APPEND_FAILED",
                    }
                ],
            }
        },
    )
    assert not Run.objects.exists()  # the run created for this event was rolled back too


@pytest.mark.django_db
def test_integrity_warning_marks_an_event_older_than_the_runs_latest(keyed_client):
    assert post(keyed_client, event(at="2026-02-14T13:00:00Z")).json()["integrity_warning"] is False
    assert post(keyed_client, event(at="2026-02-14T13:00:00Z")).json()["integrity_warning"] is False  # equal
    assert post(keyed_client, event(at="2026-02-14T12:59:59Z")).json()["integrity_warning"] is True
    assert post(keyed_client, event(at="2026-02-14T13:00:00Z")).json()["integrity_warning"] is False


@pytest.mark.django_db
def test_ingest_needs_the_report_scope(client_api, tenant):
    raw, _ = api_key_for(member(tenant=tenant, role="viewer"), tenant)
    assert client_api.post("/v1/events", event(), format="json").status_code == 401
    client_api.credentials(HTTP_X_API_KEY=raw)
    response = client_api.post("/v1/events", event(), format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert not RunEvent.objects.exists()


@pytest.mark.django_db
def test_an_executor_machine_key_can_report(client_api, tenant):
    raw, _ = api_key_for(member(tenant=tenant, role="executor"), tenant)
    client_api.credentials(HTTP_X_API_KEY=raw)
    assert client_api.post("/v1/events", event(), format="json").status_code == 201


@pytest.mark.django_db
def test_a_batch_is_appended_whole(keyed_client):
    batch = [event("run_b", at=f"2026-02-14T13:00:0{i}Z") for i in range(5)] + [event("run_c")]
    response = post(keyed_client, {"events": batch}, "/v1/events/batch")
    assert response.status_code == 201
    assert response.json()["accepted"] == 6
    assert [e["event_id"] for e in response.json()["events"]] == [e["id"] for e in batch]
    assert Run.objects.get(run_id="run_b").event_count == 5


@pytest.mark.django_db
def test_a_batch_with_any_invalid_event_writes_nothing_and_names_each_index(keyed_client):
    batch = [event("run_b"), event("run_b", type="shout"), event("run_b", confidence=9)]
    response = post(keyed_client, batch, "/v1/events/batch")
    assert response.status_code == 422
    assert details(response) == [
        ("1.type", "literal_error", "INVALID_EVENT_TYPE"),
        ("2.confidence", "less_than_equal", "INVALID_CONFIDENCE_BOUNDS"),
    ]
    assert not RunEvent.objects.exists()


@pytest.mark.django_db
def test_a_batch_repeating_an_id_is_409_and_writes_nothing(keyed_client):
    batch = [event("run_b", id="evt_x"), event("run_b", id="evt_y"), event("run_b", id="evt_x")]
    response = post(keyed_client, batch, "/v1/events/batch")
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["path"] == "2.id"
    assert not RunEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[], {"events": "x"}, [{}] * 501])
def test_a_batch_must_hold_1_to_500_events(keyed_client, body):
    response = post(keyed_client, body, "/v1/events/batch")
    assert response.status_code == 422
    assert details(response) == [("events", "batch_size", "INVALID_BATCH_SIZE")]


@pytest.mark.django_db
def test_another_tenant_sees_none_of_it(keyed_client):
    post(keyed_client, event("run_secret", id="evt_s"))
    other = TenantFactory()
    raw, _ = api_key_for(member(tenant=other, role="admin"), other)
    from rest_framework.test import APIClient

    outsider = APIClient()
    outsider.credentials(HTTP_X_API_KEY=raw)
    assert outsider.get("/v1/runs/run_secret/events").json() == {
        "run_id": "run_secret",
        "event_count": 0,
        "events": [],
    }
    for suffix in ("status", "journal", "verify"):
        response = outsider.get(f"/v1/runs/run_secret/{suffix}")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "RUN_NOT_FOUND")
    # Their own run of the same name is separate.
    assert outsider.post("/v1/events", event("run_secret", id="evt_s"), format="json").status_code == 201


@pytest.mark.django_db
def test_a_non_finite_confidence_is_422(keyed_client):
    body = json.dumps(event()).replace('"type": "action"', '"type": "action", "confidence": NaN')
    response = keyed_client.post("/v1/events", body, content_type="application/json")
    assert response.status_code == 422  # DRF's strict JSON parser refuses NaN before the schema does
    assert details(response) == [("body", "parse_error", "MALFORMED_BODY")]
    assert not RunEvent.objects.exists()


# --- our additions: the critical risk level, meta with only expires_at, unstorable text ----------


@pytest.mark.django_db
def test_a_critical_risk_level_is_accepted_and_reaches_the_inbox(keyed_client, tenant):
    from tests.runs.journal_helpers import approval_request

    response = post(keyed_client, approval_request("run_c", id="evt_c", risk_level="critical"))
    assert (response.status_code, response.json()["status"]) == (201, "accepted")
    assert RunEvent.objects.get(event_id="evt_c").payload["risk_level"] == "critical"
    pending = keyed_client.get("/v1/approvals/pending").json()
    assert [(a["event_id"], a["risk_level"]) for a in pending["approvals"]] == [("evt_c", "critical")]


@pytest.mark.django_db
def test_a_critical_risk_level_is_accepted_in_a_batch(keyed_client):
    response = post(keyed_client, {"events": [event("run_b", risk_level="critical")]}, "/v1/events/batch")
    assert response.status_code == 201
    assert RunEvent.objects.get().payload["risk_level"] == "critical"


@pytest.mark.django_db
def test_a_meta_with_only_expires_at_is_accepted_and_sets_the_deadline(keyed_client, tenant):
    from approvals.models import Approval
    from tests.runs.journal_helpers import approval_request

    body = approval_request("run_e", id="evt_e", meta={"expires_at": "2026-02-14T15:00:00+01:00"})
    assert post(keyed_client, body).status_code == 201
    assert RunEvent.objects.get(event_id="evt_e").payload["meta"] == {"expires_at": "2026-02-14T14:00:00Z"}
    approval = Approval.objects.get(event_id="evt_e")
    assert approval.expires_at.isoformat() == "2026-02-14T14:00:00+00:00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("meta", "stored"),
    [
        ({"workflow": "w", "step": "s"}, {"workflow": "w", "step": "s"}),  # the origin's shape, unchanged
        (
            {"step": "ask", "expires_at": "2026-02-14T14:00:00Z"},
            {"step": "ask", "expires_at": "2026-02-14T14:00:00Z"},
        ),
    ],
)
def test_meta_is_stored_as_given(keyed_client, meta, stored):
    assert post(keyed_client, event("run_m", meta=meta)).status_code == 201
    assert RunEvent.objects.get().payload["meta"] == stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("meta", "missing"),
    [
        ({}, ["meta.step", "meta.workflow"]),
        ({"step": "s"}, ["meta.workflow"]),
        ({"workflow": "w", "expires_at": None}, ["meta.step"]),
    ],
)
def test_without_expires_at_meta_still_needs_workflow_and_step(keyed_client, meta, missing):
    response = post(keyed_client, event(meta=meta))
    assert response.status_code == 422
    assert details(response) == [(path, "missing", "MISSING_REQUIRED_FIELD") for path in missing]
    assert not RunEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "raw", "path", "message"),
    [
        ({"details": "@"}, '"nul\\u0000byte"', "details", "text must not contain NUL characters"),
        ({"details": "@"}, '"lone \\ud800"', "details", "text must be valid Unicode"),
        (
            {"approval": {"status": "pending", "reason": "@"}},
            '"\\u0000"',
            "approval.reason",
            "text must not contain NUL characters",
        ),
    ],
)
def test_unstorable_text_is_422_in_the_envelope_and_nothing_is_stored(
    keyed_client, overrides, raw, path, message
):
    """The JSON parser refuses it, as it refuses a malformed body, before the schema is checked."""
    body = json.dumps(event(**overrides)).replace('"@"', raw)
    response = keyed_client.post("/v1/events", body, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("REQUEST_VALIDATION_ERROR", "Request validation failed.")
    type_ = "string_unicode" if "ud800" in raw else "string_nul"
    assert [(d["path"], d["type"], d["code"]) for d in error["details"]] == [(path, type_, type_.upper())]
    assert error["details"][0]["message"] == message
    assert not RunEvent.objects.exists()
