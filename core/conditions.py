"""The one condition evaluator (workflow condition nodes, automation rules). No eval: a fixed set
of operators over plain values; the automation rules' fifteen (alga-psa's) plus our emptiness tests.

Numbers compare as numbers when both sides read as numbers (``"10" > 9``); otherwise as text.
``exists``/``not_exists`` test for a value (None is absent). ``regex_match`` uses RE2, whose time is
linear in the input: a rule's pattern cannot hang a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import re2

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
    "starts_with",
    "ends_with",
    "exists",
    "not_exists",
    "regex_match",
)
REGEX_MAX = 500


def regex_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used by ``regex_match``, or None."""
    if not isinstance(pattern, str) or not pattern or len(pattern) > REGEX_MAX:
        return f"must be a regular expression of 1 to {REGEX_MAX} characters"
    try:
        re2.compile(pattern)
    except re2.error as exc:
        return f"is not a valid regular expression ({exc})"
    return None


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


def _regex_match(value: Any, pattern: Any) -> bool:
    if value is None or regex_problem(pattern):
        return False
    return re2.search(pattern, value if isinstance(value, str) else str(value)) is not None


def _text_test(test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def check(left: Any, right: Any) -> bool:
        return left is not None and right is not None and test(str(left), str(right))

    return check


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
    "starts_with": _text_test(str.startswith),
    "ends_with": _text_test(str.endswith),
    "exists": lambda a, _: a is not None,
    "not_exists": lambda a, _: a is None,
    "regex_match": _regex_match,
}


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path (``event.meta.step``, ``items.0``), or None when absent."""
    value = data
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def condition_evaluate(left: Any, operator: str, right: Any = None) -> bool:
    """``left <operator> right``; raises ``UnknownOperator`` for anything not in ``OPERATORS``."""
    try:
        return _CHECKS[operator](left, right)
    except KeyError:
        raise UnknownOperator(operator) from None
