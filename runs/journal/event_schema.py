"""The run-journal-v0 event schema and the origin's detail codes for each validation problem.

Validation uses pydantic v2 so that each detail's ``type`` and ``message`` are the ones the origin
(a pydantic service) returns. Our additions: ``meta.expires_at`` (approval expiry; with it,
``meta.workflow`` and ``meta.step`` may be left out) and the ``critical`` risk level (the policy
gate's and the inbox's fourth level).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from core.errors import ErrorDetail

EventType = Literal[
    "intent",
    "action",
    "observation",
    "decision",
    "approval_requested",
    "approval_resolved",
    "error",
    "summary",
]
Actor = Literal["agent", "system", "human"]
ApprovalState = Literal["not_required", "pending", "approved", "rejected"]
RiskLevel = Literal["low", "medium", "high", "critical"]  # critical: our addition
EvidenceKind = Literal["log", "url", "artifact", "diff"]


def utc_z(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as the journal stores and returns every time."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


ID_MAX = 200  # the columns that index ids (runs.Run.run_id, runs.RunEvent.event_id, approvals)
TEXT_MAX = 500


def _in_utc_range(value):
    """Refuses times outside UTC's range, which the database cannot store. (Text a client sends is
    checked by the JSON parser; text the server writes is made storable where it is made.)"""
    if isinstance(value, datetime):
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise PydanticCustomError(
                "datetime_overflow", "Datetime is out of range once converted to UTC"
            ) from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    _in_utc_range = field_validator("*")(_in_utc_range)


class Approval(_Strict):
    status: ApprovalState
    decision_id: str | None = Field(default=None, max_length=ID_MAX)
    requested_by: str | None = Field(default=None, max_length=ID_MAX)
    resolved_by: str | None = Field(default=None, max_length=ID_MAX)
    resolved_at: AwareDatetime | None = None
    reason: str | None = None

    @field_serializer("resolved_at")
    def _z(self, value):
        return utc_z(value)


class Evidence(_Strict):
    kind: EvidenceKind
    label: str
    ref: str


class Meta(_Strict):
    """``workflow`` and ``step`` are required unless ``expires_at`` (our addition: when a pending
    approval lapses) is given: an agent asking for an approval with a deadline need not name them."""

    model_config = ConfigDict(  # the same rule in the OpenAPI document
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["workflow", "step"],
                    "properties": {"workflow": {"type": "string"}, "step": {"type": "string"}},
                },
                {"required": ["expires_at"], "properties": {"expires_at": {"type": "string"}}},
            ]
        }
    )

    workflow: str | None = None
    step: str | None = None
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _named_unless_expiring(self):
        if self.expires_at is not None:
            return self
        missing = [
            InitErrorDetails(type="missing", loc=(name,), input=None)
            for name in ("workflow", "step")
            if getattr(self, name) is None
        ]
        if missing:  # reported as the origin reports a missing field: ``meta.step`` / ``missing``
            raise ValidationError.from_exception_data("Meta", missing)
        return self

    @field_serializer("expires_at")
    def _z(self, value):
        return utc_z(value)


class Event(_Strict):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=ID_MAX)
    run_id: str = Field(min_length=1, max_length=ID_MAX)
    timestamp: AwareDatetime
    type: EventType
    actor: Actor
    title: str = Field(min_length=1, max_length=TEXT_MAX)
    details: str = Field(min_length=1)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    risk_level: RiskLevel | None = None
    requires_approval: bool = False
    approval: Approval
    evidence: list[Evidence] = Field(default_factory=list)
    meta: Meta | None = None

    @field_serializer("timestamp")
    def _z(self, value):
        return utc_z(value)

    @field_validator("confidence")
    @classmethod
    def _no_negative_zero(cls, value):
        return 0.0 if value == 0 else value  # -0.0 would not survive a jsonb round trip (hash chain)


_MISSING = {
    "id": "MISSING_EVENT_ID",
    "run_id": "MISSING_RUN_ID",
    "timestamp": "MISSING_TIMESTAMP",
    "type": "MISSING_EVENT_TYPE",
    "actor": "MISSING_ACTOR",
    "title": "MISSING_TIMELINE_FIELDS",
    "details": "MISSING_TIMELINE_FIELDS",
    "approval": "MISSING_APPROVAL",
}
_ENUMS = {
    "type": "INVALID_EVENT_TYPE",
    "actor": "INVALID_ACTOR",
    "risk_level": "INVALID_RISK_LEVEL",
    "approval.status": "INVALID_APPROVAL_STATUS",
}
_TIMESTAMP_TYPES = {
    "value_error",
    "datetime_parsing",
    "datetime_from_date_parsing",
    "timezone_aware",
    "datetime_type",
    "datetime_overflow",
}


def detail_code(path: str, error_type: str) -> str:
    """The origin's detail code for one pydantic error, checked in the origin's order."""
    if error_type == "missing":
        return _MISSING.get(path, "MISSING_REQUIRED_FIELD")
    if error_type == "extra_forbidden":
        return "UNKNOWN_FIELD"
    if path == "timestamp" and error_type in _TIMESTAMP_TYPES:
        return "INVALID_TIMESTAMP"
    if path == "confidence" and error_type in ("greater_than_equal", "less_than_equal"):
        return "INVALID_CONFIDENCE_BOUNDS"
    if path == "confidence" and error_type == "float_parsing":
        return "INVALID_CONFIDENCE_TYPE"
    if path in ("title", "details") and error_type == "string_too_short":
        return "MISSING_TIMELINE_FIELDS"
    if path == "run_id" and error_type == "string_too_short":
        return "MISSING_RUN_ID"
    if error_type == "literal_error":
        if path.endswith(".kind"):
            return "INVALID_EVIDENCE_KIND"
        return _ENUMS.get(path, "INVALID_ENUM_VALUE")
    return "SCHEMA_VALIDATION_ERROR"


def _message(error: dict) -> str:
    if error["type"] == "timezone_aware":
        return "timestamp must include timezone information"
    return error["msg"]


def validation_details(exc: ValidationError, prefix: str = "") -> list[ErrorDetail]:
    """Every problem, sorted by path (stable, so ties keep pydantic's order)."""
    details = []
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"])
        details.append(
            ErrorDetail(
                path=f"{prefix}{path}",
                message=_message(error),
                type=error["type"],
                code=detail_code(path, error["type"]),
            )
        )
    return sorted(details, key=lambda d: d.path)


def event_parse(data: Any) -> Event:
    """Raises ``pydantic.ValidationError``; a non-object body fails as ``dict_type`` at the root."""
    return Event.model_validate(data)


def event_payload(event: Event) -> dict[str, Any]:
    """The stored and returned payload: every field, defaults filled, times in UTC ``Z``; in
    ``meta`` only what was given (``expires_at`` is ours), so the origin's shape is unchanged."""
    payload = event.model_dump(mode="json")
    if payload["meta"] is not None:
        payload["meta"] = {key: value for key, value in payload["meta"].items() if value is not None}
    return payload
