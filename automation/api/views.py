"""automation-rule-execute (alga-psa): rules CRUD, executions, manual execute, inbound webhooks.

Bodies are ``{"data": ...}``; lists add ``pagination`` and ``meta``; errors are the contract's
``{"error": {"code", "message", "details"?}}`` with the origin's messages. Permissions follow the
origin's check order: authenticate (401 "API key required"), scope (403 "Permission denied:
Cannot <action> automation"), path id (400), body (400), then the rule (404, 409).
"""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from automation.api.views_data import execution_data, rule_data, rule_links
from automation.executions import execution_start, manual_execute
from automation.models import AutomationRule, ExecutionStatus, Priority, RuleStatus, TriggerType
from automation.rule_validation import (
    RULE_FIELDS,
    ManualExecution,
    RuleFields,
    manual_execution_validate,
    rule_validate,
)
from automation.selectors import (
    execution_get,
    execution_list,
    rule_execution_counts,
    rule_get,
    rule_list,
)
from automation.services import rule_create, rule_delete, rule_update, webhook_token_matches
from automation.webhook_secrets import actions_public
from core.api import AutomationRulesApi
from core.errors import ErrorDetail, Invalid, NotFound
from core.openapi.pydantic_models import model_schema
from core.pagination import PageNumberPages
from core.tenant_scope import across_tenants
from runs.services import request_fingerprint

ID_INVALID = "Invalid ID format"
VERBS = {"GET": "read", "POST": "create", "PUT": "update", "DELETE": "delete"}


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Invalid(ID_INVALID) from None


def _validation_failed(problems: list[ErrorDetail], message: str = "Validation failed"):
    raise Invalid(message, details=problems)


class AutomationApi(AutomationRulesApi):
    action_verb: str | None = None  # the origin's permission word, when not the method's

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated("API key required")
        super().permission_denied(request, message, code)

    def check_permissions(self, request):
        try:
            super().check_permissions(request)
        except exceptions.PermissionDenied as exc:
            if str(exc.detail).startswith("Missing scope"):
                verb = self.action_verb or VERBS.get(request.method, "access")
                raise exceptions.PermissionDenied(f"Permission denied: Cannot {verb} automation") from None
            raise


PAGES = PageNumberPages(default_limit=25, limit_max=100)
PAGE_PARAMETERS = PAGES.parameters()


def _choice_filters(request, fields: dict) -> dict:
    filters, problems = {}, []
    for name, choices in fields.items():
        value = request.query_params.get(name)
        if value is None:
            continue
        if choices is not None and value not in choices:
            problems.append(
                ErrorDetail(
                    name,
                    f"Invalid enum value. Expected {' | '.join(choices)}",
                    "invalid_enum_value",
                    "invalid_enum_value",
                )
            )
        filters[name] = value
    if problems:
        _validation_failed(problems, "Query validation failed")
    return filters


class RuleListApi(AutomationApi):
    required_scopes = {"GET": ("automation:read",), "POST": ("automation:write",)}

    @extend_schema(
        responses={200: dict},
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", enum=RuleStatus.values),
            OpenApiParameter("trigger_type", enum=TriggerType.values),
            OpenApiParameter("priority", enum=Priority.values),
            OpenApiParameter("name", str, description="name contains (any case)"),
        ],
        tags=["automation"],
    )
    def get(self, request):
        filters = _choice_filters(
            request,
            {
                "status": RuleStatus.values,
                "trigger_type": TriggerType.values,
                "priority": Priority.values,
                "name": None,
            },
        )
        rules = rule_list(tenant=request.auth.tenant, filters=filters)
        return PAGES.response(request, rules, rule_data, resource="automation_rule", filters=filters)

    @extend_schema(request=RuleFields, responses={201: dict}, tags=["automation"])
    def post(self, request):
        fields, problems = rule_validate(request.data)
        if problems:
            _validation_failed(problems)
        rule, secret = rule_create(tenant=request.auth.tenant, fields=fields, user=request.user)
        return Response(
            {"data": {**rule_data(rule, webhook_token=secret), "_links": rule_links(rule)}}, status=201
        )


class RuleDetailApi(AutomationApi):
    required_scopes = {
        "GET": ("automation:read",),
        "PUT": ("automation:write",),
        "DELETE": ("automation:write",),
    }

    @extend_schema(responses={200: dict}, tags=["automation"])
    def get(self, request, rule_id):
        rule = rule_get(tenant=request.auth.tenant, rule_id=_uuid(rule_id))
        counts = rule_execution_counts(rule=rule)
        total = sum(counts.values())
        body = rule_data(rule)
        body["execution_statistics"] = {
            "total_executions": total,
            "successful_executions": counts["completed"],
            "failed_executions": counts["failed"],
            "success_rate": counts["completed"] / total * 100 if total else 0,
        }
        body["_links"] = {
            **rule_links(rule),
            "execute": f"/api/v1/automation/rules/{rule.rule_id}/execute",
            "executions": f"/api/v1/automation/rules/{rule.rule_id}/executions",
        }
        return Response({"data": body})

    @extend_schema(
        request={"application/json": model_schema(RuleFields, partial=True)},
        responses={200: dict},
        tags=["automation"],
    )
    def put(self, request, rule_id):
        rule = rule_get(tenant=request.auth.tenant, rule_id=_uuid(rule_id))
        if not isinstance(request.data, dict):
            _validation_failed([ErrorDetail("", "Expected object", "invalid_type", "invalid_type")])
        current = {name: getattr(rule, name) for name in RULE_FIELDS}
        current["actions"] = actions_public(rule.actions)  # what the client read, masks and all
        fields, problems = rule_validate({**current, **request.data}, stored_actions=rule.actions)
        if problems:
            _validation_failed(problems)
        rule, secret = rule_update(rule=rule, fields=fields, user=request.user)
        return Response({"data": {**rule_data(rule, webhook_token=secret), "_links": rule_links(rule)}})

    @extend_schema(responses={204: None}, tags=["automation"])
    def delete(self, request, rule_id):
        rule_delete(rule=rule_get(tenant=request.auth.tenant, rule_id=_uuid(rule_id)), user=request.user)
        return Response(status=204)


