"""POST /runs/start and GET /runs/{run_id}: the origin's cases (tests/test_api.py) and ours."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from builds.api.operator_api.outputs import RunResponse
from builds.models import Artifact, BuildRun, Phase, Tier
from builds.states import BuildRunState
from runs.models import Run, RunKind, Step
from tests.factories import TenantFactory, api_client, api_key_for, member

pytestmark = pytest.mark.django_db


def sample_run_request(run_id: str = "test-run-001") -> dict:
    """The origin's conftest ``sample_run_request``: two tiers, a phase in each."""
    return {
        "run": {
            "run_id": run_id,
            "safety_profile": "normal",
            "run_scope": "multi_tier",
            "token_cap": 5_000_000,
            "max_phases": 25,
        },
        "tiers": [
            {"tier_id": "T1", "tier_index": 0, "name": "Foundation"},
            {"tier_id": "T2", "tier_index": 1, "name": "Features"},
        ],
        "phases": [
            {
                "phase_id": "F1.1",
                "phase_index": 0,
                "tier_id": "T1",
                "name": "Setup DB",
                "task_category": "schema_change",
                "complexity": "medium",
            },
            {
                "phase_id": "F2.1",
                "phase_index": 1,
                "tier_id": "T2",
                "name": "Add feature",
                "task_category": "feature_scaffolding",
                "complexity": "low",
            },
        ],
    }


def start(client, body=None, **extra):
    return client.post(
        "/runs/start", body if body is not None else sample_run_request(), format="json", **extra
    )


def times(body: dict) -> dict:
    """``body`` without its times (they are checked on their own)."""
    return {k: v for k, v in body.items() if k not in ("created_at", "started_at", "completed_at")}


# -- the origin's cases ---------------------------------------------------------------------------


def test_start_answers_201_with_the_whole_run(keyed_client):
    response = start(keyed_client)
    assert response.status_code == 201, response.json()
    body = response.json()
    build = BuildRun.objects.get(run__run_id="test-run-001")
    tiers = list(Tier.objects.filter(build=build).order_by("id"))
    f11, f21 = Phase.objects.filter(build=build).order_by("phase_index")

    def phase(row, tier, name, category, complexity):
        return {
            "id": row.pk,
            "phase_id": row.phase_id,
            "run_id": "test-run-001",
            "tier_id": tier.pk,
            "name": name,
            "description": None,
            "state": "QUEUED",
            "task_category": category,
            "complexity": complexity,
            "builder_mode": None,
            "phase_index": row.phase_index,
            "scope": None,
            "intention_refs": None,
        }

    p1 = phase(f11, tiers[0], "Setup DB", "schema_change", "medium")
    p2 = phase(f21, tiers[1], "Add feature", "feature_scaffolding", "low")

    def tier(row, tier_id, name, index, phases):
        return {
            "id": row.pk,
            "tier_id": tier_id,
            "name": name,
            "state": "PENDING",
            "tier_index": index,
            "cleanliness": "clean",
            "minor_issues_count": 0,
            "major_issues_count": 0,
            "phases": phases,
        }

    assert times(body) == {
        "id": "test-run-001",
        "state": "RUN_CREATED",
        "safety_profile": "normal",
        "run_scope": "multi_tier",
        "tokens_used": 0,
        "ci_runs_used": 0,
        "minor_issues_count": 0,
        "major_issues_count": 0,
        "promotion_eligible_to_main": "false",
        "debt_status": None,
        "failure_reason": None,
        "tiers": [tier(tiers[0], "T1", "Foundation", 0, [p1]), tier(tiers[1], "T2", "Features", 1, [p2])],
        "phases": [p1, p2],
    }
    assert body["created_at"].endswith("Z") and body["started_at"] == body["created_at"]
    assert body["completed_at"] is None
    assert RunResponse.model_validate(body).model_dump(mode="json").keys() == body.keys()


def test_start_twice_is_409(keyed_client):
    assert start(keyed_client).status_code == 201
    response = start(keyed_client)
    assert response.status_code == 409
    assert response.json() == {"detail": "Run test-run-001 already exists"}
    assert BuildRun.objects.count() == 1


def test_read_back_after_start(keyed_client):
    created = start(keyed_client).json()
    response = keyed_client.get("/runs/test-run-001")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "RUN_CREATED"
    assert [t["tier_id"] for t in body["tiers"]] == ["T1", "T2"]
    assert body == created


def test_an_unknown_run_is_404(keyed_client):
    response = keyed_client.get("/runs/non-existent-run")
    assert response.status_code == 404
    assert response.json() == {"detail": "Run non-existent-run not found"}


