"""The run-event contract's launch (``POST /api/app/run_event/v1``, an xyOps job): the workflow's
checks in the origin's order, then the policy gate (previewed for a dry run) and ``run_start``; and
the contract's errors with the origin's codes (``access``, ``event``) and texts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import BadRequest, Conflict, Forbidden, NotFound
from governance.gate import gate_preview
from runs.engine.launch import request_fingerprint, run_start
from runs.engine.launch_gate import GateRequest, PolicyDenied
from runs.models import Workflow
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class EventCriteriaMissing(BadRequest):
    default_code = "event"
    default_message = "Failed to locate event: No criteria specified"


class EventNotFound(NotFound):
    default_code = "event"


class EventNotRunnable(Conflict):
    """Disabled, or no manual runs: the workflow's state refuses the launch (409)."""

    default_code = "event"


class AccessDenied(Forbidden):
    default_code = "access"


class LaunchFailed(Forbidden):
    """A launch the policy gate refused: the origin's text, HTTP 403 (docs/decisions.md)."""

    default_code = "event"


@dataclass(frozen=True)
class RunEventLaunch:
    """A parsed ``run_event`` request."""

    criteria: dict[str, Any]  # {"id": ...} or {"title": ...}, as the caller sent it
    job_params: dict
    input: dict
    test: bool  # a dry run: the gate is previewed, nothing is written
    risk_level: str | None
    approval_id: str
    human_approved: bool  # JSON true, from a caller who may resolve approvals

    @property
    def name(self) -> str:
        return str(self.criteria.get("id") or self.criteria.get("title"))


def workflow_find(*, tenant: Tenant, criteria: dict[str, Any]) -> Workflow | None:
    """The tenant's workflow by ``id``, else the oldest one named ``title``."""
    workflows = Workflow.objects.filter(tenant=tenant)
    if "id" in criteria:
        try:
            return workflows.filter(pk=uuid.UUID(str(criteria["id"]))).first()
        except ValueError:
            return None
    return workflows.filter(name=criteria["title"]).order_by("created_at").first()


def run_event_launch(
    *,
    tenant: Tenant,
    user: User | AnonymousUser | None,
    launch: RunEventLaunch,
    categories: frozenset[str] | None,
    idempotency_key: str,
) -> dict[str, Any]:
    """The response body: ``{"code": 0, "id": "run_..."}``, or a dry run's gate preview.

    Checks the workflow (``EventNotFound``; ``EventNotRunnable`` without manual runs or disabled,
    unless a dry run), then the caller's ``categories`` (``AccessDenied``); a launch the gate
    refuses raises ``LaunchFailed``, ``run_start``'s other errors pass through.
    """
    workflow = workflow_find(tenant=tenant, criteria=launch.criteria)
    if workflow is None:
        raise EventNotFound(f"Event not found: {launch.name}")
    if not workflow.manual_runs and not launch.test:
        raise EventNotRunnable(f"Event does not allow manual job runs: {launch.name}")
    if not workflow.enabled and not launch.test:
        raise EventNotRunnable(f"Event is disabled: {launch.name}")
    if categories is not None and workflow.category not in categories:
        raise AccessDenied(
            f"You do not have the required account privileges to access category ID {workflow.category}."
        )

    if launch.test:  # a dry run: nothing written, so the gate is only previewed
        preview = gate_preview(
            tenant=tenant,
            requested_risk=launch.risk_level,
            workflow=workflow,
            human_approved=launch.human_approved or bool(launch.approval_id),
        )
        return {"code": 0, "id": None, "test": True, "automation_policy": preview}

    run_input = {"params": launch.job_params, "input": launch.input}
    fingerprint = request_fingerprint(
        {
            "workflow": str(workflow.pk),
            "input": run_input,
            "risk": launch.risk_level,
            "approved": launch.human_approved,
            "approval_id": launch.approval_id,
        }
    )
    try:
        started = run_start(
            tenant=tenant,
            user=user,
            workflow=workflow,
            input=run_input,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            gate=GateRequest(
                risk_level=launch.risk_level,
                human_approved=launch.human_approved,
                approval_event_id=launch.approval_id,
                title=workflow.name,
            ),
        )
    except PolicyDenied as denied:
        raise LaunchFailed(f"Failed to launch job: {denied.message}", extra=denied.extra) from None
    return {"code": 0, "id": started.run.run_id}
