"""One module per contract turns a ``Problem`` into that contract's status and body.

Each module exposes ``render(problem) -> (status, body)`` and a DRF ``exception_handler`` built by
``exception_handler_for``; views bind theirs through ``get_exception_handler`` (core.api).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.problems import Problem, problem_from_exception

Renderer = Callable[[Problem], tuple[int, Any]]


def exception_handler_for(render: Renderer):
    """A DRF exception handler that renders every exception, expected or not, through ``render``."""

    def exception_handler(exc: BaseException, context: dict) -> Response:
        problem = problem_from_exception(exc, context.get("request"))
        set_rollback()
        status, body = render(problem)
        return Response(body, status=status, headers=problem.headers or None)

    return exception_handler


def json_response(render: Renderer, problem: Problem) -> JsonResponse:
    """The same rendering for plain Django views and middleware (URL misses, crashes outside DRF)."""
    status, body = render(problem)
    response = JsonResponse(body, status=status, safe=False, json_dumps_params={"separators": (",", ":")})
    for name, value in problem.headers.items():
        response[name] = value
    return response
