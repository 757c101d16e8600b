"""Writes of automation rules (API, admin, demo): create, update, delete, each audited and with its
time trigger's schedule kept in step; a rule's last evaluation error; its inbound webhook token."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from automation.errors import RuleBusy, error_text
from automation.models import AutomationRule, ExecutionStatus, TriggerType
from automation.schedules import schedule_sync
from automation.webhook_secrets import actions_public, actions_seal
from governance.audit import audit_record
from tenancy.models import Tenant

if TYPE_CHECKING:
    import uuid

    from django.contrib.auth.models import AnonymousUser, User

RULE_ERROR_MAX = 2000

logger = logging.getLogger(__name__)


def _signed_in(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _actor(user: User | AnonymousUser | None) -> str:
    signed_in = _signed_in(user)
    return signed_in.get_username() if signed_in is not None else "system"


def rule_create(
    *, tenant: Tenant, fields: dict, user: User | AnonymousUser | None = None
) -> tuple[AutomationRule, str | None]:
    """A validated rule (``automation.rule_validation.rule_validate``), its webhook secrets sealed
    here; returns the inbound webhook's token once."""
    with transaction.atomic():
        rule = AutomationRule(tenant=tenant, created_by=_signed_in(user))
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.actions = actions_seal(rule.actions)
        secret = _webhook_token_set(rule)
        rule.save()
        schedule_sync(rule)
        audit_record(
            tenant=tenant, actor=_actor(user), action="rule.create", obj=rule, changes={"name": rule.name}
        )
    return rule, secret


def rule_update(
    *, rule: AutomationRule, fields: dict, user: User | AnonymousUser | None = None
) -> tuple[AutomationRule, str | None]:
    with transaction.atomic():
        locked = AutomationRule.objects.select_for_update().get(pk=rule.pk)
        if "actions" in fields:
            fields = {**fields, "actions": actions_seal(fields["actions"], locked.actions)}
        changes = {
            name: _audited(name, getattr(locked, name), value)
            for name, value in fields.items()
            if getattr(locked, name) != value
        }
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.last_error, locked.last_error_at = "", None  # a new definition: judge it afresh
        secret = _webhook_token_set(locked) if not locked.webhook_token_hash else None
        locked.save()
        schedule_sync(locked)
        if changes:
            audit_record(
                tenant=locked.tenant, actor=_actor(user), action="rule.update", obj=locked, changes=changes
            )
    return locked, secret


def _audited(name: str, before: object, after: object) -> list:
    if name == "actions":  # the audit trail is read by people: no secret, not even its token
        return [actions_public(before), actions_public(after)]
    return [before, after]


def rule_error_record(*, rule_id: uuid.UUID | str, error: Exception | str) -> None:
    """A rule could not be evaluated: say why on the rule (its page, the admin) and in the log;
    ``last_error_at`` is when it first failed so. Called outside the transaction that met the
    failure, so nothing it does can undo that one."""
    message = (error if isinstance(error, str) else error_text(error))[:RULE_ERROR_MAX]
    logger.warning("automation rule %s failed: %s", rule_id, message)
    # A broken event rule fails on every matching event: the same error is not written again.
    AutomationRule.objects.filter(pk=rule_id).exclude(last_error=message).update(
        last_error=message, last_error_at=timezone.now()
    )


def rule_delete(*, rule: AutomationRule, user: User | AnonymousUser | None = None) -> None:
    """Hard delete, as the origin; refused while an execution is pending or running."""
    with transaction.atomic():
        locked = AutomationRule.objects.select_for_update().get(pk=rule.pk)
        if locked.executions.filter(status__in=(ExecutionStatus.PENDING, ExecutionStatus.RUNNING)).exists():
            raise RuleBusy()
        if locked.schedule_id:
            Schedule.objects.filter(pk=locked.schedule_id).delete()
        audit_record(
            tenant=locked.tenant,
            actor=_actor(user),
            action="rule.delete",
            obj=locked,
            changes={"name": locked.name},
        )
        locked.delete()


def _webhook_token_set(rule: AutomationRule) -> str | None:
    if rule.trigger_type != TriggerType.WEBHOOK:
        return None
    secret = secrets.token_urlsafe(32)
    rule.webhook_token_hash = hashlib.sha256(secret.encode()).hexdigest()
    return secret


def webhook_token_matches(rule: AutomationRule, token: str) -> bool:
    if not rule.webhook_token_hash or not token:
        return False
    return secrets.compare_digest(rule.webhook_token_hash, hashlib.sha256(token.encode()).hexdigest())
