"""A time rule's django-q2 ``Schedule``, kept in step with the rule on every save."""

from __future__ import annotations

from datetime import datetime

from croniter import croniter
from django.utils import timezone
from django_q.models import Schedule

from automation.models import AutomationRule, RuleStatus
from automation.rule_validation import time_trigger

SCHEDULED_TASK = "automation.tasks.rule_fire_scheduled"


def schedule_sync(rule: AutomationRule) -> None:
    """The rule's ``Schedule``: present and current for an active time rule, absent otherwise."""
    trigger = time_trigger(rule) if rule.status == RuleStatus.ACTIVE else None
    if trigger is None:
        if rule.schedule_id:
            Schedule.objects.filter(pk=rule.schedule_id).delete()
            AutomationRule.objects.filter(pk=rule.pk).update(schedule=None)
            rule.schedule = None
        return
    cron = trigger.cron()
    now = timezone.now()
    fields = {
        "name": f"automation rule {rule.rule_id}",
        "func": SCHEDULED_TASK,
        "args": repr(str(rule.rule_id)),
        "repeats": trigger.max_executions or -1,
    }
    if cron is None:  # once
        fields.update(schedule_type=Schedule.ONCE, cron=None, next_run=trigger.start_date, repeats=1)
    else:
        start = max(now, trigger.start_date) if trigger.start_date else now
        fields.update(
            schedule_type=Schedule.CRON, cron=cron, next_run=croniter(cron, start).get_next(datetime)
        )
    schedule = Schedule.objects.filter(pk=rule.schedule_id).first() if rule.schedule_id else None
    if schedule is None:
        schedule = Schedule.objects.create(**fields)
        AutomationRule.objects.filter(pk=rule.pk).update(schedule=schedule)
        rule.schedule = schedule
    else:
        for name, value in fields.items():
            setattr(schedule, name, value)
        schedule.save()
