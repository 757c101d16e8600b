"""Automation errors (the automation-rule-execute contract's messages) and how a failure reads in a
rule's ``last_error`` or an execution's ``error_message``."""

from __future__ import annotations

from core.errors import Conflict, DomainError, NotFound


class RuleNotFound(NotFound):
    default_message = "Automation rule not found"


class ExecutionNotFound(NotFound):
    default_message = "Automation execution not found"


class RuleInactive(Conflict):
    default_message = "Automation rule is not active"


class RuleBusy(Conflict):
    default_message = "Cannot delete rule with running executions"


class ExecutionIdempotencyReused(Conflict):
    default_code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "Idempotency-Key was already used with a different request body"


def error_text(error: Exception) -> str:
    """A domain error's own message; anything else as ``<type>: <text>``."""
    return error.message if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
