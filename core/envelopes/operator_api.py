"""operator-api (FastAPI style): ``{"detail": "..."}``; schema errors 422 ``{"detail": [...]}``."""

from __future__ import annotations

from typing import Any

from core.conditions import path_index
from core.envelopes import exception_handler_for
from core.problems import KIND_STATUS, Problem

STATUS = {**KIND_STATUS, "invalid": 422}
ROUTE_MESSAGES = {"not_found": "Not Found", "method_not_allowed": "Method Not Allowed"}


def _loc(path: str, location: str) -> list[Any]:
    parts: list[Any] = [location or "body"]
    for part in path.split(".") if path else []:
        index = path_index(part)  # ASCII digits only: "²".isdigit() is true, int("²") fails
        parts.append(part if index is None else index)
    return parts


def render(problem: Problem) -> tuple[int, Any]:
    status = STATUS[problem.kind]
    if problem.kind == "invalid" and problem.details:
        return status, {
            "detail": [
                {"type": d.type or "value_error", "loc": _loc(d.path, d.location), "msg": d.message}
                for d in problem.details
            ]
        }
    if status >= 500 and problem.kind != "unavailable":
        return status, {
            "detail": "Internal server error",
            "error_id": problem.request_id,
            "message": "An unexpected error occurred. Reference this error_id when reporting issues.",
        }
    if problem.route_miss:
        return status, {"detail": ROUTE_MESSAGES.get(problem.kind, problem.message)}
    return status, {"detail": problem.message}


exception_handler = exception_handler_for(render)