def test_three_phases_in_one_tier(keyed_client):
    body = {
        "run": {"run_id": "test-run-002"},
        "tiers": [{"tier_id": "T1", "tier_index": 0, "name": "Only"}],
        "phases": [
            {"phase_id": f"P{i}", "phase_index": i, "tier_id": "T1", "name": f"Phase {i}"} for i in range(3)
        ],
    }
    response = start(keyed_client, body)
    assert response.status_code == 201
    assert len(response.json()["tiers"]) == 1
    assert [p["phase_id"] for p in response.json()["tiers"][0]["phases"]] == ["P0", "P1", "P2"]
    assert [p["phase_id"] for p in response.json()["phases"]] == ["P0", "P1", "P2"]


def test_a_phase_naming_an_unknown_tier_is_400_and_nothing_is_kept(keyed_client):
    body = {
        "run": {"run_id": "test-run-003"},
        "tiers": [{"tier_id": "T1", "tier_index": 0, "name": "Foundation"}],
        "phases": [{"phase_id": "P1", "phase_index": 0, "tier_id": "T99", "name": "Lost"}],
    }
    response = start(keyed_client, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "Phase P1 references unknown tier T99"}
    assert not Run.objects.filter(run_id="test-run-003").exists()


def test_max_minor_issues_total_is_three_per_phase(keyed_client):
    start(keyed_client)
    assert BuildRun.objects.get(run__run_id="test-run-001").max_minor_issues_total == 6
    start(keyed_client, {"run": {"run_id": "empty"}})
    assert BuildRun.objects.get(run__run_id="empty").max_minor_issues_total is None


def test_start_writes_the_readable_files(keyed_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        start(keyed_client)
    paths = set(Artifact.objects.filter(run__run_id="test-run-001").values_list("path", flat=True))
    assert paths == {
        "run_summary.md",
        "tiers/tier_00_Foundation.md",
        "tiers/tier_01_Features.md",
        "phases/phase_00_F1.1.md",
        "phases/phase_01_F2.1.md",
    }


# -- ours: what is kept -----------------------------------------------------------------------------


def test_the_rows_of_a_started_run(keyed_client):
    start(keyed_client)
    run = Run.objects.get(run_id="test-run-001")
    assert (run.kind, run.state) == (RunKind.BUILD, "")
    assert run.started_at == run.created_at
    build = run.build
    assert (build.token_cap, build.max_phases, build.max_duration_minutes) == (5_000_000, 25, 120)
    assert build.started_at == run.started_at and build.state == BuildRunState.RUN_CREATED
    steps = list(
        Step.objects.filter(run=run).order_by("index").values_list("index", "node_id", "node_type", "state")
    )
    assert steps == [(1, "F1.1", "phase", "pending"), (2, "F2.1", "phase", "pending")]
    assert [p.step.node_id for p in Phase.objects.filter(build=build).order_by("phase_index")] == [
        "F1.1",
        "F2.1",
    ]


def test_null_budgets_take_the_defaults(keyed_client):
    body = {"run": {"run_id": "r", "token_cap": None, "max_phases": None, "max_duration_minutes": None}}
    assert start(keyed_client, body).status_code == 201
    build = BuildRun.objects.get(run__run_id="r")
    assert (build.token_cap, build.max_phases, build.max_duration_minutes) == (5_000_000, 25, 120)


def test_intention_refs_and_scope_are_kept(keyed_client):
    body = sample_run_request()
    body["phases"][0]["intention_refs"] = {"success_criteria": [0, 2], "constraints_must": [1]}
    body["phases"][0]["scope"] = {
        "paths": ["src/"],
        "read_only_context": ["docs/a.md", {"path": "b.py", "reason": "api"}, {"reason": "no path"}, 7, ""],
    }
    response = start(keyed_client, body)
    assert response.status_code == 201
    phase = response.json()["phases"][0]
    refs = {
        "success_criteria": [0, 2],
        "constraints_must": [1],
        "constraints_must_not": [],
        "constraints_preferences": [],
    }
    scope = {
        "paths": ["src/"],
        "read_only_context": [
            {"path": "docs/a.md", "reason": ""},
            {"path": "b.py", "reason": "api"},
            {"path": "", "reason": ""},
        ],
    }
    assert (phase["intention_refs"], phase["scope"]) == (refs, scope)
    row = Phase.objects.get(phase_id="F1.1")
    assert (row.intention_refs, row.scope) == (refs, scope)
    assert keyed_client.get("/runs/test-run-001").json()["phases"][0]["intention_refs"] == refs


def test_duplicate_tier_or_phase_ids_in_one_request_are_400(keyed_client):
    body = sample_run_request()
    body["tiers"][1]["tier_id"] = "T1"
    body["phases"][1]["tier_id"] = "T1"
    response = start(keyed_client, body)
    assert (response.status_code, response.json()) == (400, {"detail": "Duplicate tier_id T1 in the request"})
    body = sample_run_request()
    body["phases"][1]["phase_id"] = "F1.1"
    response = start(keyed_client, body)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Duplicate phase_id F1.1 in the request"},
    )
    assert not Run.objects.exists()


