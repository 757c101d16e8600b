"""run-event policy gate (xyOps style): ``{"code": "<string>", "description": "..."}``.

The origin answers errors with HTTP 200; we use real statuses (docs/decisions.md) and keep
the body. Codes follow the origin: ``session`` (no credentials), ``api`` (bad parameters, API-key
problems), ``user`` (a user's missing privilege), and ``1`` for an unsupported API name.
"""

from __future__ import annotations

from typing import Any

from core.envelopes import exception_handler_for
from core.problems import KIND_STATUS, Problem


def _default_code(problem: Problem) -> str | int:
    if problem.route_miss:
        return 1
    if problem.kind == "unauthenticated":
        return "session"
    if problem.kind == "forbidden":
        return "api" if problem.principal == "api_key" else "user"
    if problem.kind in ("internal", "storage", "unavailable"):
        return "server"
    return "api"


def _description(problem: Problem) -> str:
    if problem.route_miss:
        name = problem.path.rstrip("/").rsplit("/", 2)[-2:]
        return f"Unsupported API: {name[0] if name and name[-1] == 'v1' else name[-1]}"
    if problem.kind in ("internal", "storage"):
        return f"Internal server error (request id {problem.request_id})"
    if problem.details:
        return "; ".join(_parameter_problem(d) for d in problem.details)
    return problem.message


def _parameter_problem(detail) -> str:
    """The origin's wording: ``Missing parameter: key`` / ``Malformed parameter: key``."""
    if not detail.path:
        return detail.message
    if detail.type == "required":
        return f"Missing parameter: {detail.path}"
    return f"Malformed parameter: {detail.path} ({detail.message})"


def render(problem: Problem) -> tuple[int, Any]:
    code = problem.code if problem.code is not None else _default_code(problem)
    return KIND_STATUS[problem.kind], {"code": code, "description": _description(problem), **problem.extra}


exception_handler = exception_handler_for(render)
