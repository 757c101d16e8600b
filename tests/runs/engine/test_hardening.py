"""What the engine does with hostile or unlucky input: it fails the step or answers 400, never
crashes the worker, loops, leaks a secret or breaks the run's journal."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from approvals.services import approval_resolve
from governance.services import credential_create
from runs.engine import launch as launch_module
from runs.engine import runner
from runs.engine.nodes import CREDENTIAL_PLACES
from runs.engine.runner import run_advance
from runs.models import Run, RunState, Step, Workflow
from tests.factories import member
from tests.runs.engine.graphs import edge, graph, launch, linear, node, transform
from tests.runs.journal_helpers import event

RID = "req_hard"


@pytest.mark.django_db
def test_a_rejection_while_a_parallel_step_runs_keeps_the_journal_consistent(
    keyed_client, capture, admin_key
):
    g = graph(
        [node("start", "start"), node("ask", "approval"), transform("side", "done")],
        [edge("start", "ask"), edge("start", "side")],
    )
    original = runner._execute

    def reject_first(work):
        if work.node["id"] == "side":
            step = Step.objects.get(run=work.run, node_id="ask")
            approval_resolve(
                tenant=work.run.tenant,
                event_id=step.approval_event_id,
                decision="rejected",
                approver_id="alice",
                reason="no",
                user=member(tenant=work.run.tenant, role="operator"),
                acting_for_others=True,
            )
        return original(work)

    runner._execute = reject_first
    try:
        run = launch(keyed_client, g, capture)
    finally:
        runner._execute = original
    run.refresh_from_db()
    assert (run.state, run.error) == (RunState.FAILED, "Approval rejected by alice")
    status = keyed_client.get(f"/v1/runs/{run.run_id}/status")
    assert (status.status_code, status.json()["status"]) == (200, "stopped")
    assert dict(Step.objects.filter(run=run).values_list("node_id", "state")) == {
        "start": "succeeded",
        "ask": "failed",
        "side": "succeeded",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("template", ["{{ 1/0 }}", "{{ '{0:{1}}'.format(1, 'zz') }}"])
def test_a_template_that_raises_fails_its_step(keyed_client, capture, template):
    run = launch(keyed_client, linear(transform("t", template)), capture)
    run.refresh_from_db()
    step = Step.objects.get(run=run, node_id="t")
    assert (run.state, step.state) == (RunState.FAILED, "failed")
    assert step.error.startswith(("ZeroDivisionError", "ValueError")) and run.error == step.error


@pytest.mark.django_db
def test_a_secret_in_an_approval_request_is_refused_and_never_shown(
    keyed_client, tenant, capture, monkeypatch
):
    credential_create(tenant=tenant, name="k", value="s3cr3t-value-123")
    g = linear(
        node("ask", "approval", {"title": "Use {{ credentials.k }}?", "reason": "key {{ credentials.k }}"})
    )
    refused = keyed_client.post("/v1/runs", {"graph": g}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == [
        f"Node 'ask' config.{field} uses credentials, {CREDENTIAL_PLACES}" for field in ("title", "reason")
    ]
    assert Run.objects.count() == 0

    monkeypatch.setattr(launch_module, "graph_problems", lambda graph: [])  # queued before the rule
    run = launch(keyed_client, g, capture)
    body = keyed_client.get(f"/v1/runs/{run.run_id}/journal").content.decode()
    pending = keyed_client.get("/v1/approvals/pending").content.decode()
    assert "s3cr3t-value-123" not in body + pending
    assert not run.approvals.exists()
    step = Step.objects.get(run=run, node_id="ask")
    assert step.state == "failed"
    assert step.error == f"config.title uses credentials, {CREDENTIAL_PLACES}"


@pytest.mark.django_db
def test_a_blank_approval_title_gets_a_default(keyed_client, capture):
    run = launch(keyed_client, linear(node("ask", "approval", {"title": "   ", "reason": " "})), capture)
    assert run.approvals.get().title == "Approval required at 'ask'"


@pytest.mark.django_db
def test_a_step_whose_worker_keeps_dying_fails_after_three_attempts(keyed_client, capture):
    with capture(execute=False):
        run_id = keyed_client.post("/v1/runs", {"graph": linear(transform("t", 1))}, format="json").json()[
            "runId"
        ]
    run = Run.objects.get(run_id=run_id)
    Step.objects.create(run=run, index=1, node_id="start", node_type="start", state="running", attempts=3)
    Run.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, lease_token="dead", lease_until=timezone.now() - timedelta(seconds=1)
    )
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert run.error == "Gave up after 3 attempts: the worker stopped during the step each time"
    assert keyed_client.get(f"/v1/runs/{run_id}/status").json()["status"] == "stopped"


@pytest.mark.django_db
def test_agents_cannot_write_a_workflow_runs_journal(keyed_client, capture):
    run = launch(keyed_client, linear(node("ask", "approval")), capture)
    response = keyed_client.post("/v1/events", event(run.run_id), format="json")
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "RUN_MANAGED_BY_ENGINE",
            "message": "Run is executed by the workflow engine; its journal cannot be written directly",
            "details": [
                {
                    "path": "run_id",
                    "message": f"Run '{run.run_id}' is a workflow run: "
                    "decide its approvals through /v1/approvals/{event_id}",
                    "type": "state_conflict",
                    "code": "RUN_MANAGED_BY_ENGINE",
                }
            ],
        }
    }
    batch = keyed_client.post("/v1/events/batch", [event(run.run_id)], format="json")
    assert batch.status_code == 409
    assert run.events.count() == 3  # queued, started, approval requested: nothing of the agent's


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('"input": {"x": 1e400}', "input.x: numbers must be finite"),
        ('"input": {"x": "a\\u0000b"}', "input.x: text must not contain NUL characters"),
        ('"input": {"x": "\\ud800"}', "input.x: text must be valid Unicode"),
    ],
)
def test_input_the_database_cannot_store_is_400(keyed_client, raw, problem):
    body = (
        '{"graph": {"nodes": [{"id": "s", "type": "start", "position": {"x": 0, "y": 0}, "data": {}}], '
        '"edges": []}, ' + raw + "}"
    )
    response = keyed_client.post("/v1/runs", body, content_type="application/json", HTTP_X_REQUEST_ID=RID)
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "Request validation failed.",
            "details": [problem],
            "requestId": RID,
        }
    }
    assert Run.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/v1/runs", "/v1/workflows"])
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('"a\\u0000b"', "graph.nodes.0.data.x: text must not contain NUL characters"),
        ('"\\ud800"', "graph.nodes.0.data.x: text must be valid Unicode"),
    ],
)
def test_a_graph_sent_as_a_form_field_is_checked_like_a_json_body(keyed_client, url, raw, problem):
    """DRF parses a form field's JSON itself, past the parser: its escapes were a 500 on PostgreSQL."""
    start = {"id": "s", "type": "start", "position": {"x": 0, "y": 0}, "data": {"x": "@"}}
    graph = json.dumps({"nodes": [start], "edges": []}).replace('"@"', raw)
    body = urlencode({"name": "w", "graph": graph} if url == "/v1/workflows" else {"graph": graph})
    response = keyed_client.generic(
        "POST", url, body, content_type="application/x-www-form-urlencoded", HTTP_X_REQUEST_ID=RID
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Request validation failed.",
                "details": [problem],
                "requestId": RID,
            }
        },
    )
    assert not Run.objects.exists() and not Workflow.objects.exists()


