"""Reads of automation rules and executions, always scoped by tenant (or by a rule already read so)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.db.models import Count, QuerySet

from automation.errors import ExecutionNotFound, RuleNotFound
from automation.models import AutomationExecution, AutomationRule, ExecutionStatus
from core.tenant_scope import for_tenant
from tenancy.models import Tenant

RULE_EXACT_FILTERS = ("status", "trigger_type", "priority")
EXECUTION_SUMMARY_FIELDS = (  # what a list of a rule's executions shows
    "execution_id",
    "rule_id",
    "status",
    "started_at",
    "completed_at",
    "duration_ms",
    "actions_total",
    "actions_successful",
    "actions_failed",
    "execution_context",
    "error_message",
)


def rule_get(*, tenant: Tenant, rule_id: uuid.UUID | str) -> AutomationRule:
    rule = for_tenant(AutomationRule, tenant).filter(pk=rule_id).first()
    if rule is None:
        raise RuleNotFound()
    return rule


def rule_list(*, tenant: Tenant, filters: Mapping[str, str]) -> QuerySet[AutomationRule]:
    """The API's list, newest first: ``status``, ``trigger_type`` and ``priority`` match exactly,
    ``name`` is contained (any case); absent keys do not filter."""
    rules = for_tenant(AutomationRule, tenant).select_related("tenant", "created_by")
    for name in RULE_EXACT_FILTERS:
        if name in filters:
            rules = rules.filter(**{name: filters[name]})
    if "name" in filters:
        rules = rules.filter(name__icontains=filters["name"])
    return rules.order_by("-created_at", "rule_id")


def rule_list_by_name(*, tenant: Tenant) -> QuerySet[AutomationRule]:
    """The portal's list: by name, without the rules' large JSON fields."""
    return (
        for_tenant(AutomationRule, tenant)
        .order_by("name", "rule_id")
        .defer("actions", "conditions", "metadata")
    )


def rule_execution_counts(*, rule: AutomationRule) -> dict[str, int]:
    """How many of the rule's executions are in each status (every status, zero when none)."""
    counts = dict.fromkeys(ExecutionStatus.values, 0)
    for status, count in rule.executions.values_list("status").annotate(n=Count("pk")).order_by():
        counts[status] = count
    return counts


def execution_get(*, tenant: Tenant, execution_id: uuid.UUID | str) -> AutomationExecution:
    execution = (
        for_tenant(AutomationExecution, tenant).filter(pk=execution_id).select_related("tenant").first()
    )
    if execution is None:
        raise ExecutionNotFound()
    return execution


def execution_list(
    *, tenant: Tenant, rule: AutomationRule | None = None, filters: Mapping[str, str]
) -> QuerySet[AutomationExecution]:
    """The API's list, newest first: the tenant's executions, or one rule's; ``status`` matches
    exactly when given."""
    executions = for_tenant(AutomationExecution, tenant).select_related("tenant")
    if rule is not None:
        executions = executions.filter(rule=rule)
    if "status" in filters:
        executions = executions.filter(status=filters["status"])
    return executions.order_by("-started_at", "execution_id")


def rule_execution_list(*, rule: AutomationRule) -> QuerySet[AutomationExecution]:
    """The portal's list of one rule's executions, newest first, summary fields only."""
    return rule.executions.only(*EXECUTION_SUMMARY_FIELDS).order_by("-started_at", "-execution_id")


def execution_failures_recent(*, tenant: Tenant, limit: int) -> list[AutomationExecution]:
    """The tenant's latest failed or timed-out executions, with their rule's name."""
    return list(
        for_tenant(AutomationExecution, tenant)
        .filter(status__in=[ExecutionStatus.FAILED, ExecutionStatus.TIMEOUT])
        .select_related("rule")
        .only("execution_id", "status", "started_at", "error_message", "rule__name")
        .order_by("-started_at")[:limit]
    )
