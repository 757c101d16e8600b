"""GET /runs/{run_id}/progress: counts, per-phase details and timing (the origin's
tests/api/test_run_progress.py, plus ours: elapsed time frozen once the run ends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from builds.models import BuildRun, Phase
from builds.states import BuildRunState, PhaseState
from tests.builds.factories import build_run
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

P = PhaseState
PROGRESS_KEYS = {
    "run_id",
    "state",
    "started_at",
    "completed_at",
    "elapsed_seconds",
    "tokens_used",
    "token_cap",
    "phases_total",
    "phases_completed",
    "phases_in_progress",
    "phases_pending",
    "phases",
}


def z(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def progress_run(tenant):
    """The origin's ``test-run-progress``: executing, 150,000 of 500,000 tokens, started an hour ago,
    phases Setup and Build COMPLETE, Test EXECUTING, Deploy and Cleanup QUEUED."""
    phases = (
        ("P1", "T1", P.COMPLETE),
        ("P2", "T1", P.COMPLETE),
        ("P3", "T1", P.EXECUTING),
        ("P4", "T1", P.QUEUED),
        ("P5", "T1", P.QUEUED),
    )
    build = build_run(
        tenant,
        "test-run-progress",
        phases=phases,
        state=BuildRunState.PHASE_EXECUTION,
        token_cap=500_000,
        tokens_used=150_000,
    )
    details = {
        "P1": ("Setup", 50_000, 1),
        "P2": ("Build", 60_000, 2),
        "P3": ("Test", 40_000, 1),
        "P4": ("Deploy", 0, 0),
        "P5": ("Cleanup", 0, 0),
    }
    for phase_id, (name, tokens, attempts) in details.items():
        Phase.objects.filter(build=build, phase_id=phase_id).update(
            name=name, tokens_used=tokens, builder_attempts=attempts
        )
    BuildRun.objects.filter(pk=build.pk).update(started_at=timezone.now() - timedelta(hours=1))
    build.refresh_from_db()
    return build


def test_a_missing_run_is_404(keyed_client):
    response = keyed_client.get("/runs/nonexistent/progress")
    assert response.status_code == 404
    assert response.json() == {"detail": "Run nonexistent not found"}


def test_another_tenants_run_is_the_same_404(keyed_client):
    build_run(TenantFactory(), "theirs")
    response = keyed_client.get("/runs/theirs/progress")
    assert (response.status_code, response.json()) == (404, {"detail": "Run theirs not found"})


def test_basic_fields(keyed_client, progress_run):
    body = keyed_client.get("/runs/test-run-progress/progress").json()
    assert set(body) == PROGRESS_KEYS
    assert (body["run_id"], body["state"]) == ("test-run-progress", "PHASE_EXECUTION")
    assert (body["tokens_used"], body["token_cap"]) == (150_000, 500_000)


def test_phase_counts(keyed_client, progress_run):
    body = keyed_client.get("/runs/test-run-progress/progress").json()
    counts = ("phases_total", "phases_completed", "phases_in_progress", "phases_pending")
    assert tuple(body[k] for k in counts) == (5, 2, 1, 2)


def test_phase_details_in_index_order(keyed_client, progress_run):
    phases = keyed_client.get("/runs/test-run-progress/progress").json()["phases"]
    assert phases[0] == {
        "phase_id": "P1",
        "name": "Setup",
        "state": "COMPLETE",
        "phase_index": 0,
        "tokens_used": 50_000,
        "builder_attempts": 1,
    }
    assert [p["name"] for p in phases] == ["Setup", "Build", "Test", "Deploy", "Cleanup"]
    assert [p["phase_index"] for p in phases] == [0, 1, 2, 3, 4]


def test_timing_runs_from_the_start(keyed_client, progress_run):
    body = keyed_client.get("/runs/test-run-progress/progress").json()
    assert body["started_at"] == z(progress_run.started_at)
    assert body["completed_at"] is None
    assert 3500 <= body["elapsed_seconds"] <= 3700


def test_elapsed_time_is_frozen_once_the_run_ends(keyed_client, progress_run):
    ended = progress_run.started_at + timedelta(minutes=30)
    BuildRun.objects.filter(pk=progress_run.pk).update(state=BuildRunState.DONE_SUCCESS, completed_at=ended)
    body = keyed_client.get("/runs/test-run-progress/progress").json()
    assert (body["state"], body["completed_at"], body["elapsed_seconds"]) == ("DONE_SUCCESS", z(ended), 1800)


def test_no_start_means_no_elapsed_time(keyed_client, tenant):
    build = build_run(tenant, "not-started", phases=())
    BuildRun.objects.filter(pk=build.pk).update(started_at=None)
    body = keyed_client.get("/runs/not-started/progress").json()
    assert (body["started_at"], body["elapsed_seconds"]) == (None, None)


def test_gate_ci_failed_and_skipped_are_in_no_count(keyed_client, tenant):
    phases = tuple(
        (f"P{i}", "T1", state) for i, state in enumerate((P.GATE, P.CI_RUNNING, P.FAILED, P.SKIPPED))
    )
    build_run(tenant, "odd-states", phases=phases)
    body = keyed_client.get("/runs/odd-states/progress").json()
    counts = ("phases_total", "phases_completed", "phases_in_progress", "phases_pending")
    assert tuple(body[k] for k in counts) == (4, 0, 0, 0)


def test_a_run_without_phases(keyed_client, tenant):
    build_run(tenant, "empty-run", phases=())
    body = keyed_client.get("/runs/empty-run/progress").json()
    assert (body["phases_total"], body["phases"]) == (0, [])


def test_the_whole_body(keyed_client, tenant):
    build = build_run(tenant, "small", phases=(("only", "T1", P.EXECUTING),), token_cap=10, tokens_used=3)
    ended = build.started_at + timedelta(seconds=42)
    BuildRun.objects.filter(pk=build.pk).update(completed_at=ended)
    assert keyed_client.get("/runs/small/progress").json() == {
        "run_id": "small",
        "state": "RUN_CREATED",
        "started_at": z(build.started_at),
        "completed_at": z(ended),
        "elapsed_seconds": 42,
        "tokens_used": 3,
        "token_cap": 10,
        "phases_total": 1,
        "phases_completed": 0,
        "phases_in_progress": 1,
        "phases_pending": 0,
        "phases": [
            {
                "phase_id": "only",
                "name": "Phase only",
                "state": "EXECUTING",
                "phase_index": 0,
                "tokens_used": 0,
                "builder_attempts": 0,
            }
        ],
    }


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_phases(keyed_client, tenant, django_assert_max_num_queries):
    build_run(tenant, "two", phases=(("A", "T1", P.QUEUED), ("B", "T1", P.QUEUED)))
    build_run(tenant, "forty", phases=tuple((f"P{i}", "T1", P.QUEUED) for i in range(40)))
    few = _queries(keyed_client, "/runs/two/progress")
    with django_assert_max_num_queries(few):
        assert keyed_client.get("/runs/forty/progress").json()["phases_total"] == 40
