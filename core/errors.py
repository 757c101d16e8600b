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
    ) -> None:
        self.message = message or self.default_message
        self.code = code if code is not None else self.default_code
        self.details = list(details or [])
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