@pytest.mark.django_db
def test_a_remote_answer_the_database_cannot_store_is_kept_with_replacement_characters(
    keyed_client, peer, capture
):
    """A peer's JSON may escape a NUL or a lone surrogate: refusing it is not ours to do, so the
    step's output keeps U+FFFD in their place (a lone surrogate failed the step on PostgreSQL)."""
    run = launch(
        keyed_client,
        linear(
            node("call", "http", {"url": f"{peer.url}/unstorable"}),
            transform("after", "{{ steps.call.output.body.lone[0] }}"),
        ),
        capture,
    )
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED, run.error
    call = Step.objects.get(run=run, node_id="call")
    assert call.state == "succeeded"
    assert call.output["body"] == {"nul": "a\ufffdb", "lone": ["\ufffd"], "\ufffd": "key"}
    assert Step.objects.get(run=run, node_id="after").output == "\ufffd"
    assert run.events.filter(payload__meta__step="call").exists()


@pytest.mark.django_db
def test_json_nested_too_deeply_is_400(keyed_client):
    response = keyed_client.post("/v1/runs", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db
def test_an_http_call_that_could_outlast_a_worker_task_is_refused(keyed_client):
    config = {"url": "https://x.test", "timeout_seconds": 100, "retry": {"attempts": 2}}
    response = keyed_client.post("/v1/runs", {"graph": linear(node("call", "http", config))}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        "Node 'call' config is invalid: timeout_seconds and retry allow a call of 603 s; the most is 240 s"
    ]


@pytest.mark.django_db
def test_a_replay_matches_the_request_not_its_spelling_and_outlives_the_workflow(keyed_client, capture):
    created = keyed_client.post("/v1/workflows", {"name": "W", "graph": linear()}, format="json").json()
    with capture(execute=True):
        first = keyed_client.post(
            "/v1/runs", {"workflowId": created["id"]}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
        )
    keyed_client.delete(f"/v1/workflows/{created['id']}")
    again = keyed_client.post(
        "/v1/runs", {"workflowId": created["id"], "input": {}}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert (again.status_code, again.json()) == (202, first.json())
