"""What a JSON document from a client must be before we store it: finite numbers, text without NUL
and lone surrogates (PostgreSQL's jsonb and SQLite's JSON1 refuse them; refusing them here makes
that a 400, not a 500)."""

from __future__ import annotations

import math
from typing import Any


def storable_problems(value: Any, path: str = "", limit: int = 20) -> list[str]:
    """One ``"path: problem"`` string per offending value, at most ``limit``."""
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack and len(problems) < limit:
        where, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            problems.append(f"{where or 'value'}: numbers must be finite")
        elif isinstance(item, str):
            if "\x00" in item:
                problems.append(f"{where or 'value'}: text must not contain NUL characters")
            else:
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    problems.append(f"{where or 'value'}: text must be valid Unicode")
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((f"{where}.{key}" if where else str(key), child))
                if isinstance(key, str):
                    stack.append((f"{where}.{key} (key)" if where else f"{key} (key)", key))
        elif isinstance(item, list):
            stack.extend((f"{where}.{i}" if where else str(i), child) for i, child in enumerate(item))
    return sorted(problems)
