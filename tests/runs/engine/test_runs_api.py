"""workflow-runs-v1 runs: POST /v1/runs and GET /v1/runs/{id}, every error with its exact body."""

import re

import pytest

from runs.models import Run, RunState, Step
from runs.read_model import ENGINE_STATUS, JOURNAL_STATUS
from tests.factories import api_client
from tests.runs.engine.graphs import linear, transform

RID = "req_runs"


def start(client, body, prefix="/v1", **headers):
    return client.post(f"{prefix}/runs", body, format="json", HTTP_X_REQUEST_ID=RID, **headers)


def error(code, message, details=None):
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": {**body, "requestId": RID}}


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_an_inline_graph_is_accepted_and_runs(
    keyed_client, tenant, prefix, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = start(
            keyed_client,
            {"graph": linear(transform("t", "{{ input.amount }}")), "input": {"amount": 10}},
            prefix,
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert re.fullmatch(r"run_[0-9A-HJKMNP-TV-Z]{26}", body["runId"])
    run = Run.objects.get(tenant=tenant, run_id=body["runId"])
    assert (run.state, run.input) == (RunState.SUCCEEDED, {"amount": 10})
    detail = keyed_client.get(f"{prefix}/runs/{body['runId']}").json()
    assert detail["status"] == "succeeded"
    assert [(s["id"], s["nodeId"], s["status"]) for s in detail["steps"]] == [
        ("step_01", "start", "succeeded"),
        ("step_02", "t", "succeeded"),
    ]
    assert all(isinstance(s["durationMs"], int) for s in detail["steps"])
    assert [(log["level"], log["msg"], log["nodeId"]) for log in detail["logs"]] == [
        ("info", "Run queued", None),
        ("info", "Starting workflow execution", "start"),
        ("info", "Transform produced its output", "t"),
        ("info", "Run succeeded", None),
    ]
    assert detail["finishedAt"] is not None and detail["waiting"] is None
    assert Step.objects.get(run=run, node_id="t").output == "10"


@pytest.mark.django_db
def test_a_stored_workflow_runs_its_current_version(keyed_client, tenant, django_capture_on_commit_callbacks):
    created = keyed_client.post(
        "/v1/workflows", {"name": "W", "graph": linear(transform("t", "v1"))}, format="json"
    ).json()
    keyed_client.put(
        f"/v1/workflows/{created['id']}", {"name": "W", "graph": linear(transform("t", "v2"))}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = start(keyed_client, {"workflowId": created["id"], "input": {}})
    run = Run.objects.get(run_id=response.json()["runId"])
    assert (str(run.workflow_id), run.workflow_version, run.workflow_name) == (created["id"], 2, "W")
    assert Step.objects.get(run=run, node_id="t").output == "v2"
    detail = keyed_client.get(f"/v1/runs/{run.run_id}").json()
    assert (detail["workflowId"], detail["workflowVersion"]) == (created["id"], 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"input": {}},
        {"graph": linear(), "workflowId": "f47ac10b-58cc-4372-a567-0e02b2c3d479"},
    ],
    ids=["neither", "both"],
)
def test_graph_or_workflow_id_exactly_one(keyed_client, body):
    response = start(keyed_client, body)
    assert response.status_code == 400
    assert response.json() == error(
        "VALIDATION_ERROR",
        "Request validation failed.",
        ["Provide either graph or workflowId, not both"],
    )
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_an_invalid_graph_lists_every_problem(keyed_client):
    graph = {
        "nodes": [
            {
                "id": "http-1",
                "type": "http",
                "position": {"x": 0, "y": 0},
                "data": {"config": {"url": "nope"}},
            }
        ],
        "edges": [{"id": "e", "source": "http-1", "target": "missing-node"}],
    }
    response = start(keyed_client, {"graph": graph})
    assert response.status_code == 400
    assert response.json() == error(
        "VALIDATION_ERROR",
        "Invalid workflow graph",
        [
            "Workflow must have exactly one start node (found 0)",
            "Node 'http-1' config.url must be a valid URL",
            "Edge references non-existent node 'missing-node'",
        ],
    )
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_a_reserved_node_id_is_refused(keyed_client):
    response = start(keyed_client, {"graph": linear(transform("run_stopped", 1))})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        "Node id 'run_stopped' is reserved for the run's own journal events"
    ]


@pytest.mark.django_db
def test_input_must_be_an_object(keyed_client):
    response = start(keyed_client, {"graph": linear(), "input": [1]})
    assert response.status_code == 400
    assert response.json() == error(
        "VALIDATION_ERROR",
        "Request validation failed.",
        ['input: Expected a dictionary of items but got type "list".'],
    )


