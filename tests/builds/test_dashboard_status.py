"""GET /dashboard/runs/{run_id}/status: every DashboardRunStatus field from the rows (the origin's
tests/api/test_dashboard_router_contract.py, plus the fields it leaves at their defaults)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from builds.models import Phase, Tier
from builds.states import BuildRunState, PhaseState, TierState
from tests.builds.factories import build_run
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

P = PhaseState


def status(client, run_id: str) -> dict:
    response = client.get(f"/dashboard/runs/{run_id}/status")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def three_tiers(tenant):
    """T1 done; T2 under way (F2.1 complete, F2.2 failed, F2.3 queued); T3 untouched."""
    build = build_run(
        tenant,
        "dash-run",
        tiers=(("T1", "Foundation"), ("T2", "Features"), ("T3", "Polish")),
        phases=(
            ("F1.1", "T1", P.COMPLETE),
            ("F1.2", "T1", P.SKIPPED),
            ("F2.1", "T2", P.COMPLETE),
            ("F2.2", "T2", P.FAILED),
            ("F2.3", "T2", P.QUEUED),
            ("F3.1", "T3", P.QUEUED),
        ),
        state=BuildRunState.PHASE_EXECUTION,
        tokens_used=250_000,
        token_cap=1_000_000,
    )
    Tier.objects.filter(build=build, tier_id="T1").update(state=TierState.COMPLETE)
    Tier.objects.filter(build=build, tier_id="T2").update(state=TierState.IN_PROGRESS)
    Phase.objects.filter(build=build, phase_id="F2.1").update(minor_issues_count=2, quality_level="ok")
    Phase.objects.filter(build=build, phase_id="F2.2").update(
        major_issues_count=1, minor_issues_count=1, quality_level="needs_review"
    )
    return build


def test_a_missing_run_is_404(keyed_client):
    response = keyed_client.get("/dashboard/runs/nope/status")
    assert (response.status_code, response.json()) == (404, {"detail": "Run nope not found"})


def test_another_tenants_run_is_the_same_404(keyed_client):
    build_run(TenantFactory(), "theirs")
    response = keyed_client.get("/dashboard/runs/theirs/status")
    assert (response.status_code, response.json()) == (404, {"detail": "Run theirs not found"})


def test_token_utilization_is_a_percentage(keyed_client, tenant):
    build_run(tenant, "tokens", tokens_used=500_000, token_cap=1_000_000)
    body = status(keyed_client, "tokens")
    assert (body["tokens_used"], body["token_cap"], body["token_utilization"]) == (500_000, 1_000_000, 50.0)


def test_every_field(keyed_client, three_tiers):
    assert status(keyed_client, "dash-run") == {
        "run_id": "dash-run",
        "state": "PHASE_EXECUTION",
        "current_tier_name": "Features",
        "current_tier_index": 1,
        "current_phase_name": "Phase F2.2",  # FAILED is not done: it is where the run stands
        "current_phase_index": 3,
        "total_tiers": 3,
        "total_phases": 6,
        "completed_tiers": 1,
        "completed_phases": 3,  # COMPLETE and SKIPPED
        "percent_complete": 50.0,
        "tiers_percent_complete": 1 / 3 * 100,
        "tokens_used": 250_000,
        "token_cap": 1_000_000,
        "token_utilization": 25.0,
        "minor_issues_count": 3,
        "major_issues_count": 1,
        "quality_level": "needs_review",
        "quality_blocked": False,
        "quality_warnings": ["Phase F2.2 quality level is needs_review"],
        "token_efficiency": None,
    }


def test_a_finished_run_has_no_current_tier_or_phase(keyed_client, tenant):
    build = build_run(tenant, "done", phases=(("A", "T1", P.COMPLETE), ("B", "T1", P.SKIPPED)))
    Tier.objects.filter(build=build).update(state=TierState.COMPLETE)
    body = status(keyed_client, "done")
    current = ("current_tier_name", "current_tier_index", "current_phase_name", "current_phase_index")
    assert tuple(body[k] for k in current) == (None, None, None, None)
    assert (body["percent_complete"], body["tiers_percent_complete"]) == (100.0, 100.0)


def test_a_run_without_tiers_or_phases(keyed_client, tenant):
    build_run(tenant, "bare", tiers=(), phases=(), token_cap=0)
    body = status(keyed_client, "bare")
    assert (body["total_tiers"], body["total_phases"]) == (0, 0)
    assert (body["percent_complete"], body["tiers_percent_complete"]) == (0.0, 0.0)
    assert (body["token_cap"], body["token_utilization"]) == (1, 0.0)  # the origin's `or 1`
    assert (body["quality_level"], body["quality_blocked"], body["quality_warnings"]) == (None, False, [])


def test_quality_is_the_worst_phase_and_blocked_if_any_is(keyed_client, tenant):
    build = build_run(
        tenant, "quality", phases=(("A", "T1", P.COMPLETE), ("B", "T1", P.GATE), ("C", "T1", P.QUEUED))
    )
    Phase.objects.filter(build=build, phase_id="A").update(quality_level="ok")
    Phase.objects.filter(build=build, phase_id="B").update(
        quality_level="needs_review", needs_human_review=True
    )
    Phase.objects.filter(build=build, phase_id="C").update(quality_blocked=True)
    body = status(keyed_client, "quality")
    assert (body["quality_level"], body["quality_blocked"]) == ("needs_review", True)
    assert body["quality_warnings"] == [
        "Phase B quality level is needs_review",
        "Phase B needs human review (the auditor escalated it)",
        "Phase C is blocked by a quality gate",
    ]
    Phase.objects.filter(build=build, phase_id="C").update(quality_level="blocked")
    assert status(keyed_client, "quality")["quality_level"] == "blocked"


def test_the_query_count_does_not_grow_with_the_phases(keyed_client, tenant, django_assert_max_num_queries):
    build_run(tenant, "one", phases=(("A", "T1", P.QUEUED),))
    many = tuple((f"P{i}", f"T{i % 4}", P.QUEUED) for i in range(40))
    build_run(tenant, "forty", tiers=tuple((f"T{i}", f"Tier {i}") for i in range(4)), phases=many)
    with CaptureQueriesContext(connection) as captured:
        status(keyed_client, "one")
    with django_assert_max_num_queries(len(captured)):
        assert status(keyed_client, "forty")["total_phases"] == 40
