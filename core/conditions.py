"""The one condition evaluator (workflow condition nodes, automation rules). No eval: a fixed set
of operators over plain values; the automation rules' fifteen (alga-psa's) plus our emptiness tests.

Numbers compare as numbers when both sides read as numbers (``"10" > 9``); otherwise as text.
``exists``/``not_exists`` test for a value (None is absent). ``regex_match`` uses RE2, whose time is
linear in the input: a rule's pattern cannot hang a worker.

Dotted paths (``ticket.priority``, ``items.0``) have one grammar, checked by ``path_problem`` when a
rule is saved and by ``value_at`` when it is read: non-empty segments, list indexes in ASCII digits
only (``str.isdigit`` is true for ``²``, which ``int`` refuses). ``path_index`` is the one parser of
an index segment; the error envelopes use it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import re2

from core.errors import Invalid

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
PATH_MAX = 500
INDEX_DIGITS_MAX = 18  # beyond any real list; keeps int() clear of its digit limit
_INDEX = re.compile(r"[0-9]+")  # stdlib re: [0-9] is ASCII, and any str (lone surrogates too) is fine


def regex_problem(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be used by ``regex_match``, or None."""
    if not isinstance(pattern, str) or not pattern or len(pattern) > REGEX_MAX:
        return f"must be a regular expression of 1 to {REGEX_MAX} characters"
    try:
        re2.compile(pattern)
    except re2.error as exc:
        return f"is not a valid regular expression ({exc})"
    except UnicodeError:  # a lone surrogate: RE2 reads UTF-8
        return "is not a valid regular expression (it holds a character that is not valid Unicode)"
    return None


class UnknownOperator(Invalid, ValueError):
    default_code = "UNKNOWN_OPERATOR"
    default_message = "Unknown condition operator."

    def __init__(self, operator: object) -> None:
        super().__init__(f"Unknown condition operator: {_text(operator)[:100]}")


class PathInvalid(Invalid):
    """A dotted path that cannot be read (a rule stored before paths were checked)."""

    default_code = "INVALID_PATH"

    def __init__(self, path: object, why: str) -> None:
        shown = path[:100] if isinstance(path, str) else type(path).__name__
        super().__init__(f"Path {shown!r} {why}")


def path_index(segment: str) -> int | None:
    """The list index a path segment names (ASCII digits only), or None for a key."""
    if len(segment) <= INDEX_DIGITS_MAX and _INDEX.fullmatch(segment):
        return int(segment)
    return None


def path_problem(path: Any) -> str | None:
    """Why ``path`` is not a dotted path ``value_at`` can read, or None."""
    if not isinstance(path, str) or not path:
        return "must be a dotted path such as ticket.priority"
    if len(path) > PATH_MAX:
        return f"must be at most {PATH_MAX} characters"
    for segment in path.split("."):
        if not segment:
            return "has an empty segment (a leading, trailing or doubled dot)"
        if not segment.isprintable():
            return "holds an unprintable (control or format) character"
        if segment.isdigit() and path_index(segment) is None:
            return (
                f"has the segment {segment[:20]!r}: list indexes are written in the digits 0-9"
                if not segment.isascii()
                else f"has an index longer than {INDEX_DIGITS_MAX} digits"
            )
    return None


def _text(value: Any) -> str:
    """``str(value)``, also for an int beyond ``str()``'s digit limit (alone or inside a list)."""
    try:
        return str(value)
    except ValueError:
        if isinstance(value, int):
            return str(Decimal(value))
        if isinstance(value, dict):
            return "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in value.items()) + "}"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(_text(item) for item in value) + "]"
        raise


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)  # not via str(): a long int exceeds str()'s digit limit
    if isinstance(value, float):
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
    return _text(left), _text(right)


def _equals(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):  # True is not 1; "true" (rendered) is True
        return _text(left).lower() == _text(right).lower()
    a, b = _comparable(left, right)
    return a == b if isinstance(a, Decimal) else left == right or _text(left) == _text(right)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, (list, tuple, set)):
        return any(_equals(element, item) for element in container)
    if isinstance(container, dict):
        return _text(item) in container
    return _text(item) in _text(container)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, dict, tuple, set)) and not value)


def _well_formed(text: str) -> str:
    """``text`` with lone surrogates (JSON can carry them; UTF-8 cannot) replaced."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _regex_match(value: Any, pattern: Any) -> bool:
    if value is None or regex_problem(pattern):
        return False
    return re2.search(pattern, _well_formed(value if isinstance(value, str) else _text(value))) is not None


def _text_test(test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def check(left: Any, right: Any) -> bool:
        return left is not None and right is not None and test(_text(left), _text(right))

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
    """The value at a dotted path (``event.meta.step``, ``items.0``), or None when absent.
    Raises ``PathInvalid`` for a path ``path_problem`` refuses."""
    if why := path_problem(path):
        raise PathInvalid(path, why)
    value = data
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and (index := path_index(part)) is not None and index < len(value):
            value = value[index]
        else:
            return None
    return value


def condition_evaluate(left: Any, operator: str, right: Any = None) -> bool:
    """``left <operator> right``; raises ``UnknownOperator`` for anything not in ``OPERATORS``."""
    check = _CHECKS.get(operator) if isinstance(operator, str) else None
    if check is None:
        raise UnknownOperator(operator)
    return check(left, right)
