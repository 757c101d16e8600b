"""operator-api §1: starting a build run, reading it, and the executor's phase status reports and
issues.

Checks in the origin's order: the key's scope (403), the start rate (429), the body or query (422),
then the run or phase (404), the request's own sense (400), the run's state (409).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ErrorDetail, Throttled
from rest_framework.response import Response

from builds.api.operator_api.inputs_lifecycle import (
    EvidenceRefs,
    PhaseStatusUpdate,
    RecordIssueQuery,
    RunStartRequest,
)
from builds.api.operator_api.outputs import (
    IssueRecordedResponse,
    PhaseStatusResponse,
    RunResponse,
    issue_recorded,
    phase_record,
    run_response,
)
from builds.selectors import build_detail_get
from builds.services import (
    BuildPlan,
    PhaseMetrics,
    PhasePlan,
    TierPlan,
    build_start,
    phase_issue_record,
    phase_status_update,
)
from core.api import OperatorApi
from core.openapi.pydantic_models import model_schema
from core.pydantic_input import input_validate
from tenancy.throttles import LoginRateThrottle

TAGS = ["builds"]


class BuildStartRateThrottle(LoginRateThrottle):
    """Build starts per client address (``OPSGATE_BUILD_START_RATE``, 10/min by default): the
    sign-in limiter's mechanism with a budget of its own."""

    scope = "build_start"

    def get_rate(self):
        return settings.OPSGATE_BUILD_START_RATE


def reporter(request) -> str:
    """Who reports, in the journal's words: a key is a machine's (an agent), anything else a person's."""
    return "agent" if getattr(request.auth, "api_key", None) is not None else "human"


def build_plan(body: RunStartRequest) -> BuildPlan:
    run = body.run
    return BuildPlan(
        run_id=run.run_id,
        safety_profile=run.safety_profile,
        run_scope=run.run_scope,
        token_cap=run.token_cap,
        max_phases=run.max_phases,
        max_duration_minutes=run.max_duration_minutes,
        tiers=tuple(TierPlan(**tier.model_dump()) for tier in body.tiers),
        phases=tuple(
            PhasePlan(
                **phase.model_dump(exclude={"intention_refs"}),
                intention_refs=phase.intention_refs.model_dump() if phase.intention_refs else None,
            )
            for phase in body.phases
        ),
    )


class RunStartApi(OperatorApi):
    required_scopes = {"POST": ("runs:start",)}
    throttle_classes = [BuildStartRateThrottle]

    def throttled(self, request, wait):
        exc = Throttled(wait)
        exc.detail = ErrorDetail(
            f"Rate limit exceeded: {settings.OPSGATE_BUILD_START_RATE}", code="throttled"
        )
        raise exc

    @extend_schema(
        operation_id="build_run_start",
        request=RunStartRequest,
        responses={
            201: RunResponse,
            400: OpenApiResponse(description="A phase names an unknown tier; a tier or phase id twice."),
            409: OpenApiResponse(description="The tenant has a run with this run_id."),
        },
        tags=TAGS,
        description=(
            "Starts a build run: the run, its tiers and its phases (all QUEUED), in one transaction. "
            "`intention_refs` and `scope` are kept with each phase. At most "
            "`OPSGATE_BUILD_START_RATE` starts per client address (10 a minute by default)."
        ),
    )
    def post(self, request):
        body = input_validate(RunStartRequest, request.data)
        tenant = request.auth.tenant
        build_start(tenant=tenant, plan=build_plan(body), actor=reporter(request))
        return Response(run_response(*build_detail_get(tenant=tenant, run_id=body.run.run_id)), status=201)


class RunDetailApi(OperatorApi):
    required_scopes = {"GET": ("runs:read",)}
    public_read_methods = frozenset({"GET"})

    @extend_schema(operation_id="build_run_get", responses={200: RunResponse}, tags=TAGS)
    def get(self, request, run_id):
        return Response(run_response(*build_detail_get(tenant=request.auth.tenant, run_id=run_id)))


class PhaseStatusApi(OperatorApi):
    required_scopes = {"POST": ("runs:report",)}

    @extend_schema(
        operation_id="build_phase_update_status",
        request=PhaseStatusUpdate,
        responses={
            200: PhaseStatusResponse,
            400: OpenApiResponse(description="A state outside PhaseState (case-sensitive)."),
            409: OpenApiResponse(
                description="A transition the phase table does not allow, or the run has ended."
            ),
        },
        tags=TAGS,
        description=(
            "Moves a phase along the transition table (nothing leaves COMPLETE or SKIPPED; FAILED "
            "goes back only to QUEUED, a retry) and copies the metrics given. The tier follows its "
            "phases; once every phase has ended the run is DONE_SUCCESS, or "
            "DONE_FAILED_REQUIRES_HUMAN_REVIEW if one failed, and nothing of it changes any more."
        ),
    )
    def post(self, request, run_id, phase_id):
        body = input_validate(PhaseStatusUpdate, request.data)
        phase = phase_status_update(
            tenant=request.auth.tenant,
            run_id=run_id,
            phase_id=phase_id,
            state=body.state,
            metrics=PhaseMetrics(**body.model_dump(exclude={"state"})),
            actor=reporter(request),
        )
        return Response(
            {
                "message": f"Phase {phase_id} updated to state {phase.state}",
                "phase": phase_record(phase, run_id),
            }
        )


def query_parameters(model) -> list[OpenApiParameter]:
    """The query parameters ``model`` validates, documented with its own constraints (a query
    parameter left out is the null its field defaults to)."""
    schema = model_schema(model)
    required = set(schema.get("required", []))
    return [
        OpenApiParameter(
            name,
            {k: v for k, v in field.items() if k not in ("description", "nullable", "default")},
            required=name in required,
            description=field.get("description", ""),
        )
        for name, field in schema["properties"].items()
    ]


class RecordIssueApi(OperatorApi):
    required_scopes = {"POST": ("runs:report",)}

    @extend_schema(
        operation_id="build_phase_record_issue",
        parameters=query_parameters(RecordIssueQuery),
        request={"application/json": model_schema(EvidenceRefs)},  # optional: no body is no evidence
        responses={
            200: IssueRecordedResponse,
            409: OpenApiResponse(description="The run has ended."),
        },
        tags=TAGS,
        description=(
            "Records an issue of a phase (the issue in the query; the optional body is a JSON list of "
            "evidence references) and updates the phase's, tier's and run's minor and major counts "
            "and the phase's issue_state."
        ),
    )
    def post(self, request, run_id, phase_id):
        query = input_validate(RecordIssueQuery, request.query_params.dict(), location="query")
        data = request.data if isinstance(request.data, list) or request.data else None
        evidence = input_validate(EvidenceRefs, data).root
        tenant = request.auth.tenant
        phase = phase_issue_record(
            tenant=tenant,
            run_id=run_id,
            phase_id=phase_id,
            evidence_refs=evidence,
            actor=reporter(request),
            **query.model_dump(),
        )
        return Response(issue_recorded(tenant=tenant, phase=phase, run_id=run_id, issue_key=query.issue_key))
