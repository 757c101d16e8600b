"""Event triggers: a journal subscriber that, after commit, fires the tenant's active
``event_based`` rules whose ``event_type`` (and ``event_filters``) match an appended event.

Events written by rules themselves (``meta.workflow == "automation"``) never fire rules, so a rule
cannot trigger itself in a loop. Each (rule, event) executes once (``dedupe_key``). A rule that
cannot be matched (a filter path stored before paths were checked) is recorded against the rule
after commit and skipped: no rule can fail the append that notified it."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django_q.tasks import async_task

from automation.actions import AUTOMATION_WORKFLOW
from automation.models import AutomationRule, RuleStatus, TriggerType
from automation.services import rule_error_record
from core.conditions import value_at
from core.errors import Invalid
from runs.journal.append import Transition

FIRE_TASK = "automation.tasks.rule_fire_event"

logger = logging.getLogger(__name__)


class EventTriggerInvalid(Invalid):
    default_code = "INVALID_EVENT_TRIGGER"
    default_message = "The rule's event trigger is not an object with an object of event_filters."


def _workflow(payload: dict) -> object:
    meta = payload.get("meta")
    return meta.get("workflow") if isinstance(meta, dict) else None


def event_matches(config: dict, payload: dict) -> bool:
    """Does ``payload`` fire a rule with this trigger config? Raises ``Invalid`` (never anything
    else) for a config no event trigger could have: a non-object, or a filter path ``value_at``
    refuses."""
    if not isinstance(config, dict) or not isinstance(config.get("event_filters") or {}, dict):
        raise EventTriggerInvalid()
    if not isinstance(payload, dict) or payload.get("type") != config.get("event_type"):
        return False
    source = config.get("event_source")
    if source and _workflow(payload) != source:
        return False
    return all(value_at(payload, key) == value for key, value in (config.get("event_filters") or {}).items())


def rules_follow_journal(transition: Transition) -> None:
    payload = transition.event.payload
    if _workflow(payload) == AUTOMATION_WORKFLOW:
        return
    rules = AutomationRule.objects.filter(
        tenant_id=transition.event.tenant_id,
        trigger_type=TriggerType.EVENT_BASED,
        status=RuleStatus.ACTIVE,
        trigger_config__event_type=payload.get("type"),
    ).values_list("rule_id", "trigger_config")
    for rule_id, config in rules:
        try:
            matched = event_matches(config, payload)
        except Exception as exc:  # this rule is broken; the others, and the append, go on
            logger.warning("automation rule %s skipped for event %s: %s", rule_id, transition.event.pk, exc)
            transaction.on_commit(partial(rule_error_record, rule_id=rule_id, error=exc), robust=True)
            continue
        if matched:
            transaction.on_commit(partial(_fire, str(rule_id), transition.event.pk), robust=True)


def _fire(rule_id: str, event_pk: int) -> None:
    async_task(FIRE_TASK, rule_id, event_pk, group="automation")


def rules_reconcile(run, transitions) -> None:
    """A replayed journal fires nothing again (each event fired when it was appended)."""
