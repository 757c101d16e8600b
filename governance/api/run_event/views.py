"""The run-event contract's Automation Manager (xyOps ``/api/app/...``): ``get_automation_manager``
(the policy and its recent decisions) and ``evaluate_automation_task`` (the gate's decision for a
task, recorded, nothing launched)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import RunEventApi as RunEventContractApi
from core.ids import new_ulid
from governance.api.run_event.openapi_bodies import EVALUATE_TASK_REQUEST
from governance.api.run_event.params import ApiParameterError, approved_flag, request_params
from governance.gate import decision_record, decision_view, gate_preview, policy_settings, risk_level_parse
from governance.models import PolicyDecision, PolicyMode

RECENT_DECISIONS = 100
MANAGER_ROLES = ["planner", "executor", "reviewer", "safety"]  # the origin's default roles
TASK_ID_MAX = PolicyDecision._meta.get_field("decision_id").max_length


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
        params = request_params(request)
        title = params.get("title")
        title = "" if title is None else title
        if not isinstance(title, str):  # {} or false is no title either: refused, not read as ""
            raise ApiParameterError("Malformed parameter: title (must be string)")
        task = {
            "id": _task_id(params.get("id")),
            "title": title,
            "risk_level": risk_level_parse(params.get("risk_level", params.get("risk"))) or "medium",
            "human_approved": approved_flag(params.get("human_approved")),
        }
        decision = gate_preview(
            tenant=request.auth.tenant,
            requested_risk=task["risk_level"],
            human_approved=task["human_approved"],
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
