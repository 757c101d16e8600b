"""Engine races on PostgreSQL with real threads, each with its own connection."""

from unittest import mock

import pytest
from django.db import connection

from runs.engine.runner import run_advance
from runs.models import Run, RunEvent, RunState, Step
from tests.approvals.test_races import client_for, race, raw_key  # noqa: F401 - fixture
from tests.runs.engine.graphs import linear, node, transform

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers; races need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_20_concurrent_starts_with_one_idempotency_key_create_one_run(raw_key):  # noqa: F811
    body = {"graph": linear(transform("t", "{{ input.n }}")), "input": {"n": 1}}
    responses = race(
        20,
        lambda i: client_for(raw_key).post("/v1/runs", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key"),
    )
    assert [r.status_code for r in responses] == [202] * 20
    assert len({r.json()["runId"] for r in responses}) == 1
    assert Run.objects.count() == 1
    assert sum(1 for r in responses if "Idempotent-Replayed" not in r.headers) == 1
    run = Run.objects.get()
    assert run.state == RunState.SUCCEEDED
    assert Step.objects.filter(run=run).count() == 2


def test_concurrent_starts_with_one_key_and_different_bodies_create_one_run(raw_key):  # noqa: F811
    responses = race(
        12,
        lambda i: client_for(raw_key).post(
            "/v1/runs", {"graph": linear(), "input": {"i": i}}, format="json", HTTP_IDEMPOTENCY_KEY="k"
        ),
    )
    assert sorted(r.status_code for r in responses) == [202] + [409] * 11
    assert Run.objects.count() == 1


def test_eight_workers_advancing_one_run_execute_each_step_once(raw_key, settings):  # noqa: F811
    from tests.runs.engine.peer import Peer

    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]
    with Peer() as peer:
        graph = linear(
            node("a", "http", {"url": f"{peer.url}/a"}), node("b", "http", {"url": f"{peer.url}/b"})
        )
        with mock.patch("runs.engine.launch.run_enqueue"):  # start it by hand below
            response = client_for(raw_key).post("/v1/runs", {"graph": graph}, format="json")
        run = Run.objects.get(run_id=response.json()["runId"])
        race(8, lambda i: run_advance(run.pk))
        run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    assert (peer.hits["/a"], peer.hits["/b"]) == (1, 1)
    assert RunEvent.objects.filter(run=run).count() == 5
