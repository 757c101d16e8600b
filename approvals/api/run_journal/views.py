"""run-journal-v0 approvals: decide one, list the pending ones."""

from typing import Literal

from drf_spectacular.utils import extend_schema
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rest_framework import serializers
from rest_framework.response import Response

from approvals.errors import ApprovalRequestInvalid
from approvals.selectors import pending_approvals
from approvals.services import approval_resolve
from core.api import RunJournalApi
from core.errors import ErrorDetail
from runs.journal.event_schema import utc_z

_CODES = {
    ("approver_id", "missing"): "MISSING_APPROVER_ID",
    ("approver_id", "string_too_short"): "MISSING_APPROVER_ID",
    ("decision", "missing"): "MISSING_APPROVAL_DECISION",
    ("decision", "literal_error"): "INVALID_APPROVAL_DECISION",
}


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["approved", "rejected"]
    approver_id: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=10_000)


class ResolveOutput(serializers.Serializer):
    status = serializers.CharField()
    event_id = serializers.CharField()
    target_event_id = serializers.CharField()
    run_id = serializers.CharField()
    decision = serializers.CharField()
    resolved_at = serializers.CharField()
    run_status = serializers.CharField(help_text="The run's status after the decision (our addition).")


class PendingItemOutput(serializers.Serializer):
    event_id = serializers.CharField()
    run_id = serializers.CharField()
    requested_at = serializers.CharField()
    requested_by = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    details = serializers.CharField()
    reason = serializers.CharField(allow_null=True)
    risk_level = serializers.CharField(allow_null=True)


class PendingOutput(serializers.Serializer):
    pending_count = serializers.IntegerField()
    approvals = PendingItemOutput(many=True)


def _parse(data) -> ResolveRequest:
    try:
        return ResolveRequest.model_validate(data)
    except ValidationError as exc:
        details = []
        for error in exc.errors(include_url=False):
            path = ".".join(str(p) for p in error["loc"])
            code = _CODES.get(
                (path, error["type"]),
                "UNKNOWN_FIELD" if error["type"] == "extra_forbidden" else "SCHEMA_VALIDATION_ERROR",
            )
            details.append(ErrorDetail(path, error["msg"], error["type"], code))
        raise ApprovalRequestInvalid(
            details=sorted(details, key=lambda d: (d.path, d.code, d.type))
        ) from None


class ApprovalResolveApi(RunJournalApi):
    required_scopes = {"POST": ("approvals:resolve",)}

    @extend_schema(request=ResolveRequest, responses={200: ResolveOutput}, tags=["run-journal"])
    def post(self, request, event_id):
        body = _parse(request.data)
        resolution = approval_resolve(
            tenant=request.auth.tenant,
            event_id=event_id,
            decision=body.decision,
            approver_id=body.approver_id,
            reason=body.reason,
            user=request.user,
            acting_for_others=request.auth.api_key is not None,
        )
        return Response({"status": "resolved", **resolution.__dict__})


class PendingApprovalsApi(RunJournalApi):
    required_scopes = {"GET": ("approvals:read",)}

    @extend_schema(responses={200: PendingOutput}, tags=["run-journal"])
    def get(self, request):
        approvals = [
            {
                "event_id": a["event_id"],
                "run_id": a["run__run_id"],
                "requested_at": utc_z(a["requested_at"]),
                "requested_by": a["requested_by"] or None,
                "title": a["title"],
                "details": a["details"],
                "reason": a["reason"] or None,
                "risk_level": a["risk_level"] or None,
            }
            for a in pending_approvals(tenant=request.auth.tenant)
        ]
        return Response({"pending_count": len(approvals), "approvals": approvals})
