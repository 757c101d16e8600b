"""Text a client sends that no database column can hold: NUL characters (PostgreSQL refuses them in
text and jsonb) and lone surrogates (no UTF-8 encoding exists for them).

One check for every door: ``InputHygieneMiddleware`` (core.middleware) applies it to the path, the
query string and form bodies; ``json_text_problems`` to every string and key of JSON a client sends,
wherever it is parsed: the API's bodies (``SafeJSONParser``, core.parsers) and the JSON text of
their form fields (``CheckedJSONField``, core.fields), the portal's trigger data and the admin's
JSON fields (``StorableJSONField``, core.forms). JSON escapes (``\\u0000``)
reach no middleware as NUL: only the parsed document holds them. Refusing them there makes them a
client error (the contract's envelope, the form's field), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.json_values import UNSTORABLE, json_nodes

NUL_MESSAGE = "text must not contain NUL characters"
SURROGATE_MESSAGE = "text must be valid Unicode"
PROBLEM_LIMIT = 20  # enough to fix a body; a hostile one does not get a huge answer


@dataclass(frozen=True)
class TextProblem:
    """Where (a dotted path, or a parameter's name) and what is wrong with one piece of text."""

    path: str
    message: str
    type: str  # ``string_nul`` or ``string_unicode`` (pydantic's words, as the journal uses)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def text_problem(text: str) -> tuple[str, str] | None:
    """``(message, type)`` when ``text`` cannot be stored, else None."""
    if UNSTORABLE.search(text) is None:
        return None
    if "\x00" in text:
        return NUL_MESSAGE, "string_nul"
    return SURROGATE_MESSAGE, "string_unicode"


def printable(text: str) -> str:
    """``text`` safe to echo in an error body or a log line (NUL and surrogates as escapes)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def json_text_problems(value: Any, limit: int = PROBLEM_LIMIT) -> list[TextProblem]:
    """Every string and object key in a parsed JSON document that cannot be stored, by path
    (``input.x``; a bad key is named by its escaped self, ``input.a\\x00b (key)``). The one text
    check of JSON: the API's parser, the portal's trigger data and the admin's JSON fields call it."""
    problems: list[TextProblem] = []
    for where, item, is_key in json_nodes(value):
        if not isinstance(item, str):
            continue
        found = text_problem(item)
        if found is not None:
            path = ".".join(printable(str(part)) for part in where)
            problems.append(TextProblem(f"{path} (key)" if is_key else path, *found))
            if len(problems) >= limit:
                break
    return sorted(problems, key=lambda problem: problem.path)


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
