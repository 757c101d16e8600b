"""Demo data for ``manage.py demo``: a tenant, users, an API key, workflows with runs, an agent's
request, an automation rule and a build run in progress with its artifacts. Idempotent: a second
run changes nothing, and says so."""

from __future__ import annotations

import itertools
import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from automation.models import AutomationRule
from automation.rule_validation import rule_validate
from automation.services import rule_create
from builds.artifacts import artifact_write
from builds.services.lifecycle import (
    BuildPlan,
    PhaseMetrics,
    PhasePlan,
    TierPlan,
    build_start,
    phase_status_update,
)
from builds.services.results import (
    AuditorReport,
    BuilderReport,
    IssueSuggestion,
    ProbeOutcome,
    auditor_result_submit,
    builder_result_submit,
)
from builds.states import PhaseState
from runs.journal.event_schema import event_parse, event_payload, utc_z
from runs.models import Run, Workflow
from runs.services import journal_append, request_fingerprint, run_start, workflow_create
from tenancy.keys import hash_key
from tenancy.models import ApiKey, Membership, Role, Tenant
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


# The demo's pending approvals expire this long after the demo is first loaded, so the portal's
# countdown has something to count down (and nothing expires during a first look around).
DEMO_APPROVAL_LIFETIME = timedelta(hours=4)


@dataclass(frozen=True)
class DemoWorkflow:
    name: str
    created: bool  # the workflow was created by this load
    run_id: str
    run_started: bool  # False: its run was started by an earlier load (the same Idempotency-Key)


@dataclass(frozen=True)
class DemoLogins:
    tenant: str
    users: dict[str, str]
    api_key: str
    workflows: list[DemoWorkflow]
    created: list[str]  # what this load added besides the workflows and their runs; empty on a reload

    @property
    def changed_anything(self) -> bool:
        return bool(self.created) or any(w.created or w.run_started for w in self.workflows)


@transaction.atomic
def demo_load() -> DemoLogins:
    User = get_user_model()
    created = []
    if not Tenant.objects.filter(slug=DEMO_TENANT).exists():
        created.append(f"tenant {DEMO_TENANT}")
    tenant = tenant_ensure(slug=DEMO_TENANT, name="Demo")
    for username, (password, role_name, staff, superuser) in DEMO_USERS.items():
        user, user_created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@demo.opsgate.local",
                "is_staff": staff,
                "is_superuser": superuser,
            },
        )
        if user_created:
            user.set_password(password)
            user.save(update_fields=["password"])
            created.append(f"user {username}")
        role = Role.objects.get(name=role_name)
        in_team = Membership.objects.filter(
            user=user, team__tenant=tenant, team__slug="ops", role=role
        ).exists()
        membership_ensure(tenant=tenant, user=user, role=role, team_slug="ops")
        if not in_team and not user_created:
            created.append(f"{username}'s {role_name} role in the ops team")
    _, key_created = ApiKey.objects.get_or_create(
        prefix=DEMO_API_KEY.split("_")[1],
        defaults={
            "tenant": tenant,
            "user": User.objects.get(username="admin"),
            "name": "demo admin key",
            "key_hash": hash_key(DEMO_API_KEY),
        },
    )
    if key_created:
        created.append("API key")
    workflows = _demo_workflows(tenant, User.objects.get(username="admin"))
    if _demo_agent_request(tenant):
        created.append(f"agent request {DEMO_AGENT_RUN}")
    if _demo_rule(tenant, User.objects.get(username="admin")):
        created.append(f"rule {DEMO_RULE!r}")
    if _demo_build(tenant):
        created.append(f"build run {DEMO_BUILD_RUN}")
    return DemoLogins(
        tenant=tenant.slug,
        users={name: spec[0] for name, spec in DEMO_USERS.items()},
        api_key=DEMO_API_KEY,
        workflows=workflows,
        created=created,
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
                    "expires_in_minutes": int(DEMO_APPROVAL_LIFETIME.total_seconds() // 60),
                },
            ),
            _node("http-1", "http", 500, call),
        ),
    }


