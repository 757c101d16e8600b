"""django-q2 entry points for automation (their dotted paths are stored in schedules and queues)."""

from __future__ import annotations

from django.utils import timezone

from automation.executions import execution_run as _execution_run
from automation.executions import execution_start
from automation.models import AutomationRule, RuleStatus
from core.tenant_scope import across_tenants, for_tenant


def _active_rule(rule_id: str) -> AutomationRule | None:
    """The rule a queued task names, whatever its tenant: the task was queued by that rule."""
    rules = across_tenants(AutomationRule, reason="a queued trigger task names its rule")
    return rules.select_related("tenant").filter(pk=rule_id, status=RuleStatus.ACTIVE).first()


def execution_run(execution_pk: str) -> None:
    _execution_run(execution_pk)


def rule_fire_scheduled(rule_id: str) -> str:
    """A time trigger fired: one execution per rule and minute, however often the task is delivered."""
    rule = _active_rule(rule_id)
    if rule is None:
        return "inactive or deleted"
    minute = timezone.now().replace(second=0, microsecond=0)
    execution, created = execution_start(
        rule=rule,
        trigger_data={"trigger": "schedule", "fired_at": minute.isoformat()},
        context={"scheduled_execution": True},
        dedupe_key=f"schedule:{minute.isoformat()}",
    )
    return f"{execution.execution_id} {'queued' if created else 'already fired'}"


def rule_fire_event(rule_id: str, event_pk: int) -> str:
    """A journal event matched an event trigger: one execution per rule and event."""
    from runs.models import RunEvent

    rule = _active_rule(rule_id)
    # the event must be of the rule's own tenant
    event = rule and for_tenant(RunEvent, rule.tenant_id).select_related("run").filter(pk=event_pk).first()
    if rule is None or event is None:
        return "rule or event gone"
    execution, created = execution_start(
        rule=rule,
        trigger_data={"trigger": "event", "run_id": event.run.run_id, "event": event.payload},
        context={"event_execution": True, "event_id": event.event_id},
        dedupe_key=f"event:{event.pk}",
    )
    return f"{execution.execution_id} {'queued' if created else 'already fired'}"
