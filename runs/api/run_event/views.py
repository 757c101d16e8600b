"""run-event policy gate (xyOps ``/api/app/...``): ``POST /api/app/run_event/v1``.

Checks in the origin's order: criteria, parameters, credentials, the ``run_jobs`` privilege
(``runs:start``); then ``runs.run_event.run_event_launch``: the workflow, manual runs, enabled,
category privilege, and the launch, where the policy gate decides (``runs.engine.launch.run_start``).
The Automation Manager's endpoints are governance's (``governance.api.run_event``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import RunEventApi as RunEventContractApi
from governance.api.run_event.params import ApiParameterError, approved_flag, request_params
from governance.gate import risk_level_parse
from runs.api.run_event.openapi_bodies import RUN_EVENT_REQUEST
from runs.run_event import AccessDenied, EventCriteriaMissing
from runs.services import RunEventLaunch, run_event_launch

RUN_JOBS = "Run Jobs"  # the title xyOps shows for the run_jobs privilege
IDEMPOTENCY_KEY_MAX = 200


def _launch_parse(params: dict, *, may_resolve_approvals: bool) -> RunEventLaunch:
    criteria = {}
    if params.get("id"):
        criteria["id"] = params["id"]
    elif params.get("title"):
        criteria["title"] = params["title"]
    else:
        raise EventCriteriaMissing()
    job_params = params.get("params")
    if not isinstance(job_params, dict):
        job_params = {}
    if "input" in params and not isinstance(params["input"], dict):
        raise ApiParameterError("Malformed event parameter: input (must be object)")
    if "test" in params and not isinstance(params["test"], bool):
        raise ApiParameterError("Malformed event parameter: test (must be boolean)")
    risk = risk_level_parse(params.get("risk_level", params.get("risk")))
    approval_id = params.get("approval_id") or ""
    if not isinstance(approval_id, str):
        raise ApiParameterError("Malformed event parameter: approval_id (must be string)")
    return RunEventLaunch(
        criteria=criteria,
        job_params=job_params,
        input=params.get("input") or {},
        test=params.get("test") is True,
        risk_level=risk,
        approval_id=approval_id,
        human_approved=approved_flag(params.get("human_approved")) and may_resolve_approvals,
    )


def _require_privilege(request, scope: str, title: str) -> None:
    if scope in request.auth.scopes:
        return
    key = request.auth.api_key
    if key is not None:
        raise AccessDenied(
            f'API Key "{key.name}" does not have the "{title}" privilege required to perform this action.'
        )
    raise AccessDenied(f'You do not have the "{title}" privilege required to perform this action.')


class RunEventApi(RunEventContractApi):
    """``POST /api/app/run_event/v1``: start a workflow run (an xyOps job)."""

    required_scopes = {"POST": ()}  # run_jobs is checked after the parameters, as the origin does

    @extend_schema(request={"application/json": RUN_EVENT_REQUEST}, responses={200: dict}, tags=["run-event"])
    def post(self, request):
        launch = _launch_parse(
            request_params(request), may_resolve_approvals="approvals:resolve" in request.auth.scopes
        )
        _require_privilege(request, "runs:start", RUN_JOBS)
        body = run_event_launch(
            tenant=request.auth.tenant,
            user=request.user,
            launch=launch,
            categories=request.auth.categories,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:IDEMPOTENCY_KEY_MAX],
        )
        return Response(body)
