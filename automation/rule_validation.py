"""What a valid rule is: alga-psa's create schema (names, enums, bounds, defaults), checked per
trigger and action type. Shared by the API and the admin; problems come back as zod-like issues
``(path, message, code)`` so both can show them field by field.

Opsgate runs five action types (``workflow_execution``, ``webhook_call``, ``email_notification``
and our ``request_approval``, ``append_event``); the origin's other action types and the
``condition_based`` trigger have no executor here, so they are refused rather than stored and never run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from croniter import croniter
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator

from automation.webhook_secrets import actions_problems
from core.conditions import OPERATORS, path_problem, regex_problem
from core.errors import ErrorDetail

RULE_OPERATORS = (
    "equals",
    "not_equals",
    "greater_than",
    "less_than",
    "greater_than_or_equal",
    "less_than_or_equal",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "in",
    "not_in",
    "exists",
    "not_exists",
    "regex_match",
)
assert set(RULE_OPERATORS) <= set(OPERATORS)

ORIGIN_ACTION_TYPES = (
    "email_notification",
    "sms_notification",
    "webhook_call",
    "database_update",
    "ticket_creation",
    "ticket_update",
    "project_update",
    "time_entry_creation",
    "invoice_generation",
    "custom_script",
    "workflow_execution",
    "system_command",
)
ACTION_TYPES = (
    "workflow_execution",
    "webhook_call",
    "email_notification",
    "request_approval",
    "append_event",
)
SCHEDULE_CRONS = {  # schedule_type -> cron, for the presets
    "hourly": "0 * * * *",
    "daily": "0 0 * * *",
    "weekly": "0 0 * * 1",
    "monthly": "0 0 1 * *",
    "yearly": "0 0 1 1 *",
}


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("Invalid email") from None
    return value


EmailStr = Annotated[str, AfterValidator(_email)]
HTTP_METHODS = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
RISK = Literal["low", "medium", "high", "critical"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TimeTrigger(Strict):
    schedule_type: Literal["once", "hourly", "daily", "weekly", "monthly", "yearly", "custom_cron"]
    cron_expression: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    timezone: str | None = None
    max_executions: int | None = Field(default=None, ge=1)
    skip_if_running: bool = False

    model_config = ConfigDict(extra="forbid", strict=False)

    @field_validator("cron_expression")
    @classmethod
    def _cron(cls, value):
        if value is not None and not croniter.is_valid(value):
            raise ValueError("is not a valid cron expression (five fields: minute hour day month weekday)")
        return value

    def cron(self) -> str | None:
        """The cron this trigger fires on (None for ``once``)."""
        if self.schedule_type == "custom_cron":
            return self.cron_expression
        return SCHEDULE_CRONS.get(self.schedule_type)


class EventTrigger(Strict):
    event_type: str = Field(min_length=1)
    event_source: str | None = None
    event_filters: dict[str, Any] | None = None
    debounce_minutes: float | None = Field(default=None, ge=0)
    batch_size: int | None = Field(default=None, ge=1)
    batch_timeout_minutes: float | None = Field(default=None, ge=1)

    @field_validator("event_filters")
    @classmethod
    def _filter_paths(cls, filters):
        for key in filters or {}:
            if why := path_problem(key):
                raise ValueError(f"the key {key[:100]!r} is not a path into the event: it {why}")
        return filters


class WebhookTrigger(Strict):
    """Inbound: Opsgate gives the rule a URL and a secret; the origin's outbound fields are kept."""

    http_method: HTTP_METHODS = "POST"
    headers: dict[str, str] | None = None


class ManualTrigger(BaseModel):
    model_config = ConfigDict(extra="allow")


TRIGGERS = {
    "time_based": TimeTrigger,
    "recurring": TimeTrigger,
    "event_based": EventTrigger,
    "webhook": WebhookTrigger,
    "manual": ManualTrigger,
}


