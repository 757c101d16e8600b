"""run-journal-v0: ``{"error": {"code", "message", "details": [{path, message, type, code}]}}``."""

from __future__ import annotations

from typing import Any

from core.envelopes import exception_handler_for
from core.problems import KIND_STATUS, Problem

STATUS = {**KIND_STATUS, "invalid": 422}
DEFAULT_CODES = {
    "invalid": "REQUEST_VALIDATION_ERROR",
    "bad_request": "BAD_REQUEST",
    "unauthenticated": "UNAUTHENTICATED",
    "forbidden": "FORBIDDEN",
    "not_found": "NOT_FOUND",
    "method_not_allowed": "METHOD_NOT_ALLOWED",
    "not_acceptable": "NOT_ACCEPTABLE",
    "conflict": "CONFLICT",
    "unsupported_media_type": "UNSUPPORTED_MEDIA_TYPE",
    "rate_limited": "RATE_LIMITED",
    "internal": "INTERNAL_ERROR",
    "storage": "STORAGE_ERROR",
    "unavailable": "SERVICE_UNAVAILABLE",
}


def render(problem: Problem) -> tuple[int, Any]:
    status = STATUS[problem.kind]
    message = problem.message
    if problem.kind == "internal":
        # The envelope has no request-id slot: say it in the message so a user can quote it.
        message = f"Internal server error (request id {problem.request_id})"
    elif problem.route_miss:
        message = "Resource not found" if problem.kind == "not_found" else message
    details = [
        {"path": d.path, "message": d.message, "type": d.type, "code": d.code} for d in problem.details
    ]
    code = problem.code or DEFAULT_CODES[problem.kind]
    return status, {"error": {"code": code, "message": message, "details": details}}


exception_handler = exception_handler_for(render)
