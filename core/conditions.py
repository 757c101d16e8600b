"""The one condition evaluator (workflow condition nodes now, automation rules later). No eval:
a fixed set of operators over plain values.

Numbers compare as numbers when both sides read as numbers (``"10" > 9``); otherwise as text.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

OPERATORS: tuple[str, ...] = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "greater_than",
    "less_than",
    "greater_than_or_equal",
    "less_than_or_equal",
    "in",
    "not_in",
    "is_empty",
    "is_not_empty",
)


class UnknownOperator(ValueError):
    pass


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except (InvalidOperation, ValueError):
            return None
    return None


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    a, b = _number(left), _number(right)
    if a is not None and b is not None and a.is_finite() and b.is_finite():
        return a, b
    return str(left), str(right)


def _equals(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):  # True is not 1; "true" (rendered) is True
        return str(left).lower() == str(right).lower()
    a, b = _comparable(left, right)
    return a == b if isinstance(a, Decimal) else left == right or str(left) == str(right)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, (list, tuple, set)):
        return any(_equals(element, item) for element in container)
    if isinstance(container, dict):
        return str(item) in container
    return str(item) in str(container)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, dict, tuple, set)) and not value)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(left: Any, right: Any) -> bool:
        if left is None or right is None:
            return False
        return compare(*_comparable(left, right))

    return check


_CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _equals,
    "not_equals": lambda a, b: not _equals(a, b),
    "contains": _contains,
    "not_contains": lambda a, b: not _contains(a, b),
    "greater_than": _ordered(lambda a, b: a > b),
    "less_than": _ordered(lambda a, b: a < b),
    "greater_than_or_equal": _ordered(lambda a, b: a >= b),
    "less_than_or_equal": _ordered(lambda a, b: a <= b),
    "in": lambda a, b: _contains(b, a),
    "not_in": lambda a, b: not _contains(b, a),
    "is_empty": lambda a, _: _empty(a),
    "is_not_empty": lambda a, _: not _empty(a),
}


def condition_evaluate(left: Any, operator: str, right: Any = None) -> bool:
    """``left <operator> right``; raises ``UnknownOperator`` for anything not in ``OPERATORS``."""
    try:
        return _CHECKS[operator](left, right)
    except KeyError:
        raise UnknownOperator(operator) from None
