"""JSON values as nested key/value fields a person reads at a glance (the inbox's payload section).

Only text comes out: the templates escape it like any other value. Nesting is shown a few levels
deep; anything deeper, and lists of plain values, are shown as compact JSON on one line. Values
are never changed beyond that (a secret the engine masked stays the mask it stored)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 3  # levels shown as nested lists; a structure below that is compact JSON
MAX_FIELDS = 50  # fields per level; the rest are counted, not shown
MAX_TEXT = 1000  # characters of one value
SHORT_LIST = 120  # a list of plain values up to this long (as JSON) stays on one line


@dataclass(frozen=True)
class Field:
    key: str
    text: str = ""  # a plain value, or compact JSON when ``code``
    children: tuple[Field, ...] = ()  # the fields of a nested object, or a list's items (#1, #2...)
    code: bool = False  # ``text`` is JSON (null, true, "", a structure), shown as code

    @property
    def nested(self) -> bool:
        return bool(self.children)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _compact(value: Any) -> str:
    return _clip(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), default=str))


def _plain(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _field(key: str, value: Any, depth: int) -> Field:
    if isinstance(value, str):
        return Field(key, _clip(value)) if value else Field(key, '""', code=True)
    if isinstance(value, bool) or value is None:
        return Field(key, _compact(value), code=True)
    if isinstance(value, int | float):
        return Field(key, _compact(value))
    if not value or depth >= MAX_DEPTH:
        return Field(key, _compact(value), code=True)
    if isinstance(value, list):
        if all(_plain(item) for item in value) and len(_compact(value)) <= SHORT_LIST:
            return Field(key, _compact(value), code=True)
        return Field(key, children=_fields(((f"#{i}", item) for i, item in enumerate(value, 1)), depth + 1))
    if isinstance(value, dict):
        return Field(key, children=readable_fields(value, depth=depth + 1))
    return Field(key, _clip(str(value)))


def _fields(items: Iterable[tuple[str, Any]], depth: int) -> tuple[Field, ...]:
    pairs = list(items)
    shown = [_field(key, value, depth) for key, value in pairs[:MAX_FIELDS]]
    if len(pairs) > MAX_FIELDS:
        shown.append(Field("…", f"{len(pairs) - MAX_FIELDS} more not shown"))
    return tuple(shown)


def readable_fields(value: Mapping[str, Any], *, depth: int = 1) -> tuple[Field, ...]:
    """The object's fields by key; nested objects and lists as fields of their own."""
    return _fields(sorted(((str(k), v) for k, v in value.items()), key=lambda pair: pair[0]), depth)
