"""Event triggers: a journal subscriber that, after commit, fires the tenant's active
``event_based`` rules whose ``event_type`` (and ``event_filters``) match an appended event.

Events written by rules themselves (``meta.workflow == "automation"``) never fire rules, so a rule
cannot trigger itself in a loop. Each (rule, event) executes once (``dedupe_key``)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_q.tasks import async_task

from automation.actions import AUTOMATION_WORKFLOW
from automation.models import AutomationRule, RuleStatus, TriggerType
from core.conditions import value_at
from runs.journal.append import Transition

FIRE_TASK = "automation.tasks.rule_fire_event"


def event_matches(config: dict, payload: dict) -> bool:
    if payload.get("type") != config.get("event_type"):
        return False
    source = config.get("event_source")
    if source and (payload.get("meta") or {}).get("workflow") != source:
        return False
    return all(value_at(payload, key) == value for key, value in (config.get("event_filters") or {}).items())


def rules_follow_journal(transition: Transition) -> None:
    payload = transition.event.payload
    if (payload.get("meta") or {}).get("workflow") == AUTOMATION_WORKFLOW:
        return
    rules = AutomationRule.objects.filter(
        tenant_id=transition.event.tenant_id,
        trigger_type=TriggerType.EVENT_BASED,
        status=RuleStatus.ACTIVE,
        trigger_config__event_type=payload.get("type"),
    ).values_list("rule_id", "trigger_config")
    for rule_id, config in rules:
        if event_matches(config, payload):
            transaction.on_commit(partial(_fire, str(rule_id), transition.event.pk))


def _fire(rule_id: str, event_pk: int) -> None:
    async_task(FIRE_TASK, rule_id, event_pk, group="automation")


def rules_reconcile(run, transitions) -> None:
    """A replayed journal fires nothing again (each event fired when it was appended)."""