def _demo_workflows(tenant, admin) -> list[DemoWorkflow]:
    """The demo workflows, and one run of each (an Idempotency-Key keeps reloads from adding more)."""
    loaded = []
    for name, graph in _demo_graphs().items():
        workflow = Workflow.objects.filter(tenant=tenant, name=name).first()
        workflow_created = workflow is None
        if workflow_created:
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
        launch = run_start(
            tenant=tenant,
            user=admin,
            workflow=workflow,
            input=body["input"],
            idempotency_key=f"demo-{workflow.pk}",
            fingerprint=request_fingerprint(body),
        )
        loaded.append(
            DemoWorkflow(
                name=name,
                created=workflow_created,
                run_id=launch.run.run_id,
                run_started=not launch.replayed,
            )
        )
    return loaded


DEMO_AGENT_RUN = "demo-agent-restart"
DEMO_RULE = "Demo: note a deploy"


def _demo_agent_request(tenant) -> bool:
    """An agent's run waiting in the inbox, as if posted to ``POST /v1/events``; False if it exists."""
    if Run.objects.filter(tenant=tenant, run_id=DEMO_AGENT_RUN).exists():
        return False
    now = timezone.now()
    base = {
        "run_id": DEMO_AGENT_RUN,
        "actor": "agent",
        "meta": {"workflow": "db-maintenance", "step": "check"},
    }
    events = [
        {
            **base,
            "id": "demo-agent-1",
            "timestamp": utc_z(now),
            "type": "observation",
            "title": "Replication lag on payments-db is 45 s",
            "details": "Lag has grown for 20 minutes; a restart of the replica usually clears it.",
            "approval": {"status": "not_required"},
        },
        {
            **base,
            "id": "demo-agent-2",
            "timestamp": utc_z(now),
            "type": "approval_requested",
            "title": "Restart the payments-db replica?",
            "details": "Restarting drops read traffic to the primary for about a minute.",
            "risk_level": "high",
            "requires_approval": True,
            "meta": {**base["meta"], "expires_at": utc_z(now + DEMO_APPROVAL_LIFETIME)},
            "approval": {"status": "pending", "requested_by": "deploy-bot", "reason": "Clears the lag"},
        },
    ]
    journal_append(tenant=tenant, payloads=[event_payload(event_parse(e)) for e in events])
    return True


def _demo_rule(tenant, admin) -> bool:
    """A manual rule to try Dry run and Run now on: it notes a deploy in an ops log run; False if it
    exists."""
    if AutomationRule.objects.filter(tenant=tenant, name=DEMO_RULE).exists():
        return False
    fields, problems = rule_validate(
        {
            "name": DEMO_RULE,
            "description": "Try it from the portal: Dry run shows what it would do, Run now does it.",
            "status": "active",
            "trigger_type": "manual",
            "trigger_config": {},
            "actions": [
                {
                    "type": "append_event",
                    "order": 1,
                    "config": {
                        "run_id": "demo-ops-log",
                        "title": "Deploy of {{ trigger.service | default('a service') }} noted",
                    },
                }
            ],
        }
    )
    if problems:
        raise ValueError(f"the demo rule is invalid: {problems}")
    rule_create(tenant=tenant, fields=fields, user=admin)
    return True


DEMO_BUILD_RUN = "demo-build-checkout"
DEMO_BUILD_PLAN = BuildPlan(
    run_id=DEMO_BUILD_RUN,
    token_cap=500_000,
    tiers=(TierPlan("T1", 0, "Foundation"), TierPlan("T2", 1, "Interface")),
    phases=(
        PhasePlan("P1", 0, "T1", "Order schema and migration", task_category="schema", complexity="low"),
        PhasePlan("P2", 1, "T1", "Checkout API", task_category="api", complexity="medium"),
        PhasePlan("P3", 2, "T2", "Checkout page", task_category="frontend", complexity="medium"),
        PhasePlan("P4", 3, "T2", "Browser check of the checkout", task_category="tests", complexity="low"),
    ),
)
DEMO_PATCH = "\n".join(
    [
        "--- a/checkout/models.py",
        "+++ b/checkout/models.py",
        "@@ -1,2 +1,5 @@",
        " from django.db import models",
        " ",
        "+",
        "+class Order(models.Model):",
        "+    total_cents = models.PositiveIntegerField()",
        "",
    ]
)
DEMO_PROBE_LOG = """$ pytest tests/test_checkout_page.py -q
..F
FAILED tests/test_checkout_page.py::test_total_shows_the_currency - AssertionError: '250' != '250 EUR'
1 failed, 2 passed in 0.84s
"""