class Condition(Strict):
    field: str = Field(min_length=1)
    operator: Literal[RULE_OPERATORS]
    value: Any = None
    data_type: Literal["string", "number", "boolean", "date", "array", "object"] | None = None

    @field_validator("field")
    @classmethod
    def _path(cls, value):
        if why := path_problem(value):
            raise ValueError(f"is not a path into the trigger data: it {why}")
        return value


class EmailAction(Strict):
    to: list[EmailStr] = Field(min_length=1)
    cc: list[EmailStr] | None = None
    bcc: list[EmailStr] | None = None
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)
    is_html: bool = False


class Authentication(Strict):
    """``credentials`` are sealed when the rule is saved (``automation.webhook_secrets``);
    ``credential_name`` names a tenant credential holding the secret instead. Either needs the
    webhook's URL to have its origin written out (no template before the path)."""

    type: Literal["none", "basic", "bearer", "api_key"]
    credentials: dict[str, str] | None = None
    credential_name: str | None = Field(default=None, min_length=1, max_length=100)


class WebhookAction(Strict):
    url: HttpUrl
    method: HTTP_METHODS = "POST"
    headers: dict[str, str] | None = None
    body: Any = None
    authentication: Authentication | None = None
    timeout_seconds: int = Field(default=30, ge=1, le=300)
    retry_attempts: int = Field(default=3, ge=0, le=5)


class WorkflowAction(Strict):
    workflow_id: str = Field(pattern=r"^[0-9a-fA-F-]{36}$")
    input: dict[str, Any] = Field(default_factory=dict)
    risk_level: RISK | None = None


class ApprovalAction(Strict):
    title: str = Field(min_length=1, max_length=200)
    reason: str = ""
    risk_level: Literal["low", "medium", "high"] | None = None
    expires_in_minutes: int | None = Field(default=None, ge=1, le=60 * 24 * 30)


class AppendEventAction(Strict):
    run_id: str = Field(min_length=1, max_length=200)
    type: Literal["action", "observation", "intent", "summary", "error"] = "action"
    title: str = Field(min_length=1, max_length=200)
    details: str = ""


ACTIONS = {
    "workflow_execution": WorkflowAction,
    "webhook_call": WebhookAction,
    "email_notification": EmailAction,
    "request_approval": ApprovalAction,
    "append_event": AppendEventAction,
}


class Action(Strict):
    type: str
    config: dict[str, Any]
    order: int = Field(ge=1)
    continue_on_error: bool = False
    timeout_seconds: int | None = Field(default=None, ge=1)
    retry_attempts: int = Field(default=0, ge=0, le=5)


class RuleFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    description: str | None = None
    status: Literal["active", "inactive", "draft", "error"] = "draft"
    priority: Literal["low", "normal", "high", "critical"] = "normal"
    trigger_type: Literal["time_based", "event_based", "condition_based", "manual", "recurring", "webhook"]
    trigger_config: dict[str, Any]
    conditions: list[Condition] | None = None
    condition_logic: Literal["and", "or", "not"] = "and"
    actions: list[Action] = Field(min_length=1)
    max_concurrent_executions: int = Field(default=1, ge=1)
    execution_timeout_minutes: int = Field(default=60, ge=1)
    retry_failed_executions: bool = False
    is_template: bool = False
    template_category: str | None = None
    tags: list[str] | None = None
    metadata: dict[str, Any] | None = None
    notification_settings: dict[str, Any] | None = None


RULE_FIELDS = tuple(RuleFields.model_fields)  # what a client (or an admin) edits


def _issues(error: ValidationError, prefix: tuple = ()) -> list[ErrorDetail]:
    return [
        ErrorDetail(
            ".".join(str(p) for p in (*prefix, *issue["loc"])), issue["msg"], issue["type"], issue["type"]
        )
        for issue in error.errors(include_url=False)
    ]


