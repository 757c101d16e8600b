"""run-event policy gate (xyOps ``/api/app/...``): ``run_event``, and the Automation Manager's
``get_automation_manager`` and ``evaluate_automation_task``.

``run_event`` checks in the origin's order: criteria, parameters, credentials, the ``run_jobs``
privilege (``runs:start``), the workflow, manual runs, enabled, category privilege; then the launch,
where the policy gate decides (``runs.engine.launch.run_start``).
"""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import RunEventApi as RunEventContractApi
from core.ids import new_ulid
from governance.models import PolicyDecision, PolicyMode
from governance.policy import (
    decision_record,
    decision_view,
    launch_risk,
    policy_gate_evaluate,
    policy_settings,
    risk_level_parse,
)
from runs.api.run_event.errors import (
    AccessDenied,
    ApiParameterError,
    EventCriteriaMissing,
    EventNotFound,
    EventNotRunnable,
    LaunchFailed,
)
from runs.api.run_event.schemas import EVALUATE_TASK_REQUEST, RUN_EVENT_REQUEST
from runs.engine.launch import request_fingerprint, run_start
from runs.engine.launch_gate import GateRequest, PolicyDenied
from runs.models import Workflow

RECENT_DECISIONS = 100
MANAGER_ROLES = ["planner", "executor", "reviewer", "safety"]  # the origin's default roles
RUN_JOBS = "Run Jobs"  # the title xyOps shows for the run_jobs privilege
TASK_ID_MAX = PolicyDecision._meta.get_field("decision_id").max_length


def _params(request) -> dict:
    """The origin merges the query string and the JSON body (the body wins)."""
    params = {key: request.query_params.get(key) for key in request.query_params}
    if not isinstance(request.data, dict):  # null, [], 0, "": a body that is not parameters
        raise ApiParameterError("Malformed request body (must be a JSON object)")
    params.update(request.data)
    return params


def _task_id(value) -> str:
    """The caller's task id (a string or a number, as recorded decisions hold it), else a new one."""
    if value is None or value == "":
        return f"task_{new_ulid()}"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ApiParameterError("Malformed parameter: id (must be string)")
    task_id = str(value)
    if len(task_id) > TASK_ID_MAX:
        raise ApiParameterError(f"Malformed parameter: id (at most {TASK_ID_MAX} characters)")
    return task_id


def _approved_flag(value) -> bool:
    """Only JSON ``true`` counts: ``"false"`` (and every other string) is not an approval."""
    return value is True


def _require_privilege(request, scope: str, title: str) -> None:
    if scope in request.auth.scopes:
        return
    key = request.auth.api_key
    if key is not None:
        raise AccessDenied(
            f'API Key "{key.name}" does not have the "{title}" privilege required to perform this action.'
        )
    raise AccessDenied(f'You do not have the "{title}" privilege required to perform this action.')


def _workflow_find(tenant, criteria: dict) -> Workflow | None:
    workflows = Workflow.objects.filter(tenant=tenant)
    if "id" in criteria:
        try:
            return workflows.filter(pk=uuid.UUID(str(criteria["id"]))).first()
        except ValueError:
            return None
    return workflows.filter(name=criteria["title"]).order_by("created_at").first()


