"""Executions of automation rules: started here (manually, by a trigger or a schedule), queued for
the worker and run by ``execution_run`` (a django-q2 task for real executions; dry runs are
evaluated inline and write nothing but their own row)."""

from __future__ import annotations

import logging
import traceback
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from automation.actions import ActionContext, ActionFailed, action_describe, action_execute
from automation.errors import ExecutionIdempotencyReused, RuleInactive, error_text
from automation.models import AutomationExecution, AutomationRule, ExecutionStatus, RuleStatus
from automation.rule_validation import ManualExecution
from automation.services import rule_error_record
from core.conditions import condition_evaluate, value_at
from core.errors import DomainError

if TYPE_CHECKING:
    import uuid

    from django.contrib.auth.models import AnonymousUser, User

EXECUTION_TASK = "automation.tasks.execution_run"
LOG_MESSAGE_MAX = 2000

logger = logging.getLogger(__name__)


def _log(
    execution: AutomationExecution,
    level: str,
    message: str,
    action_index: int | None = None,
    **metadata: object,
) -> None:
    entry: dict[str, Any] = {
        "timestamp": timezone.now().isoformat(),
        "level": level,
        "message": message[:LOG_MESSAGE_MAX],
    }
    if action_index is not None:
        entry["action_index"] = action_index
    if metadata:
        entry["metadata"] = metadata
    execution.logs = [*execution.logs, entry]


def conditions_hold(rule: AutomationRule, data: dict) -> bool:
    """Raises ``PathInvalid`` or ``UnknownOperator`` for a rule stored before they were checked."""
    results = [
        condition_evaluate(value_at(data, c["field"]), c["operator"], c.get("value")) for c in rule.conditions
    ]
    if not results:
        return True
    if rule.condition_logic == "or":
        return any(results)
    if rule.condition_logic == "not":
        return not any(results)
    return all(results)


