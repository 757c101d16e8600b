"""Validating a request's input with a pydantic model: every problem becomes an ``ErrorDetail``, so
each contract's envelope renders them (the operator-api as FastAPI's ``{type, loc, msg}`` list)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import ErrorDetail, Invalid

Model = TypeVar("Model", bound=BaseModel)


def pydantic_details(exc: ValidationError, *, location: str = "") -> list[ErrorDetail]:
    return [
        ErrorDetail(
            path=".".join(str(part) for part in error["loc"]),
            message=error["msg"],
            type=error["type"],
            location=location,
        )
        for error in exc.errors(include_url=False)
    ]


def input_validate(model: type[Model], data: Any, *, location: str = "") -> Model:
    """``data`` as ``model``, or ``Invalid`` (422) with every problem; ``location`` is where the
    input came from ("query"; "" for the body)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(details=pydantic_details(exc, location=location)) from None
