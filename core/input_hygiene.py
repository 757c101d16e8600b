"""Text a client sends that no database column can hold: NUL characters (PostgreSQL refuses them in
text and jsonb) and lone surrogates (no UTF-8 encoding exists for them).

One check for every door: ``InputHygieneMiddleware`` (core.middleware) applies it to the path, the
query string and form bodies; ``SafeJSONParser`` (core.parsers) to every JSON body's strings and
keys. Refusing them there makes them a client error in each contract's envelope, never a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

NUL_MESSAGE = "text must not contain NUL characters"
SURROGATE_MESSAGE = "text must be valid Unicode"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
PROBLEM_LIMIT = 20  # enough to fix a body; a hostile one does not get a huge answer


@dataclass(frozen=True)
class TextProblem:
    """Where (a dotted path, or a parameter's name) and what is wrong with one piece of text."""

    path: str
    message: str
    type: str  # ``string_nul`` or ``string_unicode`` (pydantic's words, as the journal uses)


def text_problem(text: str) -> tuple[str, str] | None:
    """``(message, type)`` when ``text`` cannot be stored, else None."""
    if _UNSTORABLE.search(text) is None:
        return None
    if "\x00" in text:
        return NUL_MESSAGE, "string_nul"
    return SURROGATE_MESSAGE, "string_unicode"


def printable(text: str) -> str:
    """``text`` safe to echo in an error body or a log line (NUL and surrogates as escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _join(where: str, part: str) -> str:
    return f"{where}.{part}" if where else part


def json_text_problems(value: Any, limit: int = PROBLEM_LIMIT) -> list[TextProblem]:
    """Every string and object key in a parsed JSON document that cannot be stored, by path
    (``input.x``; a bad key is named by its escaped self, ``input.a\\x00b (key)``)."""
    problems: list[TextProblem] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack and len(problems) < limit:
        where, item = stack.pop()
        if isinstance(item, str):
            found = text_problem(item)
            if found is not None:
                problems.append(TextProblem(where, *found))
        elif isinstance(item, dict):
            for key, child in item.items():
                name = str(key)
                found = text_problem(name)
                if found is not None:
                    problems.append(TextProblem(f"{_join(where, printable(name))} (key)", *found))
                stack.append((_join(where, printable(name)), child))
        elif isinstance(item, list):
            stack.extend((_join(where, str(index)), child) for index, child in enumerate(item))
    return sorted(problems[:limit], key=lambda problem: problem.path)


def parameter_problems(pairs) -> list[TextProblem]:
    """Query-string or form parameters (``(name, [values])`` pairs) that cannot be stored."""
    problems: list[TextProblem] = []
    for name, values in pairs:
        for text in (name, *values):
            found = text_problem(text)
            if found is not None:
                problems.append(TextProblem(printable(name), *found))
                break
        if len(problems) >= PROBLEM_LIMIT:
            break
    return problems


REPEATED_MESSAGE = "given more than once; send one value"


def repeated_parameters(pairs) -> list[TextProblem]:
    """Query parameters sent more than once. No API reads a list from its query string, so a second
    value would be silently dropped (``?limit=5&limit=500``): refuse it rather than guess which."""
    return [
        TextProblem(printable(name), REPEATED_MESSAGE, "repeated_parameter")
        for name, values in pairs
        if len(values) > 1
    ][:PROBLEM_LIMIT]
