"""Per-node-type config schemas (unknown keys refused). The http schema is the origin's plus our
``timeout_seconds``, ``retry`` and ``fail_on_http_error``."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from core.conditions import OPERATORS


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartConfig(_Config):
    pass


class HttpAuth(_Config):
    credentialName: str = Field(min_length=1)


class HttpRetry(_Config):
    attempts: int = Field(default=0, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0, le=60)


class HttpConfig(_Config):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str
    headers: dict[str, str] | None = None
    body: str | None = None
    json_body: dict[str, Any] | None = None
    auth: HttpAuth | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    retry: HttpRetry | None = None
    fail_on_http_error: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "{{" in value:  # templated: checked once rendered, at run time
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PydanticCustomError("url", "must be a valid URL")
        return value


class ApprovalConfig(_Config):
    title: str | None = Field(default=None, max_length=500)
    reason: str | None = None
    risk_level: Literal["low", "medium", "high"] | None = None
    expires_in_minutes: int | None = Field(default=None, gt=0, le=60 * 24 * 30)


class ConditionConfig(_Config):
    left: str
    operator: Literal[OPERATORS]  # the shared evaluator's operators (core.conditions)
    right: Any = None


class TransformConfig(_Config):
    output: Any


class DelayConfig(_Config):
    seconds: int = Field(ge=1, le=7 * 24 * 3600)


CONFIGS: dict[str, type[_Config]] = {
    "start": StartConfig,
    "http": HttpConfig,
    "approval": ApprovalConfig,
    "condition": ConditionConfig,
    "transform": TransformConfig,
    "delay": DelayConfig,
}
