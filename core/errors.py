"""Typed domain errors. Services raise them; each contract's envelope renders them.

``kind`` says what went wrong in contract-neutral terms (and so picks the HTTP status per contract);
``code`` is the contract's machine-readable code when the service knows it (else the envelope's
default for the kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class ErrorDetail:
    """One problem with one input: where, what, and the stable codes clients switch on."""

    path: str
    message: str
    type: str = ""
    code: str = ""
    location: str = ""  # where the input was, for envelopes that say so: "query"; "" is the body


class DomainError(Exception):
    kind: ClassVar[str] = "invalid"
    default_code: ClassVar[str | int | None] = None
    default_message: ClassVar[str] = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | int | None = None,
        details: list[ErrorDetail] | None = None,
        extra: dict | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code if code is not None else self.default_code
        self.details = list(details or [])
        self.extra = dict(extra or {})  # additive fields a contract's body may carry (approval_id)
        super().__init__(self.message)


class Invalid(DomainError):
    """The input failed schema validation (422 or 400, by contract)."""

    kind = "invalid"
    default_message = "Request validation failed."


class BadRequest(DomainError):
    """The input is well-formed but cannot be acted on (400 in every contract)."""

    kind = "bad_request"
    default_message = "Bad request."


class Unauthenticated(DomainError):
    kind = "unauthenticated"
    default_message = "Authentication credentials were not provided."


class Forbidden(DomainError):
    kind = "forbidden"
    default_message = "You do not have permission to perform this action."


class NotFound(DomainError):
    kind = "not_found"
    default_message = "Not found."


class Conflict(DomainError):
    kind = "conflict"
    default_message = "The request conflicts with the current state."


class Unavailable(DomainError):
    kind = "unavailable"
    default_message = "Service temporarily unavailable."


class StorageError(DomainError):
    kind = "storage"
    default_message = "Storage failure."


class SingleDetailError(DomainError):
    """A domain error carrying exactly one detail (the run-journal contract's style).

    Subclasses set ``detail_path``, ``detail_type`` and ``detail_message`` (a ``str.format``
    template filled from the constructor's keywords); the detail's code is the error's own unless
    ``detail_code`` says otherwise. Combine with a kind: ``class X(SingleDetailError, Conflict)``.
    """

    detail_path: ClassVar[str] = ""
    detail_type: ClassVar[str] = ""
    detail_message: ClassVar[str] = ""
    detail_code: ClassVar[str | None] = None

    def __init__(self, *, path: str | None = None, **values: str) -> None:
        detail = ErrorDetail(
            path or self.detail_path,
            self.detail_message.format(**values),
            self.detail_type,
            self.detail_code or str(self.default_code),
        )
        super().__init__(details=[detail])
