"""A build run reads through the run journal like any other run: its start, each phase change,
each issue and its end are events (GET /v1/runs/{id}/journal, /status, /verify)."""

from __future__ import annotations

import pytest

from builds.journal_events import RESERVED_STEPS
from runs.journal.projection import TERMINAL_STEPS
from runs.models import RunEvent
from tests.builds.test_start import start
from tests.factories import api_client

pytestmark = pytest.mark.django_db


def update(client, phase_id, state, **body):
    response = client.post(
        f"/runs/test-run-001/phases/{phase_id}/update_status", {"state": state, **body}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response


def entries(client) -> list[tuple[str, str]]:
    response = client.get("/v1/runs/test-run-001/journal")
    assert response.status_code == 200, response.json()
    return [(e["event_type"], e["title"]) for e in response.json()["entries"]]


def test_the_journal_shows_the_start_and_each_phase_change(keyed_client):
    start(keyed_client)
    update(keyed_client, "F1.1", "EXECUTING")
    update(keyed_client, "F1.1", "GATE")
    keyed_client.post(
        "/runs/test-run-001/phases/F1.1/record_issue?issue_key=k1&severity=major&source=ci&category=build"
    )
    update(keyed_client, "F1.1", "COMPLETE")
    update(keyed_client, "F2.1", "EXECUTING", tokens_used=10)
    update(keyed_client, "F2.1", "EXECUTING", tokens_used=20)
    update(keyed_client, "F2.1", "COMPLETE")
    assert entries(keyed_client) == [
        ("intent", "Build run started"),
        ("action", "Phase F1.1: QUEUED -> EXECUTING"),
        ("action", "Phase F1.1: EXECUTING -> GATE"),
        ("observation", "Issue k1 recorded"),
        ("action", "Phase F1.1: GATE -> COMPLETE"),
        ("action", "Phase F2.1: QUEUED -> EXECUTING"),
        ("observation", "Phase F2.1 updated (EXECUTING)"),
        ("action", "Phase F2.1: EXECUTING -> COMPLETE"),
        ("summary", "Build run succeeded"),
    ]
    status = keyed_client.get("/v1/runs/test-run-001/status").json()
    assert status["status"] == "completed"
    assert keyed_client.get("/v1/runs/test-run-001/verify").json()["ok"] is True


def test_each_event_names_its_phase_and_what_changed(keyed_client):
    start(keyed_client)
    update(keyed_client, "F1.1", "EXECUTING")
    update(keyed_client, "F1.1", "EXECUTING", tokens_used=42)
    payloads = [e.payload for e in RunEvent.objects.order_by("seq")]
    assert [p["meta"] for p in payloads] == [
        {"workflow": "build", "step": "run_started"},
        {"workflow": "build", "step": "F1.1"},
        {"workflow": "build", "step": "F1.1"},
    ]
    assert payloads[0]["details"] == (
        "Build run test-run-001 started with 2 tiers and 2 phases (safety profile normal, "
        "scope multi_tier, token cap 5000000)"
    )
    assert payloads[1]["details"] == "Phase F1.1 (Setup DB) moved from QUEUED to EXECUTING"
    assert payloads[2]["details"] == "Phase F1.1 stays EXECUTING: tokens_used=42"
    assert {p["actor"] for p in payloads} == {"agent"}  # an API key reports for a machine


def test_a_failed_run_ends_with_an_error_event_and_stops(keyed_client):
    start(keyed_client)
    update(keyed_client, "F1.1", "FAILED", failure_reason="compile error")
    update(keyed_client, "F2.1", "SKIPPED")
    assert entries(keyed_client)[-3:] == [
        ("action", "Phase F1.1: QUEUED -> FAILED"),
        ("action", "Phase F2.1: QUEUED -> SKIPPED"),
        ("error", "Build run ended: DONE_FAILED_REQUIRES_HUMAN_REVIEW"),
    ]
    last = RunEvent.objects.order_by("-seq").first().payload
    assert (last["details"], last["meta"]["step"]) == ("Phases failed: F1.1", "run_stopped")
    assert (
        RunEvent.objects.get(seq=2).payload["details"]
        == "Phase F1.1 (Setup DB) moved from QUEUED to FAILED: compile error"
    )
    assert keyed_client.get("/v1/runs/test-run-001/status").json()["status"] == "stopped"


def test_a_refused_change_writes_no_event(keyed_client):
    start(keyed_client)
    keyed_client.post("/runs/test-run-001/phases/F1.1/update_status", {"state": "COMPLETE"}, format="json")
    keyed_client.post(
        "/runs/test-run-001/phases/F1.1/update_status", {"state": "QUEUED"}, format="json"
    )  # 409
    keyed_client.post("/runs/test-run-001/phases/F1.1/update_status", {"state": "nope"}, format="json")  # 400
    assert len(entries(keyed_client)) == 2


def test_another_tenant_reads_no_journal_of_the_run(keyed_client):
    start(keyed_client)
    assert api_client().get("/v1/runs/test-run-001/journal").status_code == 404


def test_phase_ids_never_collide_with_the_runs_markers():
    assert set(TERMINAL_STEPS) <= RESERVED_STEPS
    assert {"run_started", "summary", "run_stopped"} <= RESERVED_STEPS
