"""The engine in one process (django-q2 in sync mode): branches, http, approvals, delays,
failures, and what a killed worker leaves behind."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from approvals.models import Approval, ApprovalKind, ApprovalStatus
from runs.engine.runner import run_advance, runs_sweep
from runs.models import Run, RunEvent, RunState, Step
from tests.factories import api_client
from tests.runs.engine.graphs import branching, edge, graph, launch, linear, node, transform


def states(run):
    return {s.node_id: s.state for s in Step.objects.filter(run=run)}


def journal_status(client, run):
    return client.get(f"/v1/runs/{run.run_id}/status").json()["status"]


@pytest.mark.django_db
def test_http_response_feeds_the_condition_and_the_taken_branch(keyed_client, peer, capture):
    g = graph(
        [
            node("start", "start"),
            node(
                "http-1",
                "http",
                {
                    "method": "POST",
                    "url": f"{peer.url}/orders",
                    "json_body": {"amount": "{{ input.amount }}"},
                },
            ),
            node(
                "check",
                "condition",
                {"left": "{{ steps['http-1'].output.status }}", "operator": "equals", "right": 200},
            ),
            transform("yes", "{{ steps.http_1.output.body.method }}"),
            transform("no", "never"),
        ],
        [
            edge("start", "http-1"),
            edge("http-1", "check"),
            edge("check", "yes", "true"),
            edge("check", "no", "false"),
        ],
    )
    run = launch(keyed_client, g, capture, input={"amount": 12})
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert states(run) == {
        "start": "succeeded",
        "http-1": "succeeded",
        "check": "succeeded",
        "yes": "succeeded",
        "no": "skipped",
    }
    assert peer.requests[0]["method"] == "POST" and peer.requests[0]["body"] == '{"amount":"12"}'
    assert Step.objects.get(run=run, node_id="yes").output == "POST"
    assert journal_status(keyed_client, run) == "completed"
    detail = keyed_client.get(f"/v1/runs/{run.run_id}").json()
    assert ("info", "HTTP POST request completed successfully (200)", "http-1") in [
        (log["level"], log["msg"], log["nodeId"]) for log in detail["logs"]
    ]


@pytest.mark.django_db
def test_an_http_error_fails_the_run_and_skips_the_rest(keyed_client, peer, capture):
    run = launch(
        keyed_client,
        linear(node("call", "http", {"url": f"{peer.url}/status/503"}), transform("after", 1)),
        capture,
    )
    run.refresh_from_db()
    assert run.state == RunState.FAILED
    assert states(run) == {"start": "succeeded", "call": "failed", "after": "skipped"}
    assert run.error.startswith(f"{peer.url}/status/503 answered 503")
    detail = keyed_client.get(f"/v1/runs/{run.run_id}").json()
    assert detail["status"] == "failed" and detail["error"] == run.error
    assert [(log["level"], log["msg"]) for log in detail["logs"]][-2:] == [
        ("error", "HTTP GET request failed (503)"),
        ("error", "Run failed"),
    ]
    assert journal_status(keyed_client, run) == "stopped"


@pytest.mark.django_db
def test_fail_on_http_error_false_lets_the_run_go_on(keyed_client, peer, capture):
    run = launch(
        keyed_client,
        linear(
            node("call", "http", {"url": f"{peer.url}/status/404", "fail_on_http_error": False}),
            transform("after", "{{ steps.call.output.status }}"),
        ),
        capture,
    )
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert Step.objects.get(run=run, node_id="after").output == "404"


@pytest.mark.django_db
def test_the_egress_guard_fails_the_step_without_sending(keyed_client, capture, settings):
    settings.OPSGATE_EGRESS_ALLOW = []
    run = launch(
        keyed_client,
        linear(node("call", "http", {"url": "http://169.254.169.254/latest/meta-data"})),
        capture,
    )
    step = Step.objects.get(run=run, node_id="call")
    assert step.state == "failed"
    assert "169.254.169.254" in step.error and "refused" in step.error


@pytest.mark.django_db
def test_a_template_error_fails_the_step_with_its_message(keyed_client, capture):
    run = launch(keyed_client, linear(transform("t", "{{ input.missing.deeper }}")), capture)
    step = Step.objects.get(run=run, node_id="t")
    assert step.state == "failed"
    assert step.error.startswith("Template error:")


def approval_graph(**config):
    return linear(
        node("ask", "approval", {"title": "Ship it?", "risk_level": "high", **config}),
        transform("after", "done"),
    )


def decide(client, run, decision, capture):
    step = Step.objects.get(run=run, node_id="ask")
    operator = api_client(tenant=run.tenant, role="operator")  # not the key that started the run
    with capture(execute=True):
        response = operator.post(
            f"/v1/approvals/{step.approval_event_id}",
            {"decision": decision, "approver_id": "alice", "reason": "checked"},
            format="json",
        )
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_an_approval_node_pauses_until_approved(keyed_client, capture):
    run = launch(keyed_client, approval_graph(), capture)
    run.refresh_from_db()
    assert (run.state, run.waiting_for) == (RunState.WAITING, "approval")
    approval = Approval.objects.get(run=run)
    assert (approval.kind, approval.status, approval.title, approval.risk_level) == (
        ApprovalKind.WORKFLOW,
        ApprovalStatus.PENDING,
        "Ship it?",
        "high",
    )
    detail = keyed_client.get(f"/v1/runs/{run.run_id}").json()
    assert detail["status"] == "running"
    assert detail["waiting"] == {
        "reason": "approval",
        "nodeId": "ask",
        "approvalEventId": approval.event_id,
        "until": None,
    }
    pending = keyed_client.get("/v1/approvals/pending").json()
    assert [item["event_id"] for item in pending["approvals"]] == [approval.event_id]
    assert journal_status(keyed_client, run) == "paused"

    decide(keyed_client, run, "approved", capture)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert states(run) == {"start": "succeeded", "ask": "succeeded", "after": "succeeded"}
    assert journal_status(keyed_client, run) == "completed"
    assert "Approval granted by alice" in [
        log["msg"] for log in keyed_client.get(f"/v1/runs/{run.run_id}").json()["logs"]
    ]


@pytest.mark.django_db
def test_rejecting_fails_the_run_and_skips_the_rest(keyed_client, capture):
    run = launch(keyed_client, approval_graph(), capture)
    decide(keyed_client, run, "rejected", capture)
    run.refresh_from_db()
    assert (run.state, run.error) == (RunState.FAILED, "Approval rejected by alice")
    assert states(run) == {"start": "succeeded", "ask": "failed", "after": "skipped"}
    assert journal_status(keyed_client, run) == "stopped"
    assert (
        keyed_client.get(f"/v1/runs/{run.run_id}/status").status_code == 200
    )  # the journal stays consistent


@pytest.mark.django_db
def test_expiry_fails_the_run(keyed_client, capture):
    from approvals.tasks import approvals_expire_overdue

    run = launch(keyed_client, approval_graph(expires_in_minutes=5), capture)
    Approval.objects.filter(run=run).update(expires_at=timezone.now() - timedelta(seconds=1))
    with capture(execute=True):
        assert approvals_expire_overdue() == 1
    run.refresh_from_db()
    assert (run.state, run.error) == (RunState.FAILED, "Approval expired before anyone decided")
    assert journal_status(keyed_client, run) == "expired"


@pytest.mark.django_db
def test_a_delay_waits_without_a_worker_and_resumes_on_its_schedule(keyed_client, capture):
    run = launch(keyed_client, linear(node("wait", "delay", {"seconds": 30}), transform("after", 1)), capture)
    run.refresh_from_db()
    step = Step.objects.get(run=run, node_id="wait")
    assert (run.state, run.waiting_for, step.state, run.lease_token) == (
        RunState.WAITING,
        "delay",
        "waiting",
        "",
    )
    wake = Schedule.objects.get(func="runs.engine.runner.run_advance", args=f"({run.pk},)")
    assert wake.schedule_type == Schedule.ONCE and abs((wake.next_run - step.wake_at).total_seconds()) < 1
    assert run_advance(run.pk) == "executed 0 step(s)"  # too early: still waiting
    Step.objects.filter(pk=step.pk).update(wake_at=timezone.now() - timedelta(seconds=1))
    run_advance(run.pk)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED


@pytest.mark.django_db
def test_a_second_delivery_does_nothing_twice(keyed_client, peer, capture):
    run = launch(keyed_client, linear(node("call", "http", {"url": f"{peer.url}/once"})), capture)
    assert run_advance(run.pk) == "skipped: finished, or another worker holds the run"
    assert peer.hits["/once"] == 1
    assert RunEvent.objects.filter(run=run).count() == 4


@pytest.mark.django_db
def test_a_held_lease_keeps_other_workers_out(keyed_client, capture):
    with capture(execute=False):
        response = keyed_client.post("/v1/runs", {"graph": linear()}, format="json")
    run = Run.objects.get(run_id=response.json()["runId"])
    Run.objects.filter(pk=run.pk).update(
        lease_token="other", lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert run_advance(run.pk).startswith("skipped")
    assert Step.objects.filter(run=run).count() == 0


@pytest.mark.django_db
def test_the_sweep_finishes_what_a_killed_worker_left(keyed_client, peer, capture):
    """A worker died during 'second': its step is still running and its lease has lapsed."""
    g = linear(
        node("first", "http", {"url": f"{peer.url}/first"}),
        node("second", "http", {"url": f"{peer.url}/second"}),
    )
    with capture(execute=False):
        response = keyed_client.post("/v1/runs", {"graph": g}, format="json")
    run = Run.objects.get(run_id=response.json()["runId"])
    from runs.engine import runner

    original = runner._execute

    def die_on_second(work):
        if work.node["id"] == "second":
            raise SystemExit("worker killed")
        return original(work)

    runner._execute = die_on_second
    try:
        with pytest.raises(SystemExit):
            run_advance(run.pk)
    finally:
        runner._execute = original
    Run.objects.filter(pk=run.pk).update(
        lease_token="dead-worker", lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert states(run) == {"start": "succeeded", "first": "succeeded", "second": "running"}
    with capture(execute=True):
        assert runs_sweep() == 1
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert (peer.hits["/first"], peer.hits["/second"]) == (1, 1)
    attempts = dict(Step.objects.filter(run=run).values_list("node_id", "attempts"))
    assert attempts == {"start": 1, "first": 1, "second": 2}


@pytest.mark.django_db
def test_the_sweep_leaves_healthy_runs_alone(keyed_client, capture):
    run = launch(keyed_client, approval_graph(), capture)
    Run.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert runs_sweep() == 0


@pytest.mark.django_db
def test_branches_both_run_and_join(keyed_client, capture):
    g = graph(
        [
            node("start", "start"),
            transform("a", "A"),
            transform("b", "B"),
            transform("join", "{{ steps.a.output }}{{ steps.b.output }}"),
        ],
        [edge("start", "a"), edge("start", "b"), edge("a", "join"), edge("b", "join")],
    )
    run = launch(keyed_client, g, capture)
    assert Step.objects.get(run=run, node_id="join").output == "AB"


@pytest.mark.django_db
def test_false_branch_of_the_issue_workflow(keyed_client, capture):
    g = branching(
        {"left": "{{ input.amount }}", "operator": "greater_than", "right": 100},
        true_nodes=[node("ask", "approval"), transform("pay", 1)],
        false_nodes=[transform("note", "small")],
    )
    run = launch(keyed_client, g, capture, input={"amount": 5})
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert states(run) == {
        "start": "succeeded",
        "check": "succeeded",
        "note": "succeeded",
        "ask": "skipped",
        "pay": "skipped",
    }
    assert Approval.objects.filter(run=run).count() == 0
