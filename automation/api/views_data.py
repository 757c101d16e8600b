"""Rules and executions as the automation contract shows them (the origin's field names)."""

from __future__ import annotations

from django.conf import settings

from automation.models import AutomationExecution, AutomationRule, TriggerType
from automation.webhook_secrets import actions_public


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def rule_links(rule: AutomationRule) -> dict:
    url = f"/api/v1/automation/rules/{rule.rule_id}"
    return {"self": url, "edit": url, "delete": url, "collection": "/api/v1/automation/rules"}


def rule_data(rule: AutomationRule, *, webhook_token: str | None = None) -> dict:
    data = {
        "rule_id": str(rule.rule_id),
        "tenant": str(rule.tenant_id),
        "name": rule.name,
        "description": rule.description,
        "status": rule.status,
        "priority": rule.priority,
        "trigger_type": rule.trigger_type,
        "trigger_config": rule.trigger_config,
        "conditions": rule.conditions,
        "condition_logic": rule.condition_logic,
        "actions": actions_public(rule.actions),
        "max_concurrent_executions": rule.max_concurrent_executions,
        "execution_timeout_minutes": rule.execution_timeout_minutes,
        "retry_failed_executions": rule.retry_failed_executions,
        "is_template": rule.is_template,
        "template_category": rule.template_category,
        "tags": rule.tags,
        "metadata": rule.metadata,
        "notification_settings": rule.notification_settings,
        "execution_count": rule.execution_count,
        "last_executed": _iso(rule.last_executed),
        "created_by": str(rule.created_by_id) if rule.created_by_id else None,
        "created_at": _iso(rule.created_at),
        "updated_at": _iso(rule.updated_at),
        "last_error": rule.last_error or None,  # our addition: why the rule last failed to evaluate
        "last_error_at": _iso(rule.last_error_at),
    }
    if rule.trigger_type == TriggerType.WEBHOOK:
        data["webhook_url"] = (
            f"{settings.OPSGATE_BASE_URL.rstrip('/')}/api/v1/automation/hooks/{rule.rule_id}"
        )
        if webhook_token:  # shown once, when created: only its hash is stored
            data["webhook_token"] = webhook_token
    return data


def execution_data(execution: AutomationExecution) -> dict:
    return {
        "execution_id": str(execution.execution_id),
        "automation_rule_id": str(execution.rule_id),
        "trigger_data": execution.trigger_data,
        "status": execution.status,
        "started_at": _iso(execution.started_at),
        "completed_at": _iso(execution.completed_at),
        "duration_ms": execution.duration_ms,
        "actions_total": execution.actions_total,
        "actions_successful": execution.actions_successful,
        "actions_failed": execution.actions_failed,
        "error_message": execution.error_message,
        "error_stack": execution.error_stack,
        "failed_action_index": execution.failed_action_index,
        "execution_context": execution.execution_context,
        "logs": execution.logs,
        "tenant": str(execution.tenant_id),
    }