def _demo_build(tenant) -> bool:
    """A build run in progress, reported as an executor reports one through the operator-api: two
    tiers; P1 built, audited and complete, P2 built and waiting for its audit with an issue, P3
    executing with a failed probe (its error reports), P4 queued; a screenshot and the probe's
    log among its artifacts. False if the run exists."""
    if Run.objects.filter(tenant=tenant, run_id=DEMO_BUILD_RUN).exists():
        return False
    build_start(tenant=tenant, plan=DEMO_BUILD_PLAN)
    at = {"tenant": tenant, "run_id": DEMO_BUILD_RUN}
    builder_result_submit(
        **at,
        phase_id="P1",
        report=BuilderReport(
            status="success",
            patch_content=DEMO_PATCH,
            files_changed=("checkout/models.py",),
            lines_added=3,
            tokens_used=30_400,
            probe_results=(ProbeOutcome("pytest", 0, stdout="4 passed in 0.31s"),),
        ),
    )
    auditor_result_submit(
        **at,
        phase_id="P1",
        report=AuditorReport(
            review_notes="The schema matches the plan.", recommendation="approve", tokens_used=41_800
        ),
    )
    idempotency = IssueSuggestion(
        issue_key="checkout_api_no_idempotency_key",
        severity="minor",
        category="api_design",
        source="builder",
        evidence_refs=("checkout/api.py:42",),
        description="A retried POST /checkout could charge twice.",
    )
    builder_result_submit(
        **at,
        phase_id="P2",
        report=BuilderReport(
            status="success", builder_attempts=2, tokens_used=63_250, suggested_issues=(idempotency,)
        ),
    )
    phase_status_update(
        **at, phase_id="P3", state=PhaseState.EXECUTING, metrics=PhaseMetrics(tokens_used=12_000)
    )
    builder_result_submit(
        **at,
        phase_id="P3",
        report=BuilderReport(
            status="failed",
            tokens_used=27_400,
            probe_results=(ProbeOutcome("pytest", 1, stdout=DEMO_PROBE_LOG, duration_seconds=0.84),),
            notes="The total misses its currency; retrying with the formatter.",
        ),
    )
    run = Run.objects.get(tenant=tenant, run_id=DEMO_BUILD_RUN)
    artifact_write(run=run, path="screenshots/checkout_page.png", content=demo_screenshot_png())
    artifact_write(run=run, path="phases/P3/probe_pytest.log", content=DEMO_PROBE_LOG.encode())
    return True


# The demo screenshot: a small browser window with a page, a progress bar and a button (RGB).
SCREENSHOT_SIZE = (240, 150)
SCREENSHOT_BOXES = [
    ((0, 0, 240, 150), (245, 246, 248)),  # page background
    ((0, 0, 240, 16), (22, 32, 46)),  # the browser's top bar
    ((6, 5, 12, 11), (180, 35, 24)),
    ((16, 5, 22, 11), (224, 168, 74)),
    ((26, 5, 32, 11), (29, 122, 62)),
    ((14, 28, 226, 136), (255, 255, 255)),  # the card
    ((24, 38, 150, 46), (28, 35, 48)),  # a heading
    ((24, 56, 210, 60), (217, 221, 228)),  # lines of text
    ((24, 66, 190, 70), (217, 221, 228)),
    ((24, 80, 216, 90), (217, 221, 228)),  # the progress bar's track...
    ((24, 80, 132, 90), (29, 122, 62)),  # ...half full
    ((24, 106, 96, 124), (31, 95, 191)),  # the pay button
]


def demo_screenshot_png() -> bytes:
    """A valid PNG (8-bit RGB, no interlace) drawn from ``SCREENSHOT_BOXES``, with no imaging library."""
    width, height = SCREENSHOT_SIZE
    pixels = [bytearray(width * 3) for _ in range(height)]
    for (left, top, right, bottom), colour in SCREENSHOT_BOXES:
        for row in pixels[top:bottom]:
            row[left * 3 : right * 3] = bytes(colour) * (right - left)
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 on every scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
