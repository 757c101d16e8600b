"""Turn any exception into one neutral ``Problem`` that a contract envelope can render."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf

from core.errors import DomainError, ErrorDetail

logger = logging.getLogger("opsgate.errors")

KIND_STATUS = {
    "invalid": 400,
    "bad_request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "conflict": 409,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "internal": 500,
    "storage": 500,
    "unavailable": 503,
}


@dataclass
class Problem:
    kind: str
    message: str
    code: str | int | None = None
    details: list[ErrorDetail] = field(default_factory=list)
    request_id: str = ""
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    route_miss: bool = False  # no route matched (each contract words this its own way)
    principal: str = ""  # "api_key" or "user" when the caller was identified
    extra: dict[str, Any] = field(default_factory=dict)  # additive body fields (DomainError.extra)


def _flatten(detail: Any, path: str = "") -> list[ErrorDetail]:
    """DRF's nested ``{"field": ["msg"]}`` error trees as a flat, path-sorted list."""
    if isinstance(detail, dict):
        out: list[ErrorDetail] = []
        for key, value in detail.items():
            sub = str(key) if key != "non_field_errors" else ""
            out.extend(_flatten(value, f"{path}.{sub}" if path and sub else (sub or path)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [_detail(item, path) for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(_flatten(item, f"{path}.{index}" if path else str(index)))
        return out
    return [_detail(detail, path)]


def _detail(item: Any, path: str) -> ErrorDetail:
    code = getattr(item, "code", "") or "invalid"
    return ErrorDetail(path=path, message=str(item), type=code, code=code.upper())


def _principal(request: Any) -> str:
    auth = getattr(request, "_auth", None) if request is not None else None
    return "api_key" if getattr(auth, "api_key", None) is not None else ("user" if auth else "")


def problem_from_exception(exc: BaseException, request: Any = None) -> Problem:
    """Normalise ``exc``. Unexpected exceptions are logged here, with the request id."""
    request_id = getattr(request, "request_id", "") if request is not None else ""
    path = getattr(request, "path", "") if request is not None else ""
    problem = _classify(exc)
    problem.request_id = request_id
    problem.path = path
    problem.principal = _principal(request)
    if problem.kind in ("internal", "unavailable", "storage"):
        logger.error(
            "%s on %s (request %s): %s",
            type(exc).__name__,
            path,
            request_id,
            exc,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
    return problem


def _classify(exc: BaseException) -> Problem:
    if isinstance(exc, DomainError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.kind == "unauthenticated" else {}
        return Problem(
            kind=exc.kind,
            message=exc.message,
            code=exc.code,
            details=exc.details,
            headers=headers,
            extra=exc.extra,
        )
    if isinstance(exc, drf.ValidationError):
        details = sorted(_flatten(exc.detail), key=lambda d: d.path)
        return Problem(kind="invalid", message="Request validation failed.", details=details)
    if isinstance(exc, drf.ParseError):
        return Problem(
            kind="invalid",
            message="Malformed request body.",
            details=[ErrorDetail("body", str(exc.detail), "parse_error", "MALFORMED_BODY")],
        )
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        header = getattr(exc, "auth_header", None)
        return Problem(
            kind="unauthenticated",
            message=str(exc.detail),
            headers={"WWW-Authenticate": header} if header else {},
        )
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        message = str(getattr(exc, "detail", "") or str(exc) or drf.PermissionDenied.default_detail)
        return Problem(kind="forbidden", message=message)
    if isinstance(exc, (drf.NotFound, Http404)):
        return Problem(kind="not_found", message="Not found.")
    if isinstance(exc, drf.MethodNotAllowed):
        return Problem(kind="method_not_allowed", message=str(exc.detail))
    if isinstance(exc, drf.NotAcceptable):
        return Problem(kind="not_acceptable", message=str(exc.detail))
    if isinstance(exc, drf.UnsupportedMediaType):
        return Problem(kind="unsupported_media_type", message=str(exc.detail))
    if isinstance(exc, drf.Throttled):
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait else {}
        return Problem(kind="rate_limited", message=str(exc.detail), headers=headers)
    if isinstance(exc, RequestDataTooBig):
        return Problem(kind="bad_request", message="Request body too large.")
    if isinstance(exc, SuspiciousOperation):  # too many fields, bad host, ...: the client's doing
        return Problem(kind="bad_request", message="Bad request.")
    if isinstance(exc, (OperationalError, InterfaceError)):
        return Problem(kind="unavailable", message="Database unavailable.")
    if isinstance(exc, drf.APIException):
        kind = {v: k for k, v in KIND_STATUS.items()}.get(exc.status_code, "internal")
        return Problem(kind=kind, message=str(exc.detail))
    return Problem(kind="internal", message="Internal server error.")
