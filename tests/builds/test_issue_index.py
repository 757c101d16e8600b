"""GET /runs/{run_id}/issues/index and GET /project/issues/backlog, folded from IssueOccurrence rows:
the origin's fields, its needs_cleanup rule on distinct runs and tiers, ordering and paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from builds.models import BuildRun, IssueOccurrence, Phase
from builds.states import PhaseState
from tests.builds.factories import build_run
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

P = PhaseState
TWO_TIERS = (("T1", "Foundation"), ("T2", "Features"))
THREE_PHASES = (("F1.1", "T1", P.COMPLETE), ("F1.2", "T1", P.EXECUTING), ("F2.1", "T2", P.QUEUED))


def z(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def occur(build: BuildRun, phase_id: str, key: str, severity: str = "minor", **fields) -> IssueOccurrence:
    phase = Phase.objects.select_related("tier").get(build=build, phase_id=phase_id)
    return IssueOccurrence.objects.create(
        tenant=build.tenant,
        build=build,
        phase=phase,
        tier=phase.tier,
        issue_key=key,
        severity=severity,
        source=fields.pop("source", "test"),
        category=fields.pop("category", "test_failure"),
        **fields,
    )


def a_run(tenant, run_id: str) -> BuildRun:
    return build_run(tenant, run_id, tiers=TWO_TIERS, phases=THREE_PHASES)


# -- the run's index --------------------------------------------------------------------------------


def test_an_unknown_or_foreign_run_is_404(keyed_client):
    a_run(TenantFactory(), "theirs")
    for run_id in ("nope", "theirs"):
        response = keyed_client.get(f"/runs/{run_id}/issues/index")
        assert (response.status_code, response.json()) == (404, {"detail": f"Run {run_id} not found"})


def test_a_run_without_issues(keyed_client, tenant):
    a_run(tenant, "clean")
    assert keyed_client.get("/runs/clean/issues/index").json() == {"run_id": "clean", "issues_by_key": {}}


def test_the_index_by_issue_key(keyed_client, tenant):
    build = a_run(tenant, "run-1")
    occur(build, "F1.1", "flaky_test", evidence_refs=["log:1"])
    occur(build, "F1.2", "missing_docs", category="docs")
    occur(build, "F2.1", "flaky_test", severity="major", evidence_refs=["log:2", "log:1"])
    occur(build, "F1.1", "flaky_test")
    assert keyed_client.get("/runs/run-1/issues/index").json() == {
        "run_id": "run-1",
        "issues_by_key": {
            "flaky_test": {
                "category": "test_failure",
                "severity": "minor",
                "effective_severity": "major",
                "first_phase_index": 0,
                "last_phase_index": 0,
                "occurrence_count": 3,
                "seen_in_tiers": ["T1", "T2"],
                "seen_in_phases": ["F1.1", "F2.1"],
                "evidence_refs": ["log:1", "log:2"],
            },
            "missing_docs": {
                "category": "docs",
                "severity": "minor",
                "effective_severity": "minor",
                "first_phase_index": 1,
                "last_phase_index": 1,
                "occurrence_count": 1,
                "seen_in_tiers": ["T1"],
                "seen_in_phases": ["F1.2"],
                "evidence_refs": [],
            },
        },
    }


def test_another_runs_issues_stay_out_of_the_index(keyed_client, tenant):
    occur(a_run(tenant, "run-1"), "F1.1", "mine")
    occur(a_run(tenant, "run-2"), "F1.1", "other")
    assert list(keyed_client.get("/runs/run-1/issues/index").json()["issues_by_key"]) == ["mine"]


def test_the_index_in_constant_queries(keyed_client, tenant, django_assert_max_num_queries):
    occur(a_run(tenant, "few"), "F1.1", "one")
    many = a_run(tenant, "many")
    for i in range(30):
        occur(many, ("F1.1", "F1.2", "F2.1")[i % 3], f"key-{i % 10}")
    with CaptureQueriesContext(connection) as captured:
        keyed_client.get("/runs/few/issues/index")
    with django_assert_max_num_queries(len(captured)):
        assert len(keyed_client.get("/runs/many/issues/index").json()["issues_by_key"]) == 10


# -- the tenant's backlog ------------------------------------------------------------------------------


def backlog(client, query: str = "") -> dict:
    response = client.get(f"/project/issues/backlog{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_empty_backlog(keyed_client, tenant):
    assert backlog(keyed_client) == {
        "project_id": tenant.slug,
        "issues_by_key": {},
        "issue_keys": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }


def test_an_entry_exactly(keyed_client, tenant):
    first_run, second_run = a_run(tenant, "run-a"), a_run(tenant, "run-b")
    first = occur(first_run, "F1.1", "slow_query", category="performance")
    occur(first_run, "F2.1", "slow_query", severity="major")
    last = occur(second_run, "F1.2", "slow_query")
    body = backlog(keyed_client)
    assert body["issues_by_key"] == {
        "slow_query": {
            "category": "performance",
            "base_severity": "minor",
            "age_in_runs": 2,
            "age_in_tiers": 3,
            "occurrence_count": 3,
            "first_seen_run_id": "run-a",
            "first_seen_at": z(first.created_at),
            "last_seen_run_id": "run-b",
            "last_seen_at": z(last.created_at),
            "seen_in_tiers": ["T1", "T2"],
            "status": "needs_cleanup",
        }
    }
    assert (body["issue_keys"], body["total"]) == (["slow_query"], 1)


@pytest.mark.parametrize(
    ("severity", "places", "status"),
    [
        ("minor", [("r1", "F1.1")], "open"),
        ("minor", [("r1", "F1.1"), ("r1", "F1.1"), ("r1", "F1.2")], "open"),  # one run, one tier
        ("minor", [("r1", "F1.1"), ("r1", "F2.1")], "needs_cleanup"),  # two tiers
        ("minor", [("r1", "F1.1"), ("r2", "F1.1")], "needs_cleanup"),  # two tiers (of two runs)
        ("major", [("r1", "F1.1"), ("r1", "F2.1"), ("r2", "F1.1"), ("r3", "F1.1")], "open"),
        ("high", [("r1", "F1.1"), ("r2", "F1.1"), ("r3", "F1.1")], "open"),
    ],
)
def test_needs_cleanup_counts_distinct_runs_and_tiers(keyed_client, tenant, severity, places, status):
    runs = {run_id: a_run(tenant, run_id) for run_id in {run_id for run_id, _ in places}}
    for run_id, phase_id in places:
        occur(runs[run_id], phase_id, "the-issue", severity=severity)
    entry = backlog(keyed_client)["issues_by_key"]["the-issue"]
    assert (entry["age_in_runs"], entry["occurrence_count"], entry["status"]) == (
        len(runs),
        len(places),
        status,
    )


def test_three_runs_of_one_tier_each_need_cleanup(keyed_client, tenant):
    """The run rule on its own: every run reports it in its T1 only (3 runs, 3 tiers)."""
    for run_id in ("r1", "r2", "r3"):
        occur(a_run(tenant, run_id), "F1.1", "lingering")
    entry = backlog(keyed_client)["issues_by_key"]["lingering"]
    assert (entry["age_in_runs"], entry["age_in_tiers"], entry["status"]) == (3, 3, "needs_cleanup")


def test_ordered_by_severity_then_recency(keyed_client, tenant):
    build = a_run(tenant, "r1")
    occur(build, "F1.1", "old-major", severity="major")
    occur(build, "F1.1", "old-minor")
    occur(build, "F1.1", "other-word", severity="high")
    occur(build, "F1.1", "new-minor")
    occur(build, "F1.1", "new-major", severity="major")
    occur(build, "F1.2", "old-minor")  # seen again: now the most recent minor
    assert backlog(keyed_client)["issue_keys"] == [
        "new-major",
        "old-major",
        "old-minor",
        "new-minor",
        "other-word",
    ]


def test_base_severity_is_the_first_reports(keyed_client, tenant):
    build = a_run(tenant, "r1")
    occur(build, "F1.1", "escalating", severity="minor")
    occur(build, "F1.2", "escalating", severity="major")
    assert backlog(keyed_client)["issues_by_key"]["escalating"]["base_severity"] == "minor"


@pytest.mark.parametrize(
    ("query", "keys", "limit", "offset"),
    [
        ("?limit=2", ["k4", "k3"], 2, 0),
        ("?limit=2&offset=2", ["k2", "k1"], 2, 2),
        ("?limit=2&offset=4", ["k0"], 2, 4),
        ("?limit=0", ["k4"], 1, 0),
        ("?limit=500&offset=-1", ["k4", "k3", "k2", "k1", "k0"], 100, 0),
    ],
)
def test_paged_like_the_runs_list(keyed_client, tenant, query, keys, limit, offset):
    build = a_run(tenant, "r1")
    for i in range(5):
        occur(build, "F1.1", f"k{i}")
    body = backlog(keyed_client, query)
    assert (body["issue_keys"], list(body["issues_by_key"]), body["total"]) == (keys, keys, 5)
    assert (body["limit"], body["offset"]) == (limit, offset)


def test_a_non_integer_limit_is_422(keyed_client):
    response = keyed_client.get("/project/issues/backlog?offset=soon")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "offset"]


def test_another_tenants_issues_stay_out(keyed_client, tenant):
    occur(a_run(tenant, "r1"), "F1.1", "mine")
    occur(a_run(TenantFactory(), "r1"), "F1.1", "theirs")
    assert backlog(keyed_client)["issue_keys"] == ["mine"]


def test_last_seen_follows_the_latest_report(keyed_client, tenant):
    build, later = a_run(tenant, "r1"), a_run(tenant, "r2")
    occur(build, "F1.1", "k")
    latest = occur(later, "F2.1", "k")
    IssueOccurrence.objects.filter(pk=latest.pk).update(created_at=timezone.now() + timedelta(minutes=5))
    entry = backlog(keyed_client)["issues_by_key"]["k"]
    assert (entry["first_seen_run_id"], entry["last_seen_run_id"]) == ("r1", "r2")
    assert entry["last_seen_at"] == z(IssueOccurrence.objects.get(pk=latest.pk).created_at)


def test_the_backlog_in_constant_queries(keyed_client, tenant, django_assert_max_num_queries):
    builds = [a_run(tenant, f"r{i}") for i in range(3)]
    for i in range(60):
        occur(builds[i % 3], ("F1.1", "F2.1")[i % 2], f"key-{i % 50:02d}", severity=("minor", "major")[i % 2])
    with CaptureQueriesContext(connection) as captured:
        assert len(backlog(keyed_client, "?limit=5")["issue_keys"]) == 5
    with django_assert_max_num_queries(len(captured)):
        assert len(backlog(keyed_client, "?limit=50")["issue_keys"]) == 50
