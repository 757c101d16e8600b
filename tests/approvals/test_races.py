"""Races on PostgreSQL with real threads, each with its own connection."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from approvals.models import Approval
from runs.models import Run, RunEvent
from tests.factories import TenantFactory, api_key_for, member
from tests.runs.journal_helpers import approval_request, event

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers; races need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(n, fn):
    barrier = threading.Barrier(n)

    def one(i):
        try:
            barrier.wait()
            return fn(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


@pytest.fixture
def raw_key():
    tenant = TenantFactory()
    return api_key_for(member(tenant=tenant, role="admin"), tenant)[0]


def client_for(raw):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def test_32_concurrent_decisions_have_exactly_one_winner(raw_key):
    assert (
        client_for(raw_key).post("/v1/events", approval_request(id="evt_race"), format="json").status_code
        == 201
    )
    decisions = ["approved", "rejected"]
    responses = race(
        32,
        lambda i: client_for(raw_key).post(
            "/v1/approvals/evt_race", {"decision": decisions[i % 2], "approver_id": f"op{i}"}, format="json"
        ),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 31
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"DUPLICATE_APPROVAL"}
    assert RunEvent.objects.filter(type="approval_resolved").count() == 1
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert Approval.objects.get(event_id="evt_race").status == winner["decision"]


def test_16_concurrent_posts_of_one_event_id_create_it_once(raw_key):
    body = event("run_fresh", id="evt_same")
    responses = race(16, lambda i: client_for(raw_key).post("/v1/events", body, format="json"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 15
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"DUPLICATE_EVENT_ID"}
    assert RunEvent.objects.filter(event_id="evt_same").count() == 1
    assert Run.objects.get(run_id="run_fresh").event_count == 1


def test_concurrent_appends_to_one_run_keep_one_unbroken_chain(raw_key):
    from runs.journal.verify import journal_verify

    race(12, lambda i: client_for(raw_key).post("/v1/events", event("run_hot", id=f"e{i}"), format="json"))
    run = Run.objects.get(run_id="run_hot")
    assert run.event_count == 12
    assert sorted(run.events.values_list("seq", flat=True)) == list(range(1, 13))
    assert journal_verify(run)["ok"]


def test_operators_deciding_at_once_in_the_portal_get_one_winner_and_clear_messages():
    """The portal's decide view, 8 sessions at once: one decision lands, the rest are told."""
    from django.test import Client

    tenant = TenantFactory()
    raw = api_key_for(member(tenant=tenant, role="admin"), tenant)[0]
    assert (
        client_for(raw).post("/v1/events", approval_request(id="evt_portal"), format="json").status_code
        == 201
    )
    approval = Approval.objects.get(event_id="evt_portal")
    operators = [member(tenant=tenant, role="operator") for _ in range(8)]

    def decide(i):
        client = Client()
        client.force_login(operators[i])
        response = client.post(
            f"/portal/approvals/{approval.pk}/decide",
            {"decision": "approved", "reason": f"op {i} checked"},
            follow=True,
        )
        # The page's text, not response.context: the test client collects rendered contexts through a
        # process-wide signal, so concurrent clients would see each other's.
        return re.findall(r'<li class="msg msg-\w+">([^<]*)</li>', response.content.decode())

    outcomes = race(8, decide)
    winners = [m for m in outcomes if m == ["Approved: Approval required."]]
    losers = [m for m in outcomes if m and m[0].startswith("Already decided: approved by ")]
    assert (len(winners), len(losers)) == (1, 7), [o for o in outcomes if o not in losers]
    approval.refresh_from_db()
    assert approval.resolved_by in {op.username for op in operators}
    assert RunEvent.objects.filter(run=approval.run, type="approval_resolved").count() == 1