def execution_start(
    *,
    rule: AutomationRule,
    trigger_data: dict,
    context: dict,
    dry_run: bool = False,
    override_conditions: bool = False,
    dedupe_key: str = "",
    idempotency_key: str = "",
    request_hash: str = "",
) -> tuple[AutomationExecution, bool]:
    """Creates an execution; ``(execution, created)``. A real one is ``pending`` and queued on
    commit; a dry run is evaluated now (conditions, and what each action would do) and ``completed``.
    ``dedupe_key``/``idempotency_key``: a second start returns the first execution (unique index)."""
    if idempotency_key:
        earlier = AutomationExecution.objects.filter(
            tenant=rule.tenant, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            if earlier.request_hash != request_hash:
                raise ExecutionIdempotencyReused()
            return earlier, False
    now = timezone.now()
    execution = AutomationExecution(
        tenant=rule.tenant,
        rule=rule,
        trigger_data=trigger_data,
        status=ExecutionStatus.COMPLETED if dry_run else ExecutionStatus.PENDING,
        started_at=now,
        actions_total=len(rule.actions),
        execution_context={**context, "dry_run": dry_run, "override_conditions": override_conditions},
        dedupe_key=dedupe_key,
        idempotency_key=idempotency_key,
        request_hash=request_hash if idempotency_key else "",
    )
    if dry_run:
        _dry_run(rule, execution, override_conditions)
    try:
        with transaction.atomic():
            execution.save(force_insert=True)
            AutomationRule.objects.filter(pk=rule.pk).update(
                execution_count=F("execution_count") + 1,
                last_executed=now,
            )
            if not dry_run:
                transaction.on_commit(partial(execution_enqueue, execution.pk))
    except IntegrityError:
        existing = (
            AutomationExecution.objects.filter(rule=rule, dedupe_key=dedupe_key).first()
            if dedupe_key
            else None
        )
        if existing is None and idempotency_key:
            existing = AutomationExecution.objects.filter(
                tenant=rule.tenant, idempotency_key=idempotency_key
            ).first()
        if existing is None:
            raise
        return existing, False
    return execution, True


def _dry_run(rule: AutomationRule, execution: AutomationExecution, override: bool) -> None:
    """A rule that cannot be evaluated makes a ``failed`` dry run saying why (and is recorded)."""
    execution.completed_at, execution.duration_ms = execution.started_at, 0
    _log(execution, "info", "Dry run: nothing is executed")
    try:
        if not override and not conditions_hold(rule, execution.trigger_data):
            _log(execution, "info", "Conditions not met: a real execution would be skipped")
            return
        _log(execution, "info", "Conditions skipped (override_conditions)" if override else "Conditions met")
        for index, action in enumerate(rule.actions):
            _log(execution, "info", action_describe(action), action_index=index, type=action["type"])
    except Exception as exc:  # the rule is broken, not the request
        _failed(execution, exc)
        transaction.on_commit(partial(rule_error_record, rule_id=rule.pk, error=exc), robust=True)


def execution_enqueue(execution_pk: uuid.UUID | str) -> None:
    async_task(EXECUTION_TASK, str(execution_pk), task_name=f"automation-{execution_pk}", group="automation")


def execution_run(execution_pk: uuid.UUID | str) -> None:
    """Runs a pending execution's actions in order (the django-q2 task). A second delivery of the
    same task finds it no longer pending and does nothing. Whatever goes wrong, the execution ends
    ``failed`` with the error in its log: it never stays ``running``."""
    claimed = AutomationExecution.objects.filter(pk=execution_pk, status=ExecutionStatus.PENDING).update(
        status=ExecutionStatus.RUNNING
    )
    if not claimed:
        return
    execution = None
    try:
        execution = AutomationExecution.objects.select_related(
            "rule", "rule__tenant", "rule__created_by"
        ).get(pk=execution_pk)
        _execution_actions(execution)
    except Exception as exc:
        logger.exception("automation execution %s failed", execution_pk)
        _execution_crashed(execution_pk, execution, exc)


def _execution_crashed(
    execution_pk: uuid.UUID | str, execution: AutomationExecution | None, exc: Exception
) -> None:
    if execution is not None:
        try:
            _failed(execution, exc)
            _finish(execution, ExecutionStatus.FAILED)
            rule_error_record(rule_id=execution.rule_id, error=exc)
            return
        except Exception:  # the row cannot be written as it is: end it with the least we know
            logger.exception("automation execution %s: the failure could not be recorded", execution_pk)
    AutomationExecution.objects.filter(pk=execution_pk, status=ExecutionStatus.RUNNING).update(
        status=ExecutionStatus.FAILED,
        completed_at=timezone.now(),
        error_message=error_text(exc)[:LOG_MESSAGE_MAX],
    )


def _failed(execution: AutomationExecution, exc: Exception) -> None:
    """Marks ``execution`` failed by ``exc`` (called while handling it: the stack is at hand)."""
    execution.status = ExecutionStatus.FAILED
    execution.error_message = error_text(exc)[:LOG_MESSAGE_MAX]
    if not isinstance(exc, DomainError):
        execution.error_stack = traceback.format_exc()[-LOG_MESSAGE_MAX:]
    _log(execution, "error", f"The execution stopped: {execution.error_message}")


def _execution_actions(execution: AutomationExecution) -> None:
    rule = execution.rule
    override = execution.execution_context.get("override_conditions", False)
    if not override and not conditions_hold(rule, execution.trigger_data):
        _log(execution, "info", "Conditions not met: skipped")
        _finish(execution, ExecutionStatus.SKIPPED)
        return
    context = ActionContext(rule=rule, execution=execution)
    for index, action in enumerate(rule.actions):
        outcome = _action_with_retries(action, context, index, execution)
        if outcome is None:
            execution.actions_successful += 1
        else:
            execution.actions_failed += 1
            if execution.failed_action_index is None:
                execution.failed_action_index, execution.error_message = index, outcome
            if not action.get("continue_on_error"):
                _log(execution, "error", "Stopped: the action failed and continue_on_error is off", index)
                break
        execution.save(
            update_fields=[
                "logs",
                "actions_successful",
                "actions_failed",
                "failed_action_index",
                "error_message",
            ]
        )
    _finish(execution, ExecutionStatus.FAILED if execution.actions_failed else ExecutionStatus.COMPLETED)


def _action_with_retries(
    action: dict, context: ActionContext, index: int, execution: AutomationExecution
) -> str | None:
    """None when the action succeeded, else the last error (after ``retry_attempts`` retries)."""
    attempts = 1 + int(action.get("retry_attempts") or 0)
    error = ""
    for attempt in range(1, attempts + 1):
        try:
            result = action_execute(action, context)
        except ActionFailed as exc:
            error = str(exc)
        except Exception as exc:  # a bug in an executor fails the action, not the worker
            error = f"{type(exc).__name__}: {exc}"
            execution.error_stack = traceback.format_exc()[-LOG_MESSAGE_MAX:]
        else:
            _log(execution, "info", result.pop("message"), index, type=action["type"], **result)
            return None
        _log(
            execution,
            "warn" if attempt < attempts else "error",
            f"{action['type']} failed: {error}",
            index,
            attempt=attempt,
        )
    return error


def _finish(execution: AutomationExecution, status: str) -> None:
    now = timezone.now()
    execution.status, execution.completed_at = status, now
    execution.duration_ms = max(0, int((now - execution.started_at).total_seconds() * 1000))
    execution.save()


def manual_execute(
    *,
    rule: AutomationRule,
    execution_input: ManualExecution,
    user: User | AnonymousUser | None,
    idempotency_key: str = "",
    request_hash: str = "",
    inactive_dry_runs: bool = False,
) -> tuple[AutomationExecution, bool]:
    """The execute endpoint, given its validated body: inactive rules need ``override_conditions``
    (409 otherwise). ``inactive_dry_runs``: the portal previews a draft or inactive rule without
    overriding its conditions (a dry run writes nothing but its own execution row)."""
    if (
        rule.status != RuleStatus.ACTIVE
        and not execution_input.override_conditions
        and not (inactive_dry_runs and execution_input.dry_run)
    ):
        raise RuleInactive()
    return execution_start(
        rule=rule,
        trigger_data=execution_input.execution_data or {},
        context={
            "manual_execution": True,
            "triggered_by": str(user.pk) if user is not None and user.pk else None,
        },
        dry_run=execution_input.dry_run,
        override_conditions=execution_input.override_conditions,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
