"""POST /runs/{run_id}/phases/{phase_id}/update_status: the origin's cases (tests/test_api.py,
test_phases_router_contract.py), the transition table, the roll-up to tier and run, and ours."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from builds.api.operator_api.outputs import PhaseStatusResponse
from builds.models import BuildRun, ErrorReport, Phase, Tier
from builds.states import PHASE_TRANSITIONS, PhaseState
from runs.models import Run, RunEvent, Step
from tests.builds.factories import build_run
from tests.builds.test_start import start
from tests.factories import TenantFactory, api_client, api_key_for, member

pytestmark = pytest.mark.django_db

STATES = list(PhaseState.values)


def update(client, phase_id="F1.1", run_id="test-run-001", **body):
    return client.post(f"/runs/{run_id}/phases/{phase_id}/update_status", body, format="json")


@pytest.fixture
def started(keyed_client):
    assert start(keyed_client).status_code == 201
    return keyed_client


def phase_row(phase_id="F1.1") -> Phase:
    return Phase.objects.select_related("tier", "step", "build__run").get(phase_id=phase_id)


# -- the origin's cases ------------------------------------------------------------------------------


def test_executing_then_read_back(started):
    response = update(started, state="EXECUTING", builder_attempts=1, tokens_used=1000)
    assert response.status_code == 200
    run = started.get("/runs/test-run-001").json()
    assert run["tiers"][0]["phases"][0]["phase_id"] == "F1.1"
    assert run["tiers"][0]["phases"][0]["state"] == "EXECUTING"
    assert run["state"] == "PHASE_EXECUTION"
    assert run["tokens_used"] == 1000  # the run's tokens are its phases' (the origin forgets)


def test_the_answer_is_every_field_of_the_phase(started):
    body = update(started, state="EXECUTING", builder_attempts=2, tokens_used=1000, quality_level="ok").json()
    row = phase_row()
    assert body["message"] == "Phase F1.1 updated to state EXECUTING"
    phase = body["phase"]
    assert {k: v for k, v in phase.items() if not k.endswith("_at")} == {
        "id": row.pk,
        "phase_id": "F1.1",
        "run_id": "test-run-001",
        "tier_id": row.tier_id,
        "phase_index": 0,
        "name": "Setup DB",
        "description": None,
        "state": "EXECUTING",
        "task_category": "schema_change",
        "complexity": "medium",
        "builder_mode": None,
        "scope": None,
        "intention_refs": None,
        "max_builder_attempts": None,
        "max_auditor_attempts": None,
        "incident_token_cap": None,
        "builder_attempts": 2,
        "auditor_attempts": 0,
        "tokens_used": 1000,
        "minor_issues_count": 0,
        "major_issues_count": 0,
        "issue_state": "no_issues",
        "quality_level": "ok",
        "quality_blocked": False,
        "needs_human_review": False,
        "retry_attempt": 0,
        "revision_epoch": 0,
        "escalation_level": 0,
        "last_failure_reason": None,
    }
    assert phase["started_at"] is not None and phase["completed_at"] is None
    assert phase["created_at"].endswith("Z") and phase["updated_at"].endswith("Z")
    assert PhaseStatusResponse.model_validate(body).model_dump(mode="json")["phase"].keys() == phase.keys()


@pytest.mark.parametrize("state", ["INVALID_STATE", "executing", "Complete", ""])
def test_a_state_outside_phase_state_is_400(started, state):
    response = update(started, state=state)
    assert (response.status_code, response.json()) == (400, {"detail": f"Invalid phase state: {state}"})
    assert phase_row().state == "QUEUED"


def test_an_unknown_phase_is_404_before_the_state_is_checked(started):
    response = update(started, phase_id="NONEXISTENT", state="executing")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Phase NONEXISTENT not found in run test-run-001"},
    )
    response = update(started, run_id="no-such-run", state="EXECUTING")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Phase F1.1 not found in run no-such-run"},
    )


def test_another_tenants_phase_is_404_and_untouched(started):
    response = update(api_client(), state="EXECUTING")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Phase F1.1 not found in run test-run-001"},
    )
    assert phase_row().state == "QUEUED"


def test_a_viewer_is_403(started, tenant):
    response = update(api_client(tenant=tenant, role="viewer"), state="EXECUTING")
    assert (response.status_code, response.json()) == (403, {"detail": "Missing scope: runs:report"})


def test_the_run_ends_when_every_phase_has_ended(started):
    for phase_id, states in (("F1.1", ["EXECUTING", "GATE", "COMPLETE"]), ("F2.1", ["EXECUTING"])):
        for state in states:
            assert update(started, phase_id=phase_id, state=state).status_code == 200
    assert BuildRun.objects.get().state == "PHASE_EXECUTION"
    assert update(started, phase_id="F2.1", state="SKIPPED").status_code == 200
    build = BuildRun.objects.select_related("run").get()
    assert build.state == "DONE_SUCCESS"
    assert build.completed_at is not None and build.run.finished_at == build.completed_at
    body = started.get("/runs/test-run-001").json()
    assert body["state"] == "DONE_SUCCESS" and body["completed_at"] is not None
    assert [t["state"] for t in body["tiers"]] == ["COMPLETE", "SKIPPED"]
    assert build.failure_reason is None


def test_a_failed_phase_ends_the_run_for_human_review(started):
    update(started, phase_id="F1.1", state="EXECUTING")
    response = update(started, phase_id="F1.1", state="FAILED", failure_reason="tests fail")
    assert response.json()["phase"]["last_failure_reason"] == "tests fail"
    assert BuildRun.objects.get().state == "PHASE_EXECUTION"  # F2.1 is still queued
    update(started, phase_id="F2.1", state="SKIPPED")
    build = BuildRun.objects.get()
    assert build.state == "DONE_FAILED_REQUIRES_HUMAN_REVIEW"
    assert build.completed_at is not None and build.failure_reason == "Phases failed: F1.1"
    report = ErrorReport.objects.get()
    assert (report.error_type, report.error_message, report.phase.phase_id) == (
        "phase_failed",
        "tests fail",
        "F1.1",
    )
    assert report.tenant_id == build.tenant_id
    assert Tier.objects.get(tier_id="T1").state == "FAILED"


def test_a_failed_phase_without_a_reason_gets_one(started):
    update(started, state="FAILED")
    assert ErrorReport.objects.get().error_message == "Phase F1.1 failed"


def test_nothing_changes_once_the_run_has_ended(started):
    update(started, phase_id="F1.1", state="SKIPPED")
    update(started, phase_id="F2.1", state="FAILED")
    response = update(started, phase_id="F1.1", state="QUEUED")
    assert (response.status_code, response.json()) == (409, {"detail": "Run test-run-001 has ended"})
    response = update(started, phase_id="F2.1", state="QUEUED")  # a retry, once the run is over
    assert (response.status_code, response.json()) == (409, {"detail": "Run test-run-001 has ended"})
    response = update(started, phase_id="F2.1", state="nonsense")  # the origin's checks come first
    assert response.status_code == 400


def test_a_retry_reopens_the_phase(started):
    update(started, state="EXECUTING")
    update(started, state="FAILED")
    body = update(started, state="QUEUED").json()["phase"]
    assert (body["state"], body["retry_attempt"], body["completed_at"]) == ("QUEUED", 1, None)
    assert body["started_at"] is not None


# -- the transition table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [(old, new) for old in STATES for new in STATES if new != old and new not in PHASE_TRANSITIONS[old]],
)
def test_an_illegal_transition_is_409_naming_both_states(tenant, keyed_client, old, new):
    build_run(tenant, "run-1", phases=[("P1", "T1", old), ("P2", "T1", PhaseState.QUEUED)])
    response = update(keyed_client, phase_id="P1", run_id="run-1", state=new, tokens_used=5)
    assert response.status_code == 409
    assert response.json() == {"detail": f"Illegal phase transition for P1: {old} -> {new}"}
    row = phase_row("P1")
    assert (row.state, row.tokens_used) == (old, 0)  # nothing written


@pytest.mark.parametrize(
    ("old", "new"), [(old, new) for old in STATES for new in sorted(PHASE_TRANSITIONS[old])]
)
def test_a_legal_transition_moves_phase_and_step(tenant, keyed_client, old, new):
    build_run(tenant, "run-1", phases=[("P1", "T1", old), ("P2", "T1", PhaseState.QUEUED)])
    response = update(keyed_client, phase_id="P1", run_id="run-1", state=new)
    assert response.status_code == 200, response.json()
    row = phase_row("P1")
    assert row.state == new
    assert (
        row.step.state
        == {
            "QUEUED": "pending",
            "EXECUTING": "running",
            "GATE": "waiting",
            "CI_RUNNING": "running",
            "COMPLETE": "succeeded",
            "FAILED": "failed",
            "SKIPPED": "skipped",
        }[new]
    )
    assert (row.completed_at is not None) == (new in ("COMPLETE", "FAILED", "SKIPPED"))


def test_the_same_state_again_updates_the_metrics_only(started):
    update(started, state="EXECUTING", tokens_used=10)
    response = update(started, state="EXECUTING", tokens_used=25, builder_attempts=None, quality_blocked=True)
    assert response.status_code == 200
    row = phase_row()
    assert (row.state, row.tokens_used, row.builder_attempts, row.quality_blocked) == (
        "EXECUTING",
        25,
        0,
        True,
    )
    assert BuildRun.objects.get().tokens_used == 25


# -- what follows a phase ---------------------------------------------------------------------------------


def test_only_the_values_given_are_copied(started):
    update(started, state="EXECUTING", builder_attempts=3, tokens_used=100, minor_issues_count=2)
    update(started, state="GATE")
    row = phase_row()
    assert (row.builder_attempts, row.tokens_used, row.minor_issues_count) == (3, 100, 2)
    assert row.issue_state == "has_minor_issues"
    tier = Tier.objects.get(tier_id="T1")
    assert (tier.state, tier.tokens_used, tier.minor_issues_count, tier.started_at is not None) == (
        "IN_PROGRESS",
        100,
        2,
        True,
    )


def test_the_run_tokens_are_the_sum_of_the_phases(started):
    update(started, phase_id="F1.1", state="EXECUTING", tokens_used=1000)
    update(started, phase_id="F2.1", state="EXECUTING", tokens_used=500)
    update(started, phase_id="F1.1", state="EXECUTING", tokens_used=1200)
    assert started.get("/runs/test-run-001").json()["tokens_used"] == 1700


def test_step_times_follow_the_phase(started):
    update(started, state="EXECUTING")
    step = Step.objects.get(node_id="F1.1")
    assert (step.state, step.started_at is not None, step.finished_at) == ("running", True, None)
    update(started, state="COMPLETE")
    step.refresh_from_db()
    assert (step.state, step.finished_at is not None) == ("succeeded", True)


def test_the_phase_file_follows_on_commit(started, django_capture_on_commit_callbacks):
    from builds.artifacts import artifact_storage, run_folder

    with django_capture_on_commit_callbacks(execute=True):
        update(started, state="EXECUTING")
    run = Run.objects.get(run_id="test-run-001")
    with artifact_storage().open(f"{run_folder(run)}/phases/phase_00_F1.1.md") as handle:
        assert "**State:** EXECUTING" in handle.read().decode()


# -- bodies refused ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, [{"type": "missing", "loc": ["body", "state"], "msg": "Field required"}]),
        (
            {"state": 5},
            [{"type": "string_type", "loc": ["body", "state"], "msg": "Input should be a valid string"}],
        ),
        (
            {"state": "EXECUTING", "tokens_used": "x"},
            [
                {
                    "type": "int_parsing",
                    "loc": ["body", "tokens_used"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                }
            ],
        ),
        (
            {"state": "EXECUTING", "builder_attempts": -1},
            [
                {
                    "type": "greater_than_equal",
                    "loc": ["body", "builder_attempts"],
                    "msg": "Input should be greater than or equal to 0",
                }
            ],
        ),
        (
            {"state": "EXECUTING", "quality_blocked": "maybe"},
            [
                {
                    "type": "bool_parsing",
                    "loc": ["body", "quality_blocked"],
                    "msg": "Input should be a valid boolean, unable to interpret input",
                }
            ],
        ),
        (
            {"state": "EXEC\x00UTING"},
            [{"type": "string_nul", "loc": ["body", "state"], "msg": "text must not contain NUL characters"}],
        ),
    ],
)
def test_bad_bodies_are_422(started, body, detail):
    response = started.post("/runs/test-run-001/phases/F1.1/update_status", body, format="json")
    assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert phase_row().state == "QUEUED"


# -- concurrent reports (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; races need PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_reports_on_one_run_serialise():
    tenant = TenantFactory()
    raw = api_key_for(member(tenant=tenant, role="admin"), tenant)[0]
    n = 8
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    body = {
        "run": {"run_id": "raced"},
        "tiers": [{"tier_id": "T1", "tier_index": 0, "name": "Only"}],
        "phases": [
            {"phase_id": f"P{i}", "phase_index": i, "tier_id": "T1", "name": f"P{i}"} for i in range(n)
        ],
    }
    assert start(client, body).status_code == 201
    barrier = threading.Barrier(n)

    def one(i):
        mine = APIClient()
        mine.credentials(HTTP_X_API_KEY=raw)
        try:
            barrier.wait()
            return update(mine, phase_id=f"P{i}", run_id="raced", state="SKIPPED", tokens_used=10 + i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        responses = list(pool.map(one, range(n)))
    assert [r.status_code for r in responses] == [200] * n
    build = BuildRun.objects.get(run__run_id="raced")
    assert (build.state, build.tokens_used) == ("DONE_SUCCESS", sum(10 + i for i in range(n)))
    assert RunEvent.objects.filter(run__run_id="raced", type="summary").count() == 1
    assert client.get("/v1/runs/raced/verify").json()["ok"] is True
