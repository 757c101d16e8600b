"""Walking a parsed JSON document, and making the server's own JSON storable.

``json_nodes`` is the one walk: the text check at every JSON door (``core.input_hygiene.
json_text_problems``) and the finite-number check of the workflow-runs bodies use it. ``storable``
is for what the server writes itself (a remote answer, a rendered template): nothing to refuse
there, so what no column can hold is replaced.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # no database column can hold these
REPLACEMENT = "\ufffd"


def json_nodes(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any, bool]]:
    """``(path, item, is_key)`` for every value of ``value`` and every object key (each key is
    yielded with its own path, then its value), depth first. A path is the keys and indexes leading
    to the item; callers format it."""
    stack: list[tuple[tuple, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        yield where, item, False
        if isinstance(item, dict):
            for key, child in item.items():
                yield (*where, key), key, True
                stack.append(((*where, key), child))
        elif isinstance(item, list):
            stack.extend(((*where, index), child) for index, child in enumerate(item))


def non_finite_problems(value: Any, path: str = "", limit: int = 20) -> list[str]:
    """One ``"path: numbers must be finite"`` per infinite or NaN number (``1e400`` parses as
    infinity, which no JSON column stores), at most ``limit``. Text is the parser's check."""
    problems: list[str] = []
    for where, item, _ in json_nodes(value, (path,) if path else ()):
        if isinstance(item, float) and not math.isfinite(item):
            problems.append(f"{'.'.join(map(str, where)) or 'value'}: numbers must be finite")
            if len(problems) >= limit:
                break
    return sorted(problems)


def storable(value: Any) -> Any:
    """``value`` with NUL characters and lone surrogates (in text and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        return UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value
