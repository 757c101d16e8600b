"""POST /runs/{run_id}/phases/{phase_id}/auditor_result: ids checked before the database, attempts
and tokens take the maximum, issues recorded, and each recommendation's effect on the phase."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from builds.models import AuditorResult, BuildRun, ErrorReport, IssueOccurrence, Phase
from builds.states import PhaseState
from runs.models import RunEvent
from tests.builds.factories import build_run
from tests.factories import TenantFactory, api_client, api_key_for, member

pytestmark = pytest.mark.django_db

URL = "/runs/build-1/phases/P1/auditor_result"


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


def _build(tenant, state=PhaseState.GATE):
    return build_run(tenant, phases=[("P1", "T1", state), ("P2", "T1", PhaseState.QUEUED)])


def _body(**fields):
    return {
        "phase_id": "P1",
        "run_id": "build-1",
        "review_notes": "looks fine",
        "recommendation": "approve",
        **fields,
    }


def _post(client, body, url=URL):
    return client.post(url, body, format="json")


def _phase() -> Phase:
    return Phase.objects.get(phase_id="P1")


def _decisions(build) -> list[dict]:
    return [e.payload for e in RunEvent.objects.filter(run=build.run).order_by("seq") if e.type == "decision"]


def test_approve_completes_a_phase_at_gate(client, tenant):
    build = _build(tenant)
    response = _post(client, _body())
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "message": "Auditor result submitted",
        "phase_id": "P1",
        "run_id": "build-1",
        "phase_state": "COMPLETE",
    }
    phase = _phase()
    assert phase.state == PhaseState.COMPLETE and phase.completed_at is not None
    assert phase.step.state == "succeeded"
    [decision] = _decisions(build)
    assert decision["title"] == "Auditor recommends approve for phase P1"
    assert decision["meta"]["step"] == "P1"
    row = AuditorResult.objects.get()
    assert (row.recommendation, row.review_notes, row.confidence) == ("approve", "looks fine", "medium")


def test_revise_queues_the_phase_again_in_a_new_revision(client, tenant):
    build = _build(tenant)
    response = _post(client, _body(recommendation="revise", review_notes="missing tests", confidence="high"))
    assert response.json()["phase_state"] == "QUEUED"
    phase = _phase()
    assert (phase.state, phase.revision_epoch) == (PhaseState.QUEUED, 1)
    [report] = ErrorReport.objects.all()
    assert (report.error_type, report.error_message, report.component) == (
        "auditor_rejected",
        "missing tests",
        "auditor",
    )
    assert report.context_data["revision_epoch"] == 1
    assert [d["title"] for d in _decisions(build)] == ["Auditor recommends revise for phase P1"]


def test_escalate_stays_at_gate_for_human_review(client, tenant):
    build = _build(tenant)
    response = _post(client, _body(recommendation="escalate"))
    assert response.json()["phase_state"] == "GATE"
    phase = _phase()
    assert (phase.state, phase.needs_human_review) == (PhaseState.GATE, True)
    assert len(_decisions(build)) == 1


@pytest.mark.parametrize("recommendation", ["approve", "revise"])
def test_approve_or_revise_of_a_queued_phase_is_409(client, tenant, recommendation):
    _build(tenant, state=PhaseState.QUEUED)
    response = _post(client, _body(recommendation=recommendation, tokens_used=10))
    assert response.status_code == 409
    assert "QUEUED" in response.json()["detail"]
    assert not AuditorResult.objects.exists()
    assert _phase().tokens_used == 0


def test_an_unknown_recommendation_is_422(client, tenant):
    _build(tenant)
    response = _post(client, _body(recommendation="ship-it"))
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert (detail["loc"], detail["type"]) == (["body", "recommendation"], "literal_error")


def test_attempts_and_tokens_take_the_maximum(client, tenant):
    build = _build(tenant)
    Phase.objects.filter(phase_id="P1").update(auditor_attempts=3, tokens_used=5000)
    assert (
        _post(client, _body(recommendation="escalate", auditor_attempts=1, tokens_used=500)).status_code
        == 200
    )
    assert (_phase().auditor_attempts, _phase().tokens_used) == (3, 5000)
    assert (
        _post(client, _body(recommendation="escalate", auditor_attempts=4, tokens_used=7000)).status_code
        == 200
    )
    assert (_phase().auditor_attempts, _phase().tokens_used) == (4, 7000)
    assert BuildRun.objects.get(pk=build.pk).tokens_used == 7000


def test_issues_found_are_recorded_as_the_auditors(client, tenant):
    _build(tenant)
    issues = [
        {"issue_key": "sql-injection", "severity": "major", "source": "builder", "category": "security"}
    ]
    patches = [
        {"description": "escape input", "patch_content": "--- a/x\n+++ b/x\n", "files_affected": ["x"]}
    ]
    response = _post(client, _body(recommendation="revise", issues_found=issues, suggested_patches=patches))
    assert response.status_code == 200
    [issue] = IssueOccurrence.objects.all()
    assert (issue.issue_key, issue.source, issue.severity) == ("sql-injection", "auditor", "major")
    assert _phase().major_issues_count == 1
    row = AuditorResult.objects.get()
    assert row.issues_found[0]["issue_key"] == "sql-injection"
    assert row.suggested_patches == patches


def test_the_origins_minimal_and_full_payloads_validate(client, tenant):
    _build(tenant)
    full = _body(
        recommendation="escalate",
        issues_found=[
            {
                "issue_key": "k",
                "severity": "minor",
                "category": "c",
                "evidence_refs": ["e"],
                "description": "d",
            }
        ],
        suggested_patches=[{"description": "p", "patch_content": "diff"}],
        auditor_attempts=2,
        tokens_used=100,
        confidence="high",
    )
    assert _post(client, full).status_code == 200


def test_the_executors_fallback_wrapper_is_422(client, tenant):
    _build(tenant)
    fallback = {"success": False, "output": "", "files_modified": [], "metadata": {}}
    response = _post(client, fallback)
    assert response.status_code == 422
    missing = {d["loc"][-1] for d in response.json()["detail"] if d["type"] == "missing"}
    assert missing == {"phase_id", "run_id", "review_notes", "recommendation"}


@pytest.mark.parametrize("fields", [{"run_id": "different-run"}, {"phase_id": "P2"}])
def test_path_and_body_must_match_before_the_database(client, fields):
    response = _post(client, _body(**fields))  # no run exists at all: the 400 comes first
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Path parameters (run_id, phase_id) must match AuditorResult payload"
    }


def test_an_unknown_phase_is_404(client, tenant):
    _build(tenant)
    response = _post(client, _body(phase_id="NOPE"), url="/runs/build-1/phases/NOPE/auditor_result")
    assert response.status_code == 404
    assert response.json() == {"detail": "Phase NOPE not found in run build-1"}


def test_another_tenants_run_is_the_same_404(tenant):
    _build(tenant)
    outsider = api_client(tenant=TenantFactory(), role="admin")
    response = _post(outsider, _body())
    assert response.status_code == 404
    assert response.json() == {"detail": "Phase P1 not found in run build-1"}
    assert _phase().state == PhaseState.GATE


def test_a_viewer_key_is_403(tenant):
    _build(tenant)
    viewer = APIClient()
    viewer.credentials(HTTP_X_API_KEY=api_key_for(member(tenant=tenant, role="viewer"), tenant)[0])
    assert _post(viewer, _body()).status_code == 403
    assert _phase().state == PhaseState.GATE


@pytest.mark.parametrize(
    "fields",
    [{"tokens_used": 2**63}, {"auditor_attempts": -1}, {"confidence": "x" * 41}, {"review_notes": None}],
)
def test_what_no_column_can_hold_is_422(client, tenant, fields):
    _build(tenant)
    assert _post(client, _body(**fields)).status_code == 422


def test_nul_in_review_notes_is_422(client, tenant):
    _build(tenant)
    raw = '{"phase_id":"P1","run_id":"build-1","review_notes":"a\\u0000b","recommendation":"approve"}'
    assert client.post(URL, raw, content_type="application/json").status_code == 422
    assert _phase().state == PhaseState.GATE


def test_approving_the_last_open_phase_ends_the_run(client, tenant):
    build = build_run(tenant, phases=[("P1", "T1", PhaseState.GATE), ("P2", "T1", PhaseState.COMPLETE)])
    assert _post(client, _body()).status_code == 200
    build.refresh_from_db()
    assert build.state == "DONE_SUCCESS" and build.completed_at is not None
    types = [e.type for e in RunEvent.objects.filter(run=build.run).order_by("seq")]
    assert types[-1] == "summary"
