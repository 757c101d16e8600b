"""POST /runs/{run_id}/phases/{phase_id}/builder_result: the origin's boundary cases, patches
parsed and kept (or refused with the phase FAILED, committed), probes and failures reported, the
phase moved to GATE, the journal told."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from builds.artifacts import artifact_storage, run_folder
from builds.models import Artifact, BuilderResult, BuildRun, ErrorReport, IssueOccurrence, Phase
from builds.states import PhaseState
from runs.journal.verify import journal_verify
from runs.models import Run, RunEvent
from tests.builds.factories import build_run
from tests.factories import TenantFactory, api_client, api_key_for, member

pytestmark = pytest.mark.django_db

PATCH = "--- a/src/app.py\n+++ b/src/app.py\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n"
URL = "/runs/build-1/phases/P1/builder_result"


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }


@pytest.fixture
def tenant():
    return TenantFactory()


@pytest.fixture
def client(tenant):
    return api_client(tenant=tenant, role="admin")


@pytest.fixture
def build(tenant):
    return build_run(
        tenant,
        phases=[("P1", "T1", PhaseState.EXECUTING), ("P2", "T1", PhaseState.QUEUED)],
    )


def _phase(phase_id="P1") -> Phase:
    return Phase.objects.get(phase_id=phase_id)


def _body(**fields):
    return {"phase_id": "P1", "run_id": "build-1", "status": "success", **fields}


def _canonical(**fields):
    canonical = {
        "run_type": "project_build",
        "allowed_paths": ["src/"],
        "patch_content": PATCH,
        "files_changed": ["src/app.py"],
        "lines_added": 1,
        "lines_removed": 1,
        "builder_attempts": 2,
        "tokens_used": 1500,
        "duration_minutes": 2.5,
        "probe_results": [],
        "suggested_issues": [],
        "notes": "done",
    }
    return _body(**{**canonical, **fields})


def _post(client, body, url=URL):
    return client.post(url, body, format="json")


def _messages(response) -> str:
    return " ".join(f"{d['loc']} {d['type']} {d['msg']}" for d in response.json()["detail"])


# -- the origin's boundary cases ------------------------------------------------------------------


def test_canonical_payload_is_accepted_and_moves_the_phase_to_gate(client, build):
    response = _post(client, _canonical())
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "message": "Builder result submitted successfully",
        "phase_id": "P1",
        "run_id": "build-1",
        "phase_state": "GATE",
    }
    phase = _phase()
    assert (phase.state, phase.builder_attempts, phase.tokens_used) == ("GATE", 2, 1500)
    assert phase.step.state == "waiting"
    assert BuildRun.objects.get().tokens_used == 1500
    [row] = BuilderResult.objects.all()
    assert (row.status, row.files_changed, row.duration_minutes, row.notes) == (
        "success",
        ["src/app.py"],
        2.5,
        "done",
    )


def test_minimal_payload_is_accepted(client, build):
    response = _post(client, _body())
    assert response.status_code == 200, response.json()
    assert response.json()["phase_state"] == "GATE"
    phase = _phase()
    assert (phase.builder_attempts, phase.tokens_used) == (1, 0)


def test_legacy_extra_fields_are_422_naming_extra(client, build):
    legacy = _body(status="SUCCESS", success=True, output="ok", files_modified=["a.py"], metadata={"k": "v"})
    response = _post(client, legacy)
    assert response.status_code == 422
    assert "extra" in _messages(response)
    assert {tuple(d["loc"]) for d in response.json()["detail"]} == {
        ("body", "success"),
        ("body", "output"),
        ("body", "files_modified"),
        ("body", "metadata"),
    }
    assert not BuilderResult.objects.exists()


def test_missing_status_is_422_naming_status(client, build):
    body = _body()
    del body["status"]
    response = _post(client, body)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "status"], "msg": "Field required"}
    ]


def test_tokens_used_not_a_number_is_422_naming_it(client, build):
    response = _post(client, _body(tokens_used="not-a-number"))
    assert response.status_code == 422
    assert "tokens_used" in _messages(response)


@pytest.mark.parametrize(
    "fields",
    [
        {"tokens_used": 10**30},
        {"builder_attempts": 2**31},
        {"lines_added": -1},
        {"status": "x" * 41},
        {"probe_results": [{"probe_type": "pytest", "exit_code": 10**20}]},
        {"suggested_issues": [{"issue_key": "k" * 201, "severity": "minor", "category": "c"}]},
        {"phase_id": ""},
    ],
)
def test_what_no_column_can_hold_is_422_not_500(client, build, fields):
    response = _post(client, _body(**fields))
    assert response.status_code == 422, response.json()
    assert _phase().state == PhaseState.EXECUTING


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"phase_id":"P1","run_id":"build-1","status":"ok\\u0000"}', 422),
        ('{"phase_id":"P1","run_id":"build-1","status":"success","duration_minutes":1e400}', 422),
        ('["not", "an", "object"]', 422),
        ('"x"', 422),
        ("{", 422),  # FastAPI answers malformed JSON with a 422 too
    ],
)
def test_nul_characters_infinity_and_non_objects_are_client_errors(client, build, raw, status):
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code == status, response.content
    assert not BuilderResult.objects.exists()


# -- ids, tenants, keys ---------------------------------------------------------------------------


@pytest.mark.parametrize("fields", [{"run_id": "other-run"}, {"phase_id": "P2"}])
def test_path_and_body_must_name_the_same_phase(client, build, fields):
    response = _post(client, _body(**fields))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Path parameters (run_id, phase_id) must match BuilderResult payload"
    }


def test_an_unknown_phase_is_404(client, build):
    response = _post(client, _body(phase_id="NOPE"), url="/runs/build-1/phases/NOPE/builder_result")
    assert response.status_code == 404
    assert response.json() == {"detail": "Phase NOPE not found in run build-1"}


def test_another_tenants_run_is_the_same_404(build):
    outsider = api_client(tenant=TenantFactory(), role="admin")
    foreign = _post(outsider, _canonical())
    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "Phase P1 not found in run build-1"}
    assert _phase().state == PhaseState.EXECUTING
    assert not BuilderResult.objects.exists()


def test_a_viewer_key_is_403(tenant, build):
    viewer = APIClient()
    viewer.credentials(HTTP_X_API_KEY=api_key_for(member(tenant=tenant, role="viewer"), tenant)[0])
    response = _post(viewer, _canonical())
    assert response.status_code == 403
    assert not BuilderResult.objects.exists()


def test_anonymous_is_401(build):
    assert _post(APIClient(), _canonical()).status_code == 401


# -- patches --------------------------------------------------------------------------------------


def test_the_patch_is_kept_as_numbered_artifacts(client, build):
    assert _post(client, _canonical()).status_code == 200
    second = PATCH.replace("+new", "+newer")
    assert _post(client, _canonical(patch_content=second)).status_code == 200
    paths = list(Artifact.objects.filter(path__contains="patch_").values_list("path", "sha256", "size_bytes"))
    assert paths == [
        ("phases/P1/patch_01.diff", hashlib.sha256(PATCH.encode()).hexdigest(), len(PATCH)),
        ("phases/P1/patch_02.diff", hashlib.sha256(second.encode()).hexdigest(), len(second)),
    ]
    with artifact_storage().open(f"{run_folder(build.run)}/phases/P1/patch_02.diff") as handle:
        assert handle.read() == second.encode()
    assert list(BuilderResult.objects.values_list("patch_path", flat=True)) == [
        "phases/P1/patch_01.diff",
        "phases/P1/patch_02.diff",
    ]


def test_a_phase_id_unsafe_as_a_folder_stays_inside_the_run(client, tenant):
    build = build_run(tenant, phases=[("..", "T1", PhaseState.EXECUTING)])
    url = "/runs/build-1/phases/%2E%2E/builder_result"
    response = _post(client, _body(phase_id="..", patch_content=PATCH), url=url)
    assert response.status_code == 200, response.json()
    [artifact] = Artifact.objects.filter(path__contains="patch_")
    assert artifact.path == "phases/_/patch_01.diff"
    assert artifact_storage().exists(f"{run_folder(build.run)}/{artifact.path}")


@pytest.mark.parametrize(
    ("patch", "allowed", "expected"),
    [
        ("this is not a diff\n", [], "not a valid unified diff"),
        ("--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n-b\n", [], "not a valid unified diff"),
        (PATCH.replace("src/app.py", "docs/readme.md"), ["src"], "outside allowed_paths: docs/readme.md"),
        (PATCH.replace("src/app.py", "src/../secrets.txt"), ["src"], "outside allowed_paths: secrets.txt"),
        (PATCH.replace("src/app.py", "../etc/passwd"), [], "outside the workspace"),
    ],
)
def test_a_refused_patch_is_422_and_the_phase_failed(client, build, patch, allowed, expected):
    response = _post(
        client,
        _canonical(
            patch_content=patch,
            allowed_paths=allowed,
            suggested_issues=[{"issue_key": "flaky", "severity": "minor", "category": "test"}],
        ),
    )
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["body", "patch_content"]
    assert expected in detail["msg"]
    phase = _phase()  # re-read: the failure's transaction was committed before the 422, not rolled back
    assert phase.state == PhaseState.FAILED
    assert phase.step.state == "failed"
    assert expected in phase.last_failure_reason
    assert (phase.builder_attempts, phase.tokens_used) == (2, 1500)
    assert IssueOccurrence.objects.filter(phase=phase, issue_key="flaky").exists()
    types = set(ErrorReport.objects.filter(phase=phase).values_list("error_type", flat=True))
    assert types & {"patch_invalid", "patch_outside_allowed_paths"}
    assert not Artifact.objects.filter(path__contains="patch_").exists()
    assert BuilderResult.objects.get().patch_path == ""


def test_an_empty_patch_is_no_patch(client, build):
    response = _post(client, _body(patch_content=""))
    assert response.status_code == 200
    assert not Artifact.objects.filter(path__contains="patch_").exists()


# -- status, probes, issues -----------------------------------------------------------------------


def test_failed_probes_become_error_reports(client, build):
    probes = [
        {"probe_type": "pytest", "exit_code": 1, "stdout": "1 failed", "stderr": "", "duration_seconds": 5.2},
        {"probe_type": "lint", "exit_code": 0},
    ]
    assert _post(client, _body(probe_results=probes, status="partial")).status_code == 200
    [report] = ErrorReport.objects.all()
    assert (report.error_type, report.component) == ("probe_failed", "builder")
    assert report.context_data["probe_type"] == "pytest"
    assert report.context_data["stdout"] == "1 failed"
    assert _phase().state == PhaseState.EXECUTING  # neither success nor failed: no move
    assert len(BuilderResult.objects.get().probe_results) == 2


def test_status_failed_is_an_error_report_and_keeps_the_state(client, build):
    response = _post(client, _body(status="failed", notes="compile error"))
    assert response.status_code == 200
    assert response.json()["phase_state"] == "EXECUTING"
    [report] = ErrorReport.objects.all()
    assert (report.error_type, report.error_message) == ("builder_failed", "compile error")


def test_suggested_issues_are_recorded(client, build):
    issues = [
        {
            "issue_key": "missing-tests",
            "severity": "major",
            "category": "quality",
            "evidence_refs": ["log:1"],
        },
        {"issue_key": "style", "severity": "minor", "source": "linter", "category": "style"},
    ]
    assert _post(client, _body(suggested_issues=issues)).status_code == 200
    rows = list(IssueOccurrence.objects.order_by("id").values_list("issue_key", "source", "evidence_refs"))
    assert rows == [("missing-tests", "cursor_self_doubt", ["log:1"]), ("style", "linter", [])]
    phase = _phase()
    assert (phase.minor_issues_count, phase.major_issues_count, phase.issue_state) == (
        1,
        1,
        "has_major_issues",
    )
    assert BuildRun.objects.get().major_issues_count == 1


def test_success_from_queued_goes_through_executing(client, build):
    response = _post(client, _body(phase_id="P2"), url="/runs/build-1/phases/P2/builder_result")
    assert response.json()["phase_state"] == "GATE"
    titles = list(
        RunEvent.objects.filter(payload__meta__step="P2")
        .order_by("seq")
        .values_list("payload__title", flat=True)
    )
    assert titles == [
        "Builder result for phase P2: success",
        "Phase P2: QUEUED -> EXECUTING",
        "Phase P2: EXECUTING -> GATE",
    ]


def test_success_at_gate_stays_at_gate(client, tenant):
    build_run(tenant, phases=[("P1", "T1", PhaseState.GATE)])
    response = _post(client, _body())
    assert response.status_code == 200
    assert response.json()["phase_state"] == "GATE"


def test_success_on_an_ended_phase_is_409_and_keeps_nothing(client, tenant):
    build_run(tenant, phases=[("P1", "T1", PhaseState.COMPLETE), ("P2", "T1", PhaseState.QUEUED)])
    response = _post(client, _body(tokens_used=99))
    assert response.status_code == 409
    assert "COMPLETE" in response.json()["detail"] and "GATE" in response.json()["detail"]
    assert _phase().tokens_used == 0
    assert not BuilderResult.objects.exists()


# -- the journal ----------------------------------------------------------------------------------


def test_each_result_is_a_journal_event_of_the_phase(client, build):
    assert _post(client, _canonical()).status_code == 200
    events = list(RunEvent.objects.filter(run=build.run).order_by("seq"))
    [result] = [e for e in events if e.payload["title"].startswith("Builder result")]
    assert result.payload["type"] == "observation"
    assert result.payload["meta"] == {"workflow": "build", "step": "P1"}
    assert result.payload["evidence"] == [
        {"kind": "diff", "label": "patch", "ref": "phases/P1/patch_01.diff"}
    ]
    assert "tokens: 1500" in result.payload["details"]
    assert any(e.payload["title"] == "Phase P1: EXECUTING -> GATE" for e in events)


def test_a_refused_patch_is_journaled_with_the_phases_failure(client, build):
    _post(client, _body(patch_content="not a diff"))
    titles = list(
        RunEvent.objects.filter(run=build.run).order_by("seq").values_list("payload__title", flat=True)
    )
    assert titles == ["Builder result for phase P1: success", "Phase P1: EXECUTING -> FAILED"]


# -- concurrency (PostgreSQL: SQLite serialises writers) ------------------------------------------

RACERS = 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_results_on_one_phase_serialise():
    tenant = TenantFactory()
    build = build_run(tenant, phases=[("P1", "T1", PhaseState.EXECUTING), ("P2", "T1", PhaseState.QUEUED)])
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant)
    barrier = threading.Barrier(RACERS)

    def submit(n):
        try:
            client = APIClient()
            client.credentials(HTTP_X_API_KEY=raw)
            barrier.wait()
            return _post(
                client, _body(patch_content=PATCH.replace("+new", f"+new{n}"), tokens_used=n)
            ).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = list(pool.map(submit, range(RACERS)))
    assert statuses == [200] * RACERS
    paths = sorted(BuilderResult.objects.values_list("patch_path", flat=True))
    assert paths == [f"phases/P1/patch_{n:02d}.diff" for n in range(1, RACERS + 1)]
    assert Phase.objects.get(phase_id="P1").state == PhaseState.GATE
    seqs = list(RunEvent.objects.filter(run=build.run).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert journal_verify(Run.objects.get(pk=build.run.pk))["ok"] is True