def test_a_run_id_taken_by_any_run_of_the_tenant_is_409(keyed_client):
    event = {
        "id": "evt-1",
        "run_id": "taken",
        "timestamp": "2026-02-14T13:00:00Z",
        "type": "action",
        "actor": "agent",
        "title": "t",
        "details": "d",
        "approval": {"status": "not_required"},
    }
    assert keyed_client.post("/v1/events", event, format="json").status_code == 201
    response = start(keyed_client, sample_run_request("taken"))
    assert (response.status_code, response.json()) == (409, {"detail": "Run taken already exists"})
    assert keyed_client.get("/runs/taken").status_code == 404  # not a build run


def test_another_tenant_may_use_the_same_run_id(keyed_client):
    assert start(keyed_client).status_code == 201
    other = api_client()
    assert start(other).status_code == 201
    assert BuildRun.objects.filter(run__run_id="test-run-001").count() == 2


def test_another_tenants_run_is_404(keyed_client):
    start(keyed_client)
    response = api_client().get("/runs/test-run-001")
    assert (response.status_code, response.json()) == (404, {"detail": "Run test-run-001 not found"})


# -- ours: who may --------------------------------------------------------------------------------


def test_a_viewer_may_read_but_not_start(tenant, keyed_client):
    start(keyed_client)
    viewer = api_client(tenant=tenant, role="viewer")
    response = start(viewer, sample_run_request("mine"))
    assert (response.status_code, response.json()) == (403, {"detail": "Missing scope: runs:start"})
    assert viewer.get("/runs/test-run-001").status_code == 200


def test_anonymous_callers_are_401_and_public_read_serves_the_default_tenant(settings):
    tenant = TenantFactory(slug=settings.OPSGATE_DEFAULT_TENANT)
    client = api_client(tenant=tenant)
    start(client)
    assert APIClient().get("/runs/test-run-001").status_code == 401
    assert start(APIClient(), sample_run_request("x")).status_code == 401
    settings.OPSGATE_PUBLIC_READ = True
    assert APIClient().get("/runs/test-run-001").status_code == 200
    assert start(APIClient(), sample_run_request("x")).status_code == 401


