"""workflow-runs-v1: ``{"error": {"code", "message", "details": [str], "requestId"}}``.

``details`` is left out when there is nothing to list, as in the contract's NOT_FOUND example.
"""

from __future__ import annotations

from typing import Any

from core.envelopes import exception_handler_for
from core.problems import KIND_STATUS, Problem

DEFAULT_CODES = {
    "invalid": "VALIDATION_ERROR",
    "bad_request": "VALIDATION_ERROR",
    "unauthenticated": "UNAUTHORIZED",
    "forbidden": "FORBIDDEN",
    "not_found": "NOT_FOUND",
    "method_not_allowed": "METHOD_NOT_ALLOWED",
    "not_acceptable": "NOT_ACCEPTABLE",
    "conflict": "CONFLICT",
    "unsupported_media_type": "UNSUPPORTED_MEDIA_TYPE",
    "rate_limited": "RATE_LIMITED",
    "internal": "INTERNAL_ERROR",
    "storage": "INTERNAL_ERROR",
    "unavailable": "SERVICE_UNAVAILABLE",
}


def render(problem: Problem) -> tuple[int, Any]:
    status = KIND_STATUS[problem.kind]
    message = problem.message
    if problem.kind in ("internal", "storage"):
        message = "Internal server error"
    elif problem.route_miss:
        message = "Not found" if problem.kind == "not_found" else message
    error: dict[str, Any] = {
        "code": problem.code or DEFAULT_CODES[problem.kind],
        "message": message,
    }
    if problem.details:
        error["details"] = [f"{d.path}: {d.message}" if d.path else d.message for d in problem.details]
    error.update(problem.extra)
    error["requestId"] = problem.request_id
    return status, {"error": error}


exception_handler = exception_handler_for(render)
