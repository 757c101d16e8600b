"""operator-api §1: a phase's builder and auditor results.

Checks in the origin's order: the key's scope (403), the body (422), the path against the body's
ids (400), then the phase (404); a builder's patch is checked after that (422, the phase failed).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from builds.api.operator_api.inputs_results import AuditorResult, BuilderResult
from builds.errors import ResultIdsMismatch
from builds.services.results import (
    AuditorReport,
    BuilderReport,
    IssueSuggestion,
    ProbeOutcome,
    auditor_result_submit,
    builder_result_submit,
)
from core.api import OperatorApi
from core.pydantic_input import input_validate


class BuilderResultOutput(serializers.Serializer):
    message = serializers.CharField()
    phase_id = serializers.CharField()
    run_id = serializers.CharField()
    phase_state = serializers.CharField()


class AuditorResultOutput(BuilderResultOutput):
    pass


def _ids_check(*, run_id: str, phase_id: str, body: BuilderResult | AuditorResult) -> None:
    if body.run_id != run_id or body.phase_id != phase_id:
        raise ResultIdsMismatch(type(body).__name__)


def _issues(items) -> tuple[IssueSuggestion, ...]:
    return tuple(IssueSuggestion(**item.model_dump()) for item in items)


def builder_report(body: BuilderResult) -> BuilderReport:
    return BuilderReport(
        status=body.status,
        run_type=body.run_type,
        allowed_paths=tuple(body.allowed_paths),
        patch_content=body.patch_content,
        files_changed=tuple(body.files_changed),
        lines_added=body.lines_added,
        lines_removed=body.lines_removed,
        builder_attempts=body.builder_attempts,
        tokens_used=body.tokens_used,
        duration_minutes=body.duration_minutes,
        probe_results=tuple(ProbeOutcome(**probe.model_dump()) for probe in body.probe_results),
        suggested_issues=_issues(body.suggested_issues),
        notes=body.notes,
    )


def auditor_report(body: AuditorResult) -> AuditorReport:
    return AuditorReport(
        review_notes=body.review_notes,
        recommendation=body.recommendation,
        issues_found=_issues(body.issues_found),
        suggested_patches=tuple(patch.model_dump() for patch in body.suggested_patches),
        auditor_attempts=body.auditor_attempts,
        tokens_used=body.tokens_used,
        confidence=body.confidence,
    )


class BuilderResultApi(OperatorApi):
    required_scopes = {"POST": ("runs:report",)}

    @extend_schema(
        request=BuilderResult,
        responses={
            200: BuilderResultOutput,
            409: OpenApiResponse(description="The result's status would move the phase illegally."),
        },
        tags=["builds"],
        description=(
            "A builder's result for a phase. `patch_content` must be a unified diff touching only "
            "`allowed_paths` (when given), else 422 and the phase is FAILED; `status: success` moves "
            "the phase to GATE."
        ),
    )
    def post(self, request, run_id: str, phase_id: str):
        body = input_validate(BuilderResult, request.data)
        _ids_check(run_id=run_id, phase_id=phase_id, body=body)
        phase = builder_result_submit(
            tenant=request.auth.tenant, run_id=run_id, phase_id=phase_id, report=builder_report(body)
        )
        return Response(
            {
                "message": "Builder result submitted successfully",
                "phase_id": phase.phase_id,
                "run_id": run_id,
                "phase_state": phase.state,
            }
        )


class AuditorResultApi(OperatorApi):
    required_scopes = {"POST": ("runs:report",)}

    @extend_schema(
        request=AuditorResult,
        responses={
            200: AuditorResultOutput,
            409: OpenApiResponse(description="approve or revise of a phase whose state does not allow it."),
        },
        tags=["builds"],
        description=(
            "An auditor's result for a phase: `approve` completes a phase at GATE, `revise` queues it "
            "again (a new revision), `escalate` keeps it at GATE for human review."
        ),
    )
    def post(self, request, run_id: str, phase_id: str):
        body = input_validate(AuditorResult, request.data)
        _ids_check(run_id=run_id, phase_id=phase_id, body=body)
        phase = auditor_result_submit(
            tenant=request.auth.tenant, run_id=run_id, phase_id=phase_id, report=auditor_report(body)
        )
        return Response(
            {
                "message": "Auditor result submitted",
                "phase_id": phase.phase_id,
                "run_id": run_id,
                "phase_state": phase.state,
            }
        )