@override_settings(OPSGATE_BUILD_START_RATE="2/min")
def test_starts_are_rate_limited_per_client_address(keyed_client):
    assert start(keyed_client, sample_run_request("a")).status_code == 201
    assert start(keyed_client, sample_run_request("b")).status_code == 201
    response = start(keyed_client, sample_run_request("c"))
    assert response.status_code == 429
    assert response.json() == {"detail": "Rate limit exceeded: 2/min"}
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not Run.objects.filter(run_id="c").exists()
    other_address = start(keyed_client, sample_run_request("c"), REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 201
    assert keyed_client.get("/runs/a").status_code == 200  # reads are not counted


def test_the_start_limit_is_its_own_budget(client_api, keyed_client):
    with override_settings(OPSGATE_BUILD_START_RATE="1/min", OPSGATE_LOGIN_RATE="1/min"):
        assert start(keyed_client, sample_run_request("a")).status_code == 201
        login = client_api.post("/api/auth/login", {"username": "x", "password": "y"}, format="json")
        assert login.status_code == 401  # the sign-in budget is untouched by the start


# -- ours: what is refused ---------------------------------------------------------------------------


def test_schema_errors_are_422_with_every_problem(keyed_client):
    body = sample_run_request()
    body["run"]["token_cap"] = 0
    body["tiers"][0]["tier_index"] = "first"
    body["phases"][0]["intention_refs"] = {"success_criteria": [1], "extra": []}
    body["phases"][1]["scope"] = "not a dict"
    response = start(keyed_client, body)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "greater_than_equal",
                "loc": ["body", "run", "token_cap"],
                "msg": "Input should be greater than or equal to 1",
            },
            {
                "type": "int_parsing",
                "loc": ["body", "tiers", 0, "tier_index"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
            },
            {
                "type": "extra_forbidden",
                "loc": ["body", "phases", 0, "intention_refs", "extra"],
                "msg": "Extra inputs are not permitted",
            },
            {
                "type": "dict_type",
                "loc": ["body", "phases", 1, "scope"],
                "msg": "Input should be a valid dictionary",
            },
        ]
    }
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    ("change", "loc", "type_"),
    [
        (lambda b: b.pop("run"), ["body", "run"], "missing"),
        (lambda b: b["run"].update(run_id=""), ["body", "run", "run_id"], "string_too_short"),
        (lambda b: b["run"].update(run_id="x" * 201), ["body", "run", "run_id"], "string_too_long"),
        (lambda b: b["run"].update(max_phases=-1), ["body", "run", "max_phases"], "greater_than_equal"),
        (lambda b: b["run"].update(token_cap=2**63), ["body", "run", "token_cap"], "less_than_equal"),
        (
            lambda b: b["tiers"][0].update(tier_index=2**31),
            ["body", "tiers", 0, "tier_index"],
            "less_than_equal",
        ),
        (
            lambda b: b["phases"][0].update(intention_refs={"constraints_must": "not a list"}),
            ["body", "phases", 0, "intention_refs", "constraints_must"],
            "list_type",
        ),
        (
            lambda b: b["phases"][0].update(intention_refs={"constraints_must": ["not", "ints"]}),
            ["body", "phases", 0, "intention_refs", "constraints_must", 0],
            "int_parsing",
        ),
        (
            lambda b: b["phases"][0].update(phase_id="summary"),
            ["body", "phases", 0, "phase_id"],
            "value_error",
        ),
        (
            lambda b: b["phases"][0].update(phase_id="run_stopped"),
            ["body", "phases", 0, "phase_id"],
            "value_error",
        ),
        (lambda b: b.update(tiers="T1"), ["body", "tiers"], "list_type"),
    ],
)
def test_each_schema_problem_is_422(keyed_client, change, loc, type_):
    body = sample_run_request()
    change(body)
    response = start(keyed_client, body)
    assert response.status_code == 422, response.json()
    assert [(d["loc"], d["type"]) for d in response.json()["detail"]][:1] == [(loc, type_)]


def test_a_body_that_is_no_object_is_422(keyed_client):
    response = keyed_client.post("/runs/start", ["run"], format="json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_nul_characters_are_422_not_500(keyed_client):
    body = sample_run_request()
    body["phases"][0]["name"] = "Setup\x00DB"
    response = start(keyed_client, body)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_nul",
                "loc": ["body", "phases", 0, "name"],
                "msg": "text must not contain NUL characters",
            }
        ]
    }


def test_unknown_fields_outside_intention_refs_are_ignored(keyed_client):
    body = sample_run_request()
    body["run"]["goal"] = "ignored"
    body["phases"][0]["extra"] = 1
    assert start(keyed_client, body).status_code == 201


# -- ours: the read's cost ----------------------------------------------------------------------------


def test_reading_a_run_takes_the_same_queries_whatever_its_size(keyed_client, django_assert_max_num_queries):
    start(
        keyed_client, {"run": {"run_id": "small"}, "tiers": [{"tier_id": "T", "tier_index": 0, "name": "T"}]}
    )
    big = {
        "run": {"run_id": "big"},
        "tiers": [{"tier_id": f"T{t}", "tier_index": t, "name": f"Tier {t}"} for t in range(5)],
        "phases": [
            {"phase_id": f"P{i}", "phase_index": i, "tier_id": f"T{i % 5}", "name": f"Phase {i}"}
            for i in range(20)
        ],
    }
    start(keyed_client, big)
    counts = []
    for run_id in ("small", "big"):
        with CaptureQueriesContext(connection) as ctx:
            assert keyed_client.get(f"/runs/{run_id}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(8):  # the key (and its use), the run, its tiers, its phases
        keyed_client.get("/runs/big")


# -- ours: concurrent starts (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; races need PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_of_one_run_id_have_one_winner():
    tenant = TenantFactory()
    raw = api_key_for(member(tenant=tenant, role="admin"), tenant)[0]
    n = 8
    barrier = threading.Barrier(n)

    def one(_):
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=raw)
        try:
            barrier.wait()
            return start(client, sample_run_request("raced"))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        responses = list(pool.map(one, range(n)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * (n - 1)
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {"Run raced already exists"}
    assert BuildRun.objects.filter(run__run_id="raced").count() == 1
    assert Phase.objects.filter(build__run__run_id="raced").count() == 2