def _nested_problems(rule: RuleFields) -> list[ErrorDetail]:
    problems: list[ErrorDetail] = []
    if rule.trigger_type == "condition_based":
        problems.append(
            ErrorDetail(
                "trigger_type",
                "condition_based triggers are not supported; use time_based with conditions",
                "unsupported",
                "unsupported",
            )
        )
    else:
        try:
            trigger = TRIGGERS[rule.trigger_type].model_validate(rule.trigger_config)
            if isinstance(trigger, TimeTrigger):
                if trigger.schedule_type == "custom_cron" and not trigger.cron_expression:
                    problems.append(
                        ErrorDetail(
                            "trigger_config.cron_expression",
                            "is required for custom_cron",
                            "missing",
                            "missing",
                        )
                    )
                if trigger.schedule_type == "once" and trigger.start_date is None:
                    problems.append(
                        ErrorDetail("trigger_config.start_date", "is required for once", "missing", "missing")
                    )
        except ValidationError as exc:
            problems += _issues(exc, ("trigger_config",))
    for index, condition in enumerate(rule.conditions or []):
        if condition.operator == "regex_match" and (why := regex_problem(condition.value)):
            problems.append(ErrorDetail(f"conditions.{index}.value", why, "invalid_regex", "invalid_regex"))
    orders = [action.order for action in rule.actions]
    if len(set(orders)) != len(orders):
        problems.append(ErrorDetail("actions", "each action needs its own order", "duplicate", "duplicate"))
    for index, action in enumerate(rule.actions):
        if action.type not in ACTIONS:
            known = action.type in ORIGIN_ACTION_TYPES
            message = (
                f"{action.type} actions are not supported by Opsgate"
                if known
                else f"must be one of: {', '.join(ACTION_TYPES)}"
            )
            problems.append(
                ErrorDetail(f"actions.{index}.type", message, "invalid_enum_value", "invalid_enum_value")
            )
            continue
        try:
            ACTIONS[action.type].model_validate(action.config)
        except ValidationError as exc:
            problems += _issues(exc, ("actions", index, "config"))
    return problems


def rule_validate(data: Any, *, stored_actions: list[dict] = ()) -> tuple[dict | None, list[ErrorDetail]]:
    """``(the rule's fields with defaults filled in, [])`` or ``(None, problems)``. A masked webhook
    secret must have a value to keep in ``stored_actions`` (the rule being edited); the services
    that store the rule seal the secrets (``automation.webhook_secrets.actions_seal``)."""
    if not isinstance(data, dict):
        return None, [ErrorDetail("", "Expected object", "invalid_type", "invalid_type")]
    try:
        rule = RuleFields.model_validate(data)
    except ValidationError as exc:
        return None, _issues(exc)
    problems = _nested_problems(rule)
    if problems:
        return None, problems
    fields = rule.model_dump(mode="json")
    for name, empty in (
        ("description", ""),
        ("template_category", ""),
        ("conditions", []),
        ("tags", []),
        ("metadata", {}),
        ("notification_settings", {}),
    ):
        if fields[name] is None:
            fields[name] = empty
    problems = actions_problems(fields["actions"], stored_actions)
    if problems:
        return None, problems
    fields["actions"] = sorted(fields["actions"], key=lambda action: action["order"])
    return fields, []


def time_trigger(rule) -> TimeTrigger | None:
    if rule.trigger_type not in ("time_based", "recurring"):
        return None
    return TimeTrigger.model_validate(rule.trigger_config)


class ManualExecution(Strict):
    """The execute endpoint's body (alga-psa's ManualExecutionRequest)."""

    automation_rule_id: str = Field(
        pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )
    execution_data: dict[str, Any] | None = None
    override_conditions: bool = False
    dry_run: bool = False


def manual_execution_validate(data: Any) -> tuple[ManualExecution | None, list[ErrorDetail]]:
    if not isinstance(data, dict):
        return None, [
            ErrorDetail(
                "", "Expected object, received " + type(data).__name__, "invalid_type", "invalid_type"
            )
        ]
    try:
        return ManualExecution.model_validate(data), []
    except ValidationError as exc:
        return None, _issues(exc)
