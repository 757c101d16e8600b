"""GET /runs/{run_id}/errors and /errors/summary: ErrorReport rows and the journal's error events,
merged oldest first; the origin's summary text, plus counts by phase and type, first and last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from builds.models import BuildRun, ErrorReport, Phase
from builds.states import PhaseState
from runs.journal.event_schema import event_parse, event_payload
from runs.services import journal_append
from tests.builds.factories import build_run
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

P = PhaseState
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PHASES = (("F1", "T1", P.FAILED), ("F2", "T1", P.COMPLETE))


def report(build: BuildRun, at: datetime, phase_id: str | None = None, **fields) -> ErrorReport:
    phase = Phase.objects.get(build=build, phase_id=phase_id) if phase_id else None
    row = ErrorReport.objects.create(
        tenant=build.tenant,
        build=build,
        phase=phase,
        error_type=fields.pop("error_type", "PhaseFailed"),
        error_message=fields.pop("error_message", "It broke"),
        **fields,
    )
    ErrorReport.objects.filter(pk=row.pk).update(created_at=at)  # auto_now_add ignores a given value
    row.refresh_from_db()
    return row


def journal_error(build: BuildRun, at: datetime, event_id: str, step: str = "summary", **fields) -> None:
    body = {
        "id": event_id,
        "run_id": build.run.run_id,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "type": "error",
        "actor": "system",
        "title": fields.pop("title", "Run failed"),
        "details": fields.pop("details", "Phases failed: F1"),
        "approval": {"status": "not_required"},
        "meta": {"workflow": "build", "step": step},
    }
    journal_append(tenant=build.tenant, payloads=[event_payload(event_parse(body))])


def journal_action(build: BuildRun, at: datetime, event_id: str) -> None:
    body = {
        "id": event_id,
        "run_id": build.run.run_id,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "type": "action",
        "actor": "agent",
        "title": "Phase moved",
        "details": "QUEUED -> EXECUTING",
        "approval": {"status": "not_required"},
        "meta": {"workflow": "build", "step": "F1"},
    }
    journal_append(tenant=build.tenant, payloads=[event_payload(event_parse(body))])


@pytest.fixture
def failed_run(tenant):
    build = build_run(tenant, "failing", phases=PHASES)
    report(
        build,
        T0,
        "F1",
        component="builder",
        operation="builder_result",
        context_data={"probe": "pytest"},
        error_message="x" * 250,
    )
    journal_action(build, T0 + timedelta(seconds=1), "evt-action")
    journal_error(build, T0 + timedelta(seconds=2), "evt-error")
    report(build, T0 + timedelta(seconds=3), error_type="AuditorRejected", error_message="Revise it")
    return build


@pytest.mark.parametrize("path", ["errors", "errors/summary"])
def test_an_unknown_or_foreign_run_is_404(keyed_client, path):
    build_run(TenantFactory(), "theirs")
    for run_id in ("nope", "theirs"):
        response = keyed_client.get(f"/runs/{run_id}/{path}")
        assert (response.status_code, response.json()) == (404, {"detail": f"Run {run_id} not found"})


def test_a_run_without_errors(keyed_client, tenant):
    build_run(tenant, "fine")
    assert keyed_client.get("/runs/fine/errors").json() == {"run_id": "fine", "error_count": 0, "errors": []}
    assert keyed_client.get("/runs/fine/errors/summary").json() == {
        "run_id": "fine",
        "summary": "No errors reported for run fine",
        "error_count": 0,
        "by_phase": [],
        "by_type": [],
        "first": None,
        "last": None,
    }


REPORT_1 = {
    "timestamp": "2026-03-01T12:00:00Z",
    "error_type": "PhaseFailed",
    "error_message": "x" * 250,
    "run_id": "failing",
    "phase_id": "F1",
    "component": "builder",
    "operation": "builder_result",
    "traceback": None,
    "stack_frames": [],
    "context_data": {"probe": "pytest"},
    "python_version": None,
    "platform": None,
    "source": "error_report",
}
JOURNAL_2 = {
    "timestamp": "2026-03-01T12:00:02Z",
    "error_type": "journal_error",
    "error_message": "Phases failed: F1",
    "run_id": "failing",
    "phase_id": None,  # its step names no phase
    "component": "journal",
    "operation": "Run failed",
    "traceback": None,
    "stack_frames": [],
    "context_data": {"event_id": "evt-error", "actor": "system", "step": "summary"},
    "python_version": None,
    "platform": None,
    "source": "journal",
}
REPORT_3 = {
    **REPORT_1,
    "timestamp": "2026-03-01T12:00:03Z",
    "error_type": "AuditorRejected",
    "error_message": "Revise it",
    "phase_id": None,
    "component": None,
    "operation": None,
    "context_data": {},
}


def test_reports_and_journal_errors_oldest_first(keyed_client, failed_run):
    assert keyed_client.get("/runs/failing/errors").json() == {
        "run_id": "failing",
        "error_count": 3,
        "errors": [REPORT_1, JOURNAL_2, REPORT_3],
    }


def test_a_journal_error_naming_a_phase_is_that_phases(keyed_client, tenant):
    build = build_run(tenant, "phase-error", phases=PHASES)
    journal_error(build, T0, "evt-1", step="F2")
    [error] = keyed_client.get("/runs/phase-error/errors").json()["errors"]
    assert (error["phase_id"], error["context_data"]["step"]) == ("F2", "F2")


def test_the_summary(keyed_client, failed_run):
    body = keyed_client.get("/runs/failing/errors/summary").json()
    assert body["summary"] == "\n".join(
        [
            "ERROR SUMMARY FOR RUN: failing",
            "Total Errors: 3",
            "=" * 80,
            "",
            "1. [2026-03-01T12:00:00Z] PhaseFailed",
            "   Component: builder",
            "   Operation: builder_result",
            "   Message: " + "x" * 200,
            "",
            "2. [2026-03-01T12:00:02Z] journal_error",
            "   Component: journal",
            "   Operation: Run failed",
            "   Message: Phases failed: F1",
            "",
            "3. [2026-03-01T12:00:03Z] AuditorRejected",
            "   Component: unknown",
            "   Operation: unknown",
            "   Message: Revise it",
            "",
        ]
    )
    assert body["error_count"] == 3
    assert body["by_phase"] == [{"key": None, "count": 2}, {"key": "F1", "count": 1}]
    assert body["by_type"] == [
        {"key": "AuditorRejected", "count": 1},
        {"key": "PhaseFailed", "count": 1},
        {"key": "journal_error", "count": 1},
    ]
    assert (body["first"], body["last"]) == (REPORT_1, REPORT_3)


def test_another_runs_errors_stay_out(keyed_client, tenant, failed_run):
    other = build_run(tenant, "other", phases=PHASES)
    report(other, T0, "F2")
    journal_error(other, T0, "evt-other")
    assert keyed_client.get("/runs/failing/errors").json()["error_count"] == 3


@pytest.mark.parametrize("path", ["errors", "errors/summary"])
def test_constant_queries(keyed_client, tenant, path, django_assert_max_num_queries):
    few = build_run(tenant, "few", phases=PHASES)
    report(few, T0, "F1")
    journal_error(few, T0, "e0")
    many = build_run(tenant, "many", phases=PHASES)
    for i in range(20):
        report(many, T0 + timedelta(seconds=i), ("F1", "F2", None)[i % 3])
        journal_error(many, T0 + timedelta(seconds=i), f"e{i}", step=("F1", "summary")[i % 2])
    with CaptureQueriesContext(connection) as captured:
        keyed_client.get(f"/runs/few/{path}")
    with django_assert_max_num_queries(len(captured)):
        assert keyed_client.get(f"/runs/many/{path}").status_code == 200
