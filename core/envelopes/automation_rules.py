"""automation-rule-execute (alga-psa style): ``{"error": {"code", "message", "details"?}}``.

Validation ``details`` are zod-like issues ``{path: [...], message, code}``; the key is left out
when there is nothing to add, as the origin drops an undefined ``details``.
"""

from __future__ import annotations

from typing import Any

from core.conditions import path_index
from core.envelopes import exception_handler_for
from core.problems import KIND_STATUS, Problem

DEFAULTS = {
    "invalid": ("VALIDATION_ERROR", "Validation failed"),
    "bad_request": ("BAD_REQUEST", None),
    "unauthenticated": ("UNAUTHORIZED", None),
    "forbidden": ("FORBIDDEN", None),
    "not_found": ("NOT_FOUND", None),
    "method_not_allowed": ("METHOD_NOT_ALLOWED", None),
    "not_acceptable": ("NOT_ACCEPTABLE", None),
    "conflict": ("CONFLICT", None),
    "unsupported_media_type": ("UNSUPPORTED_MEDIA_TYPE", None),
    "rate_limited": ("RATE_LIMITED", None),
    "internal": ("INTERNAL_ERROR", "An unexpected error occurred"),
    "storage": ("INTERNAL_ERROR", "An unexpected error occurred"),
    "unavailable": ("SERVICE_UNAVAILABLE", None),
}


def _path(path: str) -> list[Any]:
    """zod's issue path: index segments (ASCII digits) as numbers, keys as strings."""
    return [_segment(part) for part in path.split(".")] if path else []


def _segment(part: str) -> int | str:
    index = path_index(part)
    return part if index is None else index


GENERIC_INVALID = {"Request validation failed.", "Malformed request body."}


def render(problem: Problem) -> tuple[int, Any]:
    status = KIND_STATUS[problem.kind]
    default_code, fixed_message = DEFAULTS[problem.kind]
    if problem.kind == "invalid" and problem.message not in GENERIC_INVALID:
        fixed_message = None  # a specific message ("Invalid ID format", "Query validation failed")
    message = fixed_message or ("Resource not found" if problem.route_miss else problem.message)
    error: dict[str, Any] = {"code": problem.code or default_code, "message": message}
    if problem.details:
        error["details"] = [
            {"path": _path(d.path), "message": d.message, "code": d.code or d.type} for d in problem.details
        ]
    elif status >= 500:
        error["details"] = {"requestId": problem.request_id}
    return status, {"error": error}


exception_handler = exception_handler_for(render)