class RunEventApi(RunEventContractApi):
    """``POST /api/app/run_event/v1``: start a workflow run (an xyOps job)."""

    required_scopes = {"POST": ()}  # run_jobs is checked after the parameters, as the origin does

    @extend_schema(request={"application/json": RUN_EVENT_REQUEST}, responses={200: dict}, tags=["run-event"])
    def post(self, request):
        params = _params(request)
        criteria = {}
        if params.get("id"):
            criteria["id"] = params["id"]
        elif params.get("title"):
            criteria["title"] = params["title"]
        else:
            raise EventCriteriaMissing()
        name = str(criteria.get("id") or criteria.get("title"))
        job_params = params.get("params")
        if not isinstance(job_params, dict):
            job_params = {}
        if "input" in params and not isinstance(params["input"], dict):
            raise ApiParameterError("Malformed event parameter: input (must be object)")
        if "test" in params and not isinstance(params["test"], bool):
            raise ApiParameterError("Malformed event parameter: test (must be boolean)")
        test = params.get("test") is True
        risk = risk_level_parse(params.get("risk_level", params.get("risk")))
        approval_id = params.get("approval_id") or ""
        if not isinstance(approval_id, str):
            raise ApiParameterError("Malformed event parameter: approval_id (must be string)")

        _require_privilege(request, "runs:start", RUN_JOBS)
        tenant = request.auth.tenant
        workflow = _workflow_find(tenant, criteria)
        if workflow is None:
            raise EventNotFound(f"Event not found: {name}")
        if not workflow.manual_runs and not test:
            raise EventNotRunnable(f"Event does not allow manual job runs: {name}")
        if not workflow.enabled and not test:
            raise EventNotRunnable(f"Event is disabled: {name}")
        categories = request.auth.categories
        if categories is not None and workflow.category not in categories:
            raise AccessDenied(
                f"You do not have the required account privileges to access category ID {workflow.category}."
            )

        human_approved = (
            _approved_flag(params.get("human_approved")) and "approvals:resolve" in request.auth.scopes
        )
        if test:  # a dry run: nothing written, so the gate is only previewed
            policy = policy_settings(tenant)
            preview = policy_gate_evaluate(
                policy,
                risk_level=launch_risk(policy, requested=risk, workflow=workflow),
                human_approved=human_approved or bool(approval_id),
            )
            return Response({"code": 0, "id": None, "test": True, "automation_policy": preview})

        run_input = {"params": job_params, "input": params.get("input") or {}}
        key = request.headers.get("Idempotency-Key", "").strip()[:200]
        fingerprint = request_fingerprint(
            {
                "workflow": str(workflow.pk),
                "input": run_input,
                "risk": risk,
                "approved": human_approved,
                "approval_id": approval_id,
            }
        )
        try:
            launch = run_start(
                tenant=tenant,
                user=request.user,
                workflow=workflow,
                input=run_input,
                idempotency_key=key,
                fingerprint=fingerprint,
                gate=GateRequest(
                    risk_level=risk,
                    human_approved=human_approved,
                    approval_event_id=approval_id,
                    title=workflow.name,
                ),
            )
        except PolicyDenied as denied:
            raise LaunchFailed(f"Failed to launch job: {denied.message}", extra=denied.extra) from None
        return Response({"code": 0, "id": launch.run.run_id})


class AutomationManagerApi(RunEventContractApi):
    """``GET /api/app/get_automation_manager/v1``: the policy and its recent decisions."""

    required_scopes = {"GET": ("governance:read",)}

    @extend_schema(responses={200: dict}, tags=["run-event"])
    def get(self, request):
        tenant = request.auth.tenant
        policy = policy_settings(tenant)
        recent = PolicyDecision.objects.filter(tenant=tenant).order_by("-at", "-id")[:RECENT_DECISIONS]
        manager = {
            "enabled": policy.mode != PolicyMode.OFF,
            "mode": policy.mode,
            "roles": MANAGER_ROLES,
            "require_human_approval_for": list(policy.require_human_approval_for),
            "recentDecisions": [decision_view(row) for row in recent],
            # ours (additive)
            "on_deny": policy.on_deny,
            "allow_self_approval": policy.allow_self_approval,
            "approval_lifetime_minutes": policy.approval_lifetime_minutes,
        }
        return Response({"code": 0, "manager": manager})


class EvaluateAutomationTaskApi(RunEventContractApi):
    """``POST /api/app/evaluate_automation_task/v1``: what the gate would decide for a task; the
    decision is recorded (it shows in ``recentDecisions``), nothing is launched."""

    required_scopes = {"POST": ("policy:write",)}

    @extend_schema(
        request={"application/json": EVALUATE_TASK_REQUEST}, responses={200: dict}, tags=["run-event"]
    )
    def post(self, request):
        params = _params(request)
        title = params.get("title")
        title = "" if title is None else title
        if not isinstance(title, str):  # {} or false is no title either: refused, not read as ""
            raise ApiParameterError("Malformed parameter: title (must be string)")
        task = {
            "id": _task_id(params.get("id")),
            "title": title,
            "risk_level": risk_level_parse(params.get("risk_level", params.get("risk"))) or "medium",
            "human_approved": _approved_flag(params.get("human_approved")),
        }
        policy = policy_settings(request.auth.tenant)
        decision = policy_gate_evaluate(
            policy, risk_level=task["risk_level"], human_approved=task["human_approved"]
        )
        if decision is None:  # mode off: no gate, launches go through
            decision = {
                "allowed": True,
                "mode": PolicyMode.OFF.value,
                "risk_level": task["risk_level"],
                "reason": "Automation Manager is disabled",
                "requires_human_approval": False,
                "human_approved": task["human_approved"],
            }
        username = request.user.get_username() if request.user.is_authenticated else ""
        row = decision_record(
            tenant=request.auth.tenant,
            decision=decision,
            decision_id=task["id"],
            title=title,
            username=username,
        )
        return Response({"code": 0, "task": task, "decision": decision_view(row)})
