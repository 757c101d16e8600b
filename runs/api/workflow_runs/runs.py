"""workflow-runs-v1 runs: ``POST /v1/runs`` (202, Idempotency-Key) and ``GET /v1/runs/{id}``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api import WorkflowRunsApi
from core.errors import ErrorDetail, Invalid, NotFound
from runs.api.workflow_runs.serializers import RunAcceptedOutput, RunOutput, RunStartInput
from runs.read_model import run_view
from runs.selectors import run_get, workflow_get
from runs.services import GateRequest, Launch, request_fingerprint, run_replay, run_start

IDEMPOTENCY_KEY_MAX = 200


class RunNotFound(NotFound):
    default_message = "Run not found"


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise Invalid(
            details=[ErrorDetail("Idempotency-Key", f"must be at most {IDEMPOTENCY_KEY_MAX} characters")]
        )
    return key


def _accepted(launch: Launch) -> Response:
    headers = {"Idempotent-Replayed": "true"} if launch.replayed else None
    return Response({"runId": launch.run.run_id, "status": "queued"}, status=202, headers=headers)


class RunStartApi(WorkflowRunsApi):
    required_scopes = {"POST": ("runs:start",)}

    @extend_schema(
        request=RunStartInput,
        responses={202: RunAcceptedOutput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        tags=["runs"],
    )
    def post(self, request):
        key = _idempotency_key(request)
        data = RunStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        fingerprint = request_fingerprint(data.fingerprint_data())
        if key and (earlier := run_replay(tenant=request.auth.tenant, key=key, fingerprint=fingerprint)):
            return _accepted(earlier)  # the first answer again, even if its workflow is gone since
        workflow = None
        if "workflowId" in data.validated_data:
            workflow = workflow_get(
                tenant=request.auth.tenant,
                workflow_id=data.validated_data["workflowId"],
                categories=request.auth.categories,
            )
        launch = run_start(
            tenant=request.auth.tenant,
            user=request.user,
            graph=data.validated_data.get("graph"),
            workflow=workflow,
            input=data.validated_data["input"],
            idempotency_key=key,
            fingerprint=fingerprint,
            gate=GateRequest(
                risk_level=data.validated_data.get("riskLevel"),
                human_approved=data.validated_data.get("humanApproved", False)
                and "approvals:resolve" in request.auth.scopes,
                approval_event_id=data.validated_data.get("approvalId", ""),
            ),
        )
        return _accepted(launch)


class RunDetailApi(WorkflowRunsApi):
    required_scopes = {"GET": ("runs:read",)}

    @extend_schema(responses={200: RunOutput}, tags=["runs"])
    def get(self, request, run_id):
        run = run_get(tenant=request.auth.tenant, run_id=run_id, missing=RunNotFound)
        return Response(run_view(run))
