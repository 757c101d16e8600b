"""Demo data for ``manage.py demo``. Lives in the top app so it may seed every app below it;
later issues add their examples here. Idempotent: a second run changes nothing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from runs.engine.launch import request_fingerprint, run_start
from runs.models import Workflow
from runs.workflows import workflow_create
from tenancy.keys import hash_key
from tenancy.models import ApiKey, Role
from tenancy.services import membership_ensure, tenant_ensure

DEMO_TENANT = "demo"
# A fixed, documented key so every `make run` prints the same one. Demo only: never in production.
DEMO_API_KEY = "ogk_demo000000_opsgate-demo-key-not-a-secret"
DEMO_USERS = {
    # username: (password, role, staff, superuser)
    "admin": ("opsgate-admin", "admin", True, True),
    "operator": ("opsgate-operator", "operator", False, False),
    "viewer": ("opsgate-viewer", "viewer", False, False),
}


@dataclass(frozen=True)
class DemoLogins:
    tenant: str
    users: dict[str, str]
    api_key: str
    workflows: list[str]


@transaction.atomic
def demo_load() -> DemoLogins:
    User = get_user_model()
    tenant = tenant_ensure(slug=DEMO_TENANT, name="Demo")
    for username, (password, role_name, staff, superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@demo.opsgate.local",
                "is_staff": staff,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        membership_ensure(tenant=tenant, user=user, role=Role.objects.get(name=role_name), team_slug="ops")
    ApiKey.objects.get_or_create(
        prefix=DEMO_API_KEY.split("_")[1],
        defaults={
            "tenant": tenant,
            "user": User.objects.get(username="admin"),
            "name": "demo admin key",
            "key_hash": hash_key(DEMO_API_KEY),
        },
    )
    workflows = _demo_workflows(tenant, User.objects.get(username="admin"))
    return DemoLogins(
        tenant=tenant.slug,
        users={name: spec[0] for name, spec in DEMO_USERS.items()},
        api_key=DEMO_API_KEY,
        workflows=workflows,
    )


def _node(node_id: str, type_: str, x: int, config: dict | None = None) -> dict:
    return {"id": node_id, "type": type_, "position": {"x": x, "y": 100}, "data": {"config": config or {}}}


def _chain(*nodes: dict) -> dict:
    edges = [
        {"id": f"e{i}", "source": a["id"], "target": b["id"]}
        for i, (a, b) in enumerate(itertools.pairwise(nodes))
    ]
    return {"nodes": list(nodes), "edges": edges}


def _demo_graphs() -> dict[str, dict]:
    """Both call the portal's own ``/demo/echo``, so they succeed with no internet access; the
    retries cover a worker that starts before the web server is listening."""
    echo = f"{settings.OPSGATE_BASE_URL.rstrip('/')}/demo/echo"
    call = {
        "method": "POST",
        "url": echo,
        "json_body": {"order": "{{ input.order }}", "amount": "{{ input.amount }}"},
        "retry": {"attempts": 5, "backoff_seconds": 1},
    }
    return {
        "Demo: echo an order": _chain(
            _node("start-1", "start", 100),
            _node("http-1", "http", 300, call),
            _node(
                "transform-1",
                "transform",
                500,
                {"output": "Echoed order {{ steps['http-1'].output.body.json.order }}"},
            ),
        ),
        "Demo: approve a payout": _chain(
            _node("start-1", "start", 100),
            _node(
                "approval-1",
                "approval",
                300,
                {
                    "title": "Pay out {{ input.amount }}?",
                    "risk_level": "high",
                    "reason": "Payouts need a person",
                },
            ),
            _node("http-1", "http", 500, call),
        ),
    }


def _demo_workflows(tenant, admin) -> list[str]:
    """The demo workflows, and one run of each (an Idempotency-Key keeps reloads from adding more)."""
    names = []
    for name, graph in _demo_graphs().items():
        workflow = Workflow.objects.filter(tenant=tenant, name=name).first()
        if workflow is None:
            definition = {
                "name": name,
                "description": "",
                "category": "",
                "tags": ["demo"],
                "targets": [],
                "graph": graph,
            }
            workflow = workflow_create(tenant=tenant, definition=definition, user=admin)
        body = {"workflowId": str(workflow.pk), "input": {"order": "A-1001", "amount": 250}}
        run_start(
            tenant=tenant,
            user=admin,
            workflow=workflow,
            input=body["input"],
            idempotency_key=f"demo-{workflow.pk}",
            fingerprint=request_fingerprint(body),
        )
        names.append(name)
    return names
