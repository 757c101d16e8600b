"""A tenant's objects, made on demand through the public API, to fill route path parameters.

``PARAMETERS`` is the one table of "path parameter name -> how to make a real object of the tenant
and where its id is". A route whose parameter is missing here fails the matrix loudly: whoever adds
the route adds its factory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from rest_framework.test import APIClient

from core.tenant_scope import for_tenant, tenant_owned_models
from tests.factories import TenantFactory, UserFactory, api_key_for, member

USAGE_FIELDS = {"usage_count", "last_used_at"}  # an API key's use counts itself: not a write of data
MARK = "zz-owned-by-tenant-a"  # in every name and title of tenant A's objects; never in an id


@dataclass(frozen=True)
class Parameter:
    make: Callable[[World], str]  # creates the object in the world's tenant, returns the path value
    missing: Callable[[], str] = lambda: str(uuid.uuid4())  # a well-formed value naming nothing
    shared: bool = False  # every tenant reads it by design (the template catalogue)
    public: Callable[[World], set[str]] = lambda world: set()  # what of A a shared object shows


def _created(response, status: int = 201) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json()


def _journal_event(world: World, run_id: str, event_id: str, **fields) -> None:
    body = {
        "id": event_id,
        "run_id": run_id,
        "timestamp": "2026-02-14T13:00:00Z",
        "type": "action",
        "actor": "agent",
        "title": f"Step {MARK}",
        "details": f"Details {MARK}",
        "approval": {"status": "not_required"},
        **fields,
    }
    _created(world.client.post("/v1/events", body, format="json"))


def make_run(world: World) -> str:
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    _journal_event(world, run_id, f"evt-{uuid.uuid4().hex[:12]}")
    return run_id


def make_approval(world: World) -> str:
    """A pending approval (its request event's id is the path value), on a run of its own."""
    event_id = f"evt-{uuid.uuid4().hex[:12]}"
    _journal_event(
        world,
        f"run-{uuid.uuid4().hex[:12]}",
        event_id,
        type="approval_requested",
        requires_approval=True,
        risk_level="high",
        approval={"status": "pending", "requested_by": "agent", "reason": f"Reason {MARK}"},
    )
    return event_id


def make_workflow(world: World) -> str:
    graph = {
        "nodes": [{"id": "start-1", "type": "start", "position": {"x": 0, "y": 0}, "data": {"config": {}}}],
        "edges": [],
    }
    body = {"name": f"Workflow {MARK}", "description": MARK, "graph": graph, "tags": [MARK]}
    return _created(world.client.post("/v1/workflows", body, format="json"))["id"]


def make_template(world: World) -> str:
    """Published from a workflow of its own: what the catalogue shows is public by design."""
    graph = {
        "nodes": [{"id": "start-1", "type": "start", "position": {"x": 0, "y": 0}, "data": {"config": {}}}],
        "edges": [],
    }
    workflow = {"name": "A published workflow", "graph": graph}
    workflow_id = _created(world.client.post("/v1/workflows", workflow, format="json"))["id"]
    body = {"workflowId": workflow_id, "name": "A shared template"}
    return _created(world.client.post("/v1/templates", body, format="json"))["id"]


def make_credential(world: World) -> str:
    name = f"cred{uuid.uuid4().hex[:12]}"
    body = {"name": name, "value": f"secret-{uuid.uuid4().hex}", "provider": MARK}
    _created(world.client.post("/v1/credentials", body, format="json"))
    return name


def make_rule(world: World) -> str:
    body = {
        "name": f"Rule {MARK}",
        "description": MARK,
        "status": "active",
        "trigger_type": "manual",
        "trigger_config": {},
        "actions": [
            {"type": "append_event", "config": {"run_id": "ops-log", "title": f"Ran {MARK}"}, "order": 1}
        ],
    }
    return _created(world.client.post("/api/v1/automation/rules", body, format="json"))["data"]["rule_id"]


def make_execution(world: World) -> str:
    rule_id = world.value("rule_id")
    body = {"automation_rule_id": rule_id, "dry_run": True, "execution_data": {"note": MARK}}
    response = world.client.post(f"/api/v1/automation/rules/{rule_id}/execute", body, format="json")
    return _created(response)["data"]["execution_id"]


def make_api_key(world: World) -> str:
    _, key = api_key_for(member(tenant=world.tenant, role="viewer"), world.tenant, name=f"Key {MARK}")
    world.extra_markers.add(key.prefix)
    return str(key.pk)


def make_policy_decision(world: World) -> None:
    """A recorded gate decision: it shows in the tenant's Automation Manager."""
    body = {"title": f"Task {MARK}", "risk_level": "low"}
    response = world.client.post("/api/app/evaluate_automation_task/v1", body, format="json")
    _created(response, status=200)


# Rows no path names but lists show: made with the rest, so another tenant's lists are checked too.
BACKGROUND: tuple[Callable[[World], None], ...] = (make_policy_decision,)

PARAMETERS: dict[str, Parameter] = {
    "run_id": Parameter(make_run, missing=lambda: f"run-{uuid.uuid4().hex[:12]}"),
    "event_id": Parameter(make_approval, missing=lambda: f"evt-{uuid.uuid4().hex[:12]}"),
    "workflow_id": Parameter(make_workflow),
    # the catalogue is every tenant's, and names its publisher
    "template_id": Parameter(make_template, shared=True, public=lambda world: {world.tenant.slug}),
    "name": Parameter(make_credential, missing=lambda: f"cred{uuid.uuid4().hex[:12]}"),
    "rule_id": Parameter(make_rule),
    "execution_id": Parameter(make_execution),
    "key_id": Parameter(make_api_key),
}


class World:
    """Tenant A, its admin's client, and its objects (each made once, on first use)."""

    def __init__(self, slug: str = "matrix-tenant-a") -> None:
        self.tenant = TenantFactory(slug=slug, name=f"Tenant {MARK}")
        self.admin = member(tenant=self.tenant, role="admin", user=UserFactory(username=f"admin-{slug}"))
        self.client = APIClient()
        self.client.credentials(HTTP_X_API_KEY=api_key_for(self.admin, self.tenant)[0])
        self.values: dict[str, str] = {}
        self.extra_markers: set[str] = set()

    def value(self, name: str) -> str:
        if name not in PARAMETERS:
            raise LookupError(
                f"No factory for path parameter {name!r}: add it to PARAMETERS in tests/matrix/world.py"
            )
        if name not in self.values:
            self.values[name] = PARAMETERS[name].make(self)
        return self.values[name]

    def build_all(self) -> World:
        """Every object only A may see (shared ones are made when a route's path needs them)."""
        for name, parameter in PARAMETERS.items():
            if not parameter.shared:
                self.value(name)
        for make in BACKGROUND:
            make(self)
        return self

    def markers(self, route) -> set[str]:
        """Strings that only tenant A's data holds: an answer to another tenant must hold none
        (less what a shared object in the route's path shows by design)."""
        own = {value for name, value in self.values.items() if not PARAMETERS[name].shared}
        shown = set().union(*(PARAMETERS[p].public(self) for p in route.params if p in PARAMETERS))
        everything = {
            MARK,
            self.tenant.slug,
            str(self.tenant.pk),
            self.admin.username,
            *own,
            *self.extra_markers,
        }
        return everything - shown

    def snapshot(self) -> dict[str, list]:
        """Every row tenant A owns, to show a foreign call wrote nothing of it."""
        return {
            model._meta.label: sorted(
                (
                    sorted((k, v) for k, v in row.items() if k not in USAGE_FIELDS)
                    for row in for_tenant(model, self.tenant).values()
                ),
                key=repr,
            )
            for model in tenant_owned_models()
        }


# -- build runs (operator-api): the run every ``run_id`` names is a build run, started through the
# API (its journal holds the start, so the /v1 run routes read it as any run), with one phase.
def make_build_run(world: World) -> str:
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    body = {
        "run": {"run_id": run_id},
        "tiers": [{"tier_id": "tier-a", "tier_index": 0, "name": f"Tier {MARK}"}],
        "phases": [
            {
                "phase_id": f"phase-{uuid.uuid4().hex[:12]}",
                "phase_index": 0,
                "tier_id": "tier-a",
                "name": f"Phase {MARK}",
                "description": MARK,
            }
        ],
    }
    created = _created(world.client.post("/runs/start", body, format="json"))
    world.values["phase_id"] = created["phases"][0]["phase_id"]
    return run_id


def make_build_phase(world: World) -> str:
    world.value("run_id")
    return world.values["phase_id"]


PARAMETERS["run_id"] = Parameter(make_build_run, missing=lambda: f"run-{uuid.uuid4().hex[:12]}")
PARAMETERS["phase_id"] = Parameter(make_build_phase, missing=lambda: f"phase-{uuid.uuid4().hex[:12]}")