class RuleExecuteApi(AutomationApi):
    """``POST /api/v1/automation/rules/{id}/execute``: 201 with the execution."""

    required_scopes = {"POST": ("automation:execute",)}
    action_verb = "execute"

    @extend_schema(request=ManualExecution, responses={201: dict}, tags=["automation"])
    def post(self, request, rule_id):
        path_id = _uuid(rule_id)
        body, problems = manual_execution_validate(request.data)
        if problems:
            _validation_failed(problems)
        if uuid.UUID(body.automation_rule_id) != path_id:
            _validation_failed(
                [ErrorDetail("automation_rule_id", "must match the rule id in the path", "custom", "custom")]
            )
        rule = rule_get(tenant=request.auth.tenant, rule_id=path_id)
        key = request.headers.get("Idempotency-Key", "").strip()[:200]
        execution, _ = manual_execute(
            rule=rule,
            execution_input=body,
            user=request.user,
            idempotency_key=key,
            request_hash=request_fingerprint({"rule": str(path_id), **body.model_dump()}),
        )
        data = {
            **execution_data(execution),
            "_links": {
                "execution": f"/api/v1/automation/executions/{execution.execution_id}",
                "rule": f"/api/v1/automation/rules/{rule.rule_id}",
            },
        }
        return Response({"data": data}, status=201)


class ExecutionListApi(AutomationApi):
    required_scopes = {"GET": ("automation:read",)}

    @extend_schema(
        responses={200: dict},
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", enum=ExecutionStatus.values),
            OpenApiParameter("automation_rule_id", OpenApiTypes.UUID),
        ],
        tags=["automation"],
    )
    def get(self, request, rule_id=None):
        filters = _choice_filters(request, {"status": ExecutionStatus.values, "automation_rule_id": None})
        wanted = rule_id or filters.get("automation_rule_id")
        rule = rule_get(tenant=request.auth.tenant, rule_id=_uuid(wanted)) if wanted is not None else None
        executions = execution_list(tenant=request.auth.tenant, rule=rule, filters=filters)
        return PAGES.response(
            request, executions, execution_data, resource="automation_execution", filters=filters
        )


class ExecutionDetailApi(AutomationApi):
    required_scopes = {"GET": ("automation:read",)}

    @extend_schema(responses={200: dict}, tags=["automation"])
    def get(self, request, execution_id):
        execution = execution_get(tenant=request.auth.tenant, execution_id=_uuid(execution_id))
        links = {
            "self": f"/api/v1/automation/executions/{execution.execution_id}",
            "collection": "/api/v1/automation/executions",
            "rule": f"/api/v1/automation/rules/{execution.rule_id}",
        }
        return Response({"data": {**execution_data(execution), "_links": links}})


class WebhookNotFound(NotFound):
    default_message = "Resource not found"


class RuleWebhookApi(AutomationApi):
    """``POST /api/v1/automation/hooks/{rule_id}``: a webhook rule's inbound URL. The secret token
    (``X-Webhook-Token`` header or ``?token=``) is the credential; anything wrong is a plain 404."""

    authentication_classes: list = []
    public_methods = frozenset({"POST"})  # ScopePermission still refuses every other method

    @extend_schema(request=dict, responses={202: dict}, tags=["automation"])
    def post(self, request, rule_id):
        token = request.headers.get("X-Webhook-Token") or request.query_params.get("token", "")
        try:
            rule = (
                across_tenants(AutomationRule, reason="inbound webhook: the token decides")
                .filter(pk=uuid.UUID(str(rule_id)))
                .select_related("tenant")
                .first()
            )
        except ValueError:
            rule = None
        if (
            rule is None
            or rule.trigger_type != TriggerType.WEBHOOK
            or rule.status != RuleStatus.ACTIVE
            or not webhook_token_matches(rule, token)
        ):
            raise WebhookNotFound()
        payload = request.data if isinstance(request.data, dict) else {"body": request.data}
        execution, _ = execution_start(
            rule=rule,
            trigger_data={"trigger": "webhook", "payload": payload},
            context={"webhook_execution": True},
        )
        return Response({"data": execution_data(execution)}, status=202)
