"""End to end on PostgreSQL: the API served over real HTTP, a real ``qcluster`` executing runs,
a real HTTP peer on 127.0.0.1. Approving, rejecting, the false branch, and a killed worker."""

import httpx
import pytest
from django.db import connection
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule

from runs.journal.verify import journal_verify
from runs.models import Run, Step
from tests.factories import TenantFactory, api_key_for, member
from tests.runs.engine.cluster import QCluster, wait_for
from tests.runs.engine.graphs import edge, graph, linear, node, transform
from tests.runs.engine.peer import Peer

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process needs PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def peer():
    with Peer() as running:
        yield running


@pytest.fixture
def api(live_server, monkeypatch):
    """An HTTP client for the live server; tasks go to the database queue, not run inline."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    tenant = TenantFactory()
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant)
    operator, _ = api_key_for(member(tenant=tenant, role="operator"), tenant)
    with httpx.Client(base_url=live_server.url, headers={"X-API-Key": raw}, timeout=10) as client:
        client.operator_headers = {"X-API-Key": operator}  # decisions: not the key that asked
        yield client


@pytest.fixture
def cluster():
    started = QCluster(OPSGATE_EGRESS_ALLOW="127.0.0.1", OPSGATE_RUN_LEASE_SECONDS="3").start()
    yield started
    started.stop()


def issue_workflow(peer):
    """start -> http -> condition -> (true: approval -> http, false: transform)."""
    return graph(
        [
            node("start", "start"),
            node(
                "order",
                "http",
                {
                    "method": "POST",
                    "url": f"{peer.url}/orders",
                    "json_body": {"amount": "{{ input.amount }}"},
                },
            ),
            node(
                "big", "condition", {"left": "{{ input.amount }}", "operator": "greater_than", "right": 100}
            ),
            node("ask", "approval", {"title": "Pay a large order?", "risk_level": "high"}),
            node("pay", "http", {"method": "POST", "url": f"{peer.url}/pay"}),
            transform("note", "small order, answered {{ steps.order.output.status }}"),
        ],
        [
            edge("start", "order"),
            edge("order", "big"),
            edge("big", "ask", "true"),
            edge("ask", "pay"),
            edge("big", "note", "false"),
        ],
    )


def run_of(api, workflow_id, amount):
    response = api.post("/v1/runs", json={"workflowId": workflow_id, "input": {"amount": amount}})
    assert response.status_code == 202, response.text
    return response.json()["runId"]


def status_of(api, run_id):
    return api.get(f"/v1/runs/{run_id}").json()


def settled(api, run_id, cluster, timeout=30):
    return wait_for(
        lambda: (body := status_of(api, run_id))["status"] in ("succeeded", "failed") and body,
        timeout=timeout,
        what=f"run {run_id} to finish",
        cluster=cluster,
    )


def test_approve_reject_and_the_false_branch_through_a_real_worker(api, cluster, peer):
    workflow_id = api.post("/v1/workflows", json={"name": "Orders", "graph": issue_workflow(peer)}).json()[
        "id"
    ]
    approved, rejected, small = (run_of(api, workflow_id, amount) for amount in (500, 700, 5))

    for run_id, decision in ((approved, "approved"), (rejected, "rejected")):
        waiting = wait_for(
            lambda run_id=run_id: status_of(api, run_id)["waiting"],
            timeout=30,
            what=f"run {run_id} to wait for approval",
            cluster=cluster,
        )
        assert waiting["reason"] == "approval" and waiting["nodeId"] == "ask"
        assert api.get(f"/v1/runs/{run_id}/status").json()["status"] == "paused"
        decided = api.post(
            f"/v1/approvals/{waiting['approvalEventId']}",
            json={"decision": decision, "approver_id": "alice", "reason": "checked the order"},
            headers=api.operator_headers,
        )
        assert decided.status_code == 200, decided.text

    body = settled(api, approved, cluster)
    assert body["status"] == "succeeded"
    assert [(s["id"], s["nodeId"], s["status"]) for s in body["steps"]] == [
        ("step_01", "start", "succeeded"),
        ("step_02", "order", "succeeded"),
        ("step_03", "big", "succeeded"),
        ("step_04", "note", "skipped"),
        ("step_05", "ask", "succeeded"),
        ("step_06", "pay", "succeeded"),
    ]
    assert api.get(f"/v1/runs/{approved}/status").json()["status"] == "completed"
    journal = api.get(f"/v1/runs/{approved}/journal").json()
    types = [entry["event_type"] for entry in journal["entries"]]
    assert types[0] == "intent" and types[-1] == "summary"
    assert {"approval_requested", "approval_resolved"} <= set(types)

    body = settled(api, rejected, cluster)
    assert body["status"] == "failed" and body["error"] == "Approval rejected by alice"
    assert dict((s["nodeId"], s["status"]) for s in body["steps"])["pay"] == "skipped"
    assert api.get(f"/v1/runs/{rejected}/status").json()["status"] == "stopped"

    body = settled(api, small, cluster)
    assert body["status"] == "succeeded"
    assert Step.objects.get(run__run_id=small, node_id="note").output == "small order, answered 200"

    assert peer.hits["/orders"] == 3 and peer.hits["/pay"] == 1
    for run in Run.objects.all():
        assert journal_verify(run)["ok"]


def test_a_killed_worker_s_run_is_finished_by_the_next_one(api, cluster, peer):
    g = linear(
        node("first", "http", {"url": f"{peer.url}/first"}),
        node("slow", "http", {"url": f"{peer.url}/slow/3", "timeout_seconds": 5}),
        node("last", "http", {"url": f"{peer.url}/last"}),
    )
    run_id = api.post("/v1/runs", json={"graph": g}).json()["runId"]
    wait_for(lambda: peer.hits["/slow/3"] == 1, timeout=30, what="the slow call to start", cluster=cluster)
    cluster.kill()
    assert Step.objects.get(run__run_id=run_id, node_id="slow").state == "running"
    assert status_of(api, run_id)["status"] == "running"

    # The sweep runs every minute; make the next one due now instead of waiting for it.
    Schedule.objects.filter(func="runs.engine.runner.runs_sweep").update(next_run=timezone.now())
    replacement = QCluster(OPSGATE_EGRESS_ALLOW="127.0.0.1", OPSGATE_RUN_LEASE_SECONDS="3").start()
    try:
        body = settled(api, run_id, replacement, timeout=90)
    finally:
        replacement.stop()
    assert body["status"] == "succeeded"
    assert (peer.hits["/first"], peer.hits["/slow/3"], peer.hits["/last"]) == (1, 2, 1)
    attempts = dict(Step.objects.filter(run__run_id=run_id).values_list("node_id", "attempts"))
    assert attempts == {"start": 1, "first": 1, "slow": 2, "last": 1}
    assert journal_verify(Run.objects.get(run_id=run_id))["ok"]
