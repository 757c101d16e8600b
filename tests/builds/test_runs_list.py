"""GET /runs: the tenant's build runs, newest first, clamped paging, phase counts, constant queries
(the origin's tests/api/test_runs_list.py, plus ours)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from builds.models import BuildRun
from builds.states import BuildRunState, PhaseState
from runs.models import Run
from tests.builds.factories import build_run
from tests.factories import TenantFactory, api_client, api_key_for, member

pytestmark = pytest.mark.django_db

P = PhaseState
ITEM_KEYS = {
    "id",
    "state",
    "created_at",
    "tokens_used",
    "token_cap",
    "phases_total",
    "phases_completed",
    "current_phase_name",
}
INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"


def _aged(build: BuildRun, minutes_ago: int) -> BuildRun:
    """Pins ``created_at`` (auto_now_add ignores a value given at creation)."""
    BuildRun.objects.filter(pk=build.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    build.refresh_from_db()
    return build


@pytest.fixture
def five_runs(tenant):
    """The origin's fixture: test-run-000..004; 000..002 DONE_SUCCESS, the rest executing; run 000
    with tier T1 and phases P1, P2 COMPLETE and P3 QUEUED."""
    builds = []
    for i in range(5):
        phases = (
            (("P1", "T1", P.COMPLETE), ("P2", "T1", P.COMPLETE), ("P3", "T1", P.QUEUED)) if i == 0 else ()
        )
        build = build_run(
            tenant,
            f"test-run-{i:03d}",
            phases=phases,
            state=BuildRunState.DONE_SUCCESS if i < 3 else BuildRunState.PHASE_EXECUTION,
            token_cap=1_000_000,
            tokens_used=100_000 * (i + 1),
        )
        builds.append(_aged(build, minutes_ago=10 - i))
    return builds


def test_an_empty_tenant_lists_nothing(keyed_client):
    response = keyed_client.get("/runs")
    assert response.status_code == 200
    assert response.json() == {"runs": [], "total": 0, "limit": 20, "offset": 0}


def test_every_run_is_listed_with_its_fields(keyed_client, five_runs):
    body = keyed_client.get("/runs").json()
    assert (body["total"], len(body["runs"])) == (5, 5)
    assert all(set(item) == ITEM_KEYS for item in body["runs"])


def test_newest_first(keyed_client, five_runs):
    body = keyed_client.get("/runs").json()
    assert [item["id"] for item in body["runs"]] == [f"test-run-{i:03d}" for i in (4, 3, 2, 1, 0)]


def test_an_item_exactly(keyed_client, five_runs):
    first = five_runs[0]
    [item] = [i for i in keyed_client.get("/runs").json()["runs"] if i["id"] == "test-run-000"]
    assert item == {
        "id": "test-run-000",
        "state": "DONE_SUCCESS",
        "created_at": first.created_at.isoformat().replace("+00:00", "Z"),
        "tokens_used": 100_000,
        "token_cap": 1_000_000,
        "phases_total": 3,
        "phases_completed": 2,
        "current_phase_name": "Phase P3",
    }


def test_a_run_without_phases_has_no_current_phase(keyed_client, five_runs):
    item = keyed_client.get("/runs").json()["runs"][0]
    assert (item["phases_total"], item["phases_completed"], item["current_phase_name"]) == (0, 0, None)


def test_skipped_phases_are_not_completed_and_not_current(keyed_client, tenant):
    phases = (("A", "T1", P.SKIPPED), ("B", "T1", P.COMPLETE), ("C", "T1", P.FAILED), ("D", "T1", P.QUEUED))
    build_run(tenant, "mixed", phases=phases)
    [item] = keyed_client.get("/runs").json()["runs"]
    assert (item["phases_total"], item["phases_completed"], item["current_phase_name"]) == (4, 1, "Phase C")


@pytest.mark.parametrize(
    ("query", "limit", "offset", "ids"),
    [
        ("limit=2", 2, 0, ["test-run-004", "test-run-003"]),
        ("limit=2&offset=2", 2, 2, ["test-run-002", "test-run-001"]),
        ("limit=2&offset=4", 2, 4, ["test-run-000"]),
        ("offset=5", 20, 5, []),
        ("limit=200", 100, 0, None),
        ("limit=0", 1, 0, ["test-run-004"]),
        ("limit=-3", 1, 0, ["test-run-004"]),
        ("offset=-5", 20, 0, None),
        ("limit=+2&offset= 3 ", 2, 3, ["test-run-001", "test-run-000"]),
        ("limit=2147483647", 100, 0, None),
        ("limit=-2147483647", 1, 0, ["test-run-004"]),
        ("offset=2147483647", 20, 2**31 - 1, []),
    ],
)
def test_paging_is_clamped_and_echoed(keyed_client, five_runs, query, limit, offset, ids):
    body = keyed_client.get(f"/runs?{query}").json()
    assert (body["total"], body["limit"], body["offset"]) == (5, limit, offset)
    if ids is not None:
        assert [item["id"] for item in body["runs"]] == ids


@pytest.mark.parametrize("value", ["abc", "", "2.5", "1e3", "²", "0x10"])
def test_a_non_integer_is_422_as_fastapi_answers(keyed_client, value):
    response = keyed_client.get("/runs", {"limit": value})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "int_parsing", "loc": ["query", "limit"], "msg": INT_PARSING}]
    }


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=2147483648", ("less_than_equal", "limit", "less than or equal to 2147483647")),
        (
            "offset=-99999999999999999999",
            ("greater_than_equal", "offset", "greater than or equal to -2147483647"),
        ),
    ],
)
def test_an_integer_beyond_32_bits_is_422(keyed_client, query, error):
    kind, name, words = error
    response = keyed_client.get(f"/runs?{query}")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": kind, "loc": ["query", name], "msg": f"Input should be {words}"}]
    }


def test_both_bad_parameters_are_named(keyed_client):
    response = keyed_client.get("/runs?limit=x&offset=y")
    assert response.status_code == 422
    assert [d["loc"] for d in response.json()["detail"]] == [["query", "limit"], ["query", "offset"]]


def test_only_the_tenants_build_runs_are_listed(keyed_client, tenant):
    build_run(tenant, "mine")
    build_run(TenantFactory(), "theirs")
    Run.objects.create(tenant=tenant, run_id="a-journal-run")  # not a build: not listed
    body = keyed_client.get("/runs").json()
    assert ([item["id"] for item in body["runs"]], body["total"]) == (["mine"], 1)


def test_a_viewer_reads_and_a_key_without_runs_read_is_refused(tenant):
    assert api_client(tenant=tenant, role="viewer").get("/runs").status_code == 200
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant, scopes=["runs:start"])
    response = APIClient().get("/runs", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert response.json() == {"detail": "Missing scope: runs:read"}


def test_public_read_serves_the_default_tenant(client_api, settings, tenant):
    build_run(tenant, "public-one")
    build_run(TenantFactory(), "elsewhere")
    assert client_api.get("/runs").status_code == 401
    settings.OPSGATE_PUBLIC_READ = True
    settings.OPSGATE_DEFAULT_TENANT = tenant.slug
    assert [item["id"] for item in client_api.get("/runs").json()["runs"]] == ["public-one"]


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_page(keyed_client, tenant, django_assert_max_num_queries):
    phases = tuple((f"P{n}", "T1", (P.COMPLETE, P.QUEUED, P.EXECUTING)[n % 3]) for n in range(6))
    for i in range(50):
        build_run(tenant, f"run-{i:02d}", phases=phases)
    small = _queries(keyed_client, "/runs?limit=5")
    large = _queries(keyed_client, "/runs?limit=50")
    assert small == large
    with django_assert_max_num_queries(large):
        body = keyed_client.get("/runs?limit=50&offset=0").json()
    assert len(body["runs"]) == 50
    assert all((i["phases_total"], i["phases_completed"]) == (6, 2) for i in body["runs"])
