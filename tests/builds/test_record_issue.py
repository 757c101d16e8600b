"""POST /runs/{run_id}/phases/{phase_id}/record_issue: the origin's query parameters and optional
JSON list body; the phase's, tier's and run's counts; the answer folded from the issue rows."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from builds.api.operator_api.outputs import IssueRecordedResponse
from builds.models import BuildRun, IssueOccurrence, Phase, Tier
from tests.builds.test_start import sample_run_request, start
from tests.factories import api_client

pytestmark = pytest.mark.django_db


def record(client, evidence=None, *, phase_id="F1.1", run_id="test-run-001", **params):
    query = {"issue_key": "k1", "severity": "minor", "source": "test", "category": "lint", **params}
    url = f"/runs/{run_id}/phases/{phase_id}/record_issue?{urlencode(query)}"
    if evidence is None:
        return client.post(url)
    return client.post(url, evidence, format="json")


@pytest.fixture
def started(keyed_client):
    assert start(keyed_client).status_code == 201
    return keyed_client


def counts(model, **lookup):
    row = model.objects.get(**lookup)
    return row.minor_issues_count, row.major_issues_count


def test_the_answer_is_the_phase_file_the_index_entry_and_the_backlog_entry(started):
    response = record(started, ["logs/lint.txt"], task_category="schema_change", complexity="medium")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["message"] == "Issue k1 recorded"
    assert body["phase_file"] == {
        "phase_id": "F1.1",
        "tier_id": "T1",
        "issues": [
            {
                "issue_key": "k1",
                "severity": "minor",
                "effective_severity": "minor",
                "source": "test",
                "category": "lint",
                "task_category": "schema_change",
                "complexity": "medium",
                "expected_fail": False,
                "occurrence_count": 1,
                "first_seen_run": "test-run-001",
                "last_seen_run": "test-run-001",
                "evidence_refs": ["logs/lint.txt"],
            }
        ],
        "minor_issue_count": 1,
        "major_issue_count": 0,
        "issue_state": "has_minor_issues",
    }
    assert body["run_index_entry"] == {
        "category": "lint",
        "severity": "minor",
        "effective_severity": "minor",
        "first_phase_index": 0,
        "last_phase_index": 0,
        "occurrence_count": 1,
        "seen_in_tiers": ["T1"],
        "seen_in_phases": ["F1.1"],
        "evidence_refs": ["logs/lint.txt"],
    }
    backlog = body["project_backlog_entry"]
    assert {k: v for k, v in backlog.items() if not k.endswith("_at")} == {
        "category": "lint",
        "base_severity": "minor",
        "age_in_runs": 1,
        "age_in_tiers": 1,
        "occurrence_count": 1,
        "first_seen_run_id": "test-run-001",
        "last_seen_run_id": "test-run-001",
        "seen_in_tiers": ["T1"],
        "status": "open",
    }
    assert backlog["first_seen_at"] == backlog["last_seen_at"] and backlog["last_seen_at"].endswith("Z")
    assert IssueRecordedResponse.model_validate(body).model_dump(mode="json").keys() == body.keys()


def test_counts_of_phase_tier_and_run(started):
    record(started, issue_key="k1", severity="minor")
    record(started, issue_key="k2", severity="major")
    record(started, issue_key="k1", severity="minor")  # the same key again counts once
    record(started, issue_key="k3", severity="medium")  # neither minor nor major: not counted
    record(started, phase_id="F2.1", issue_key="k4", severity="minor")
    phase = Phase.objects.get(phase_id="F1.1")
    assert (phase.minor_issues_count, phase.major_issues_count, phase.issue_state) == (
        1,
        1,
        "has_major_issues",
    )
    assert Phase.objects.get(phase_id="F2.1").issue_state == "has_minor_issues"
    assert counts(Tier, tier_id="T1") == (1, 1)
    assert counts(Tier, tier_id="T2") == (1, 0)
    assert counts(BuildRun) == (2, 1)
    run = started.get("/runs/test-run-001").json()
    assert (run["minor_issues_count"], run["major_issues_count"]) == (2, 1)
    assert [(t["minor_issues_count"], t["major_issues_count"]) for t in run["tiers"]] == [(1, 1), (1, 0)]
    assert IssueOccurrence.objects.count() == 5


def test_a_key_reported_worse_counts_as_its_worst(started):
    record(started, issue_key="k1", severity="minor")
    body = record(started, issue_key="k1", severity="major").json()
    issue = body["phase_file"]["issues"][0]
    assert (issue["severity"], issue["effective_severity"], issue["occurrence_count"]) == (
        "minor",
        "major",
        2,
    )
    assert (body["phase_file"]["minor_issue_count"], body["phase_file"]["major_issue_count"]) == (0, 1)
    assert counts(Phase, phase_id="F1.1") == (0, 1)


def test_evidence_is_the_optional_json_list_body(started):
    assert record(started).json()["phase_file"]["issues"][0]["evidence_refs"] == []
    body = record(started, ["a.log", "b.log"]).json()
    assert body["phase_file"]["issues"][0]["evidence_refs"] == ["a.log", "b.log"]
    assert record(started, []).status_code == 200


def test_evidence_in_the_query_string_is_not_read(started):
    response = started.post(
        "/runs/test-run-001/phases/F1.1/record_issue?"
        + urlencode(
            {"issue_key": "k1", "severity": "minor", "source": "test", "category": "c", "evidence_refs": "x"}
        )
    )
    assert response.status_code == 200
    assert IssueOccurrence.objects.get().evidence_refs == []


def test_the_backlog_entry_ages_across_runs_and_tiers(started):
    start(started, sample_run_request("test-run-002"))
    record(started, issue_key="shared", phase_id="F1.1")
    record(started, issue_key="shared", phase_id="F1.1")  # the same tier again: no older
    entry = record(started, issue_key="shared", run_id="test-run-002").json()["project_backlog_entry"]
    assert (entry["age_in_runs"], entry["age_in_tiers"], entry["occurrence_count"]) == (2, 2, 3)
    assert (entry["first_seen_run_id"], entry["last_seen_run_id"]) == ("test-run-001", "test-run-002")
    assert entry["status"] == "needs_cleanup"  # minor, seen in 2 tiers
    assert entry["seen_in_tiers"] == ["T1"]


def test_the_backlog_is_the_tenants_own(started):
    other = api_client()
    start(other)
    record(other, issue_key="k1")
    entry = record(started, issue_key="k1").json()["project_backlog_entry"]
    assert (entry["age_in_runs"], entry["occurrence_count"]) == (1, 1)


def test_an_unknown_phase_or_run_is_404(started):
    response = record(started, phase_id="NOPE")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Phase NOPE not found in run test-run-001"},
    )
    response = record(started, run_id="nope")
    assert (response.status_code, response.json()) == (404, {"detail": "Phase F1.1 not found in run nope"})
    assert not IssueOccurrence.objects.exists()


def test_another_tenants_phase_is_404(started):
    response = record(api_client())
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "Phase F1.1 not found in run test-run-001"},
    )
    assert not IssueOccurrence.objects.exists()


def test_a_viewer_is_403(started, tenant):
    response = record(api_client(tenant=tenant, role="viewer"))
    assert (response.status_code, response.json()) == (403, {"detail": "Missing scope: runs:report"})


def test_an_ended_run_records_no_more_issues(started):
    for phase_id in ("F1.1", "F2.1"):
        started.post(
            f"/runs/test-run-001/phases/{phase_id}/update_status", {"state": "SKIPPED"}, format="json"
        )
    response = record(started)
    assert (response.status_code, response.json()) == (409, {"detail": "Run test-run-001 has ended"})


def test_missing_query_parameters_are_422(started):
    response = started.post("/runs/test-run-001/phases/F1.1/record_issue?issue_key=k1&severity=minor")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"type": "missing", "loc": ["query", "source"], "msg": "Field required"},
            {"type": "missing", "loc": ["query", "category"], "msg": "Field required"},
        ]
    }


@pytest.mark.parametrize(
    ("evidence", "loc", "type_"),
    [
        ({"evidence_refs": ["a"]}, ["body"], "list_type"),
        ([1, "a"], ["body", 0], "string_type"),
        ("a.log", ["body"], "list_type"),
        (["a\x00b"], ["body", 0], "string_nul"),
    ],
)
def test_a_body_that_is_no_list_of_strings_is_422(started, evidence, loc, type_):
    response = record(started, evidence)
    assert response.status_code == 422
    assert [(d["loc"], d["type"]) for d in response.json()["detail"]] == [(loc, type_)]
    assert not IssueOccurrence.objects.exists()


def test_a_nul_in_a_query_parameter_is_refused(started):
    response = started.post(
        "/runs/test-run-001/phases/F1.1/record_issue?issue_key=k%001&severity=minor&source=t&category=c"
    )
    assert (response.status_code, response.json()) == (
        422,
        {
            "detail": [
                {
                    "type": "string_nul",
                    "loc": ["body", "issue_key"],
                    "msg": "text must not contain NUL characters",
                }
            ]
        },
    )
    assert not IssueOccurrence.objects.exists()


def test_a_repeated_query_parameter_is_refused(started):
    response = started.post(
        "/runs/test-run-001/phases/F1.1/record_issue?issue_key=a&issue_key=b&severity=minor&source=t&category=c"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "repeated_parameter"
    assert not IssueOccurrence.objects.exists()