@pytest.mark.django_db
def test_an_unknown_or_foreign_workflow_is_not_found(keyed_client):
    other = api_client()
    foreign = other.post("/v1/workflows", {"name": "Theirs", "graph": linear()}, format="json").json()
    for workflow_id in ("f47ac10b-58cc-4372-a567-0e02b2c3d479", foreign["id"]):
        response = start(keyed_client, {"workflowId": workflow_id})
        assert response.status_code == 404
        assert response.json() == error("NOT_FOUND", "Workflow not found")
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_reading_an_unknown_or_foreign_run_is_not_found(keyed_client, django_capture_on_commit_callbacks):
    other = api_client()
    with django_capture_on_commit_callbacks(execute=True):
        theirs = start(other, {"graph": linear()}).json()["runId"]
    for run_id in ("run_nope", theirs):
        response = keyed_client.get(f"/v1/runs/{run_id}", HTTP_X_REQUEST_ID=RID)
        assert response.status_code == 404
        assert response.json() == error("NOT_FOUND", "Run not found")


@pytest.mark.django_db
def test_starting_needs_the_start_scope_and_reading_needs_a_key(tenant):
    viewer = api_client(tenant=tenant, role="viewer")
    response = start(viewer, {"graph": linear()})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert Run.objects.count() == 0
    from rest_framework.test import APIClient

    assert APIClient().get("/v1/runs/run_x").status_code == 401


@pytest.mark.django_db
def test_the_same_key_and_body_returns_the_first_run(keyed_client, django_capture_on_commit_callbacks):
    body = {"graph": linear(transform("t", 1)), "input": {"a": 1}}
    with django_capture_on_commit_callbacks(execute=True):
        first = start(keyed_client, body, HTTP_IDEMPOTENCY_KEY="key-1")
    reordered = {"input": {"a": 1}, "graph": body["graph"]}
    again = start(keyed_client, reordered, HTTP_IDEMPOTENCY_KEY="key-1")
    assert (again.status_code, again.json()) == (202, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict(keyed_client):
    start(keyed_client, {"graph": linear(), "input": {"a": 1}}, HTTP_IDEMPOTENCY_KEY="key-1")
    response = start(keyed_client, {"graph": linear(), "input": {"a": 2}}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert response.status_code == 409
    assert response.json() == error(
        "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used with a different request body"
    )
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_tenant_and_bounded(keyed_client):
    other = api_client()
    assert start(keyed_client, {"graph": linear()}, HTTP_IDEMPOTENCY_KEY="shared").status_code == 202
    assert (
        start(other, {"graph": linear(), "input": {"x": 1}}, HTTP_IDEMPOTENCY_KEY="shared").status_code == 202
    )
    response = start(keyed_client, {"graph": linear()}, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert response.json() == error(
        "VALIDATION_ERROR", "Request validation failed.", ["Idempotency-Key: must be at most 200 characters"]
    )


def test_every_engine_state_maps_to_one_of_the_contracts_four():
    assert ENGINE_STATUS == {
        "queued": "queued",
        "running": "running",
        "waiting": "running",
        "succeeded": "succeeded",
        "failed": "failed",
        "cancelled": "failed",
    }
    assert set(ENGINE_STATUS) == set(RunState.values)


def test_every_journal_status_maps_to_one_of_the_contracts_four():
    from runs.models import JournalStatus

    assert set(JOURNAL_STATUS) == set(JournalStatus.values)
    assert JOURNAL_STATUS == {
        "running": "running",
        "paused": "running",
        "approved": "running",
        "rejected": "failed",
        "stopped": "failed",
        "expired": "failed",
        "completed": "succeeded",
    }


@pytest.mark.django_db
def test_an_agent_run_reads_through_the_same_endpoint(keyed_client):
    from tests.runs.journal_helpers import event

    keyed_client.post("/v1/events", event(id="e1", run_id="agent-run"), format="json")
    detail = keyed_client.get("/v1/runs/agent-run").json()
    assert (detail["status"], detail["steps"], detail["finishedAt"]) == ("running", [], None)
    assert [log["msg"] for log in detail["logs"]] == [event()["title"]]


@pytest.mark.django_db
def test_an_http_node_takes_one_body(keyed_client):
    call = {"id": "call", "type": "http", "position": {"x": 0, "y": 0}}
    call["data"] = {"config": {"url": "https://x.test", "body": "a", "json_body": {"a": 1}}}
    response = start(keyed_client, {"graph": linear(call)})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        "Node 'call' config is invalid: body and json_body cannot both be set"
    ]
