"""``http``: one outbound request through the engine's client (egress guard, pinned addresses,
checked redirects, bounded capture, retries). A 4xx/5xx fails the step unless
``fail_on_http_error`` is false; the response is the step's output for later templates."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from runs.engine.egress import EgressRefused
from runs.engine.http_client import HttpCallFailed, http_call
from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome
from runs.engine.templates import mask_secrets

MAX_CALL_SECONDS = 240  # a worker task may run 300 s (django-q2's timeout); one call must fit well inside


class Auth(NodeConfig):
    credentialName: str = Field(min_length=1)


class Retry(NodeConfig):
    attempts: int = Field(default=0, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0, le=60)


class Config(NodeConfig):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str
    headers: dict[str, str] | None = None
    body: str | None = None
    json_body: dict[str, Any] | None = None
    auth: Auth | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    retry: Retry | None = None
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

    @model_validator(mode="after")
    def _one_body_and_bounded(self):
        if self.body is not None and self.json_body is not None:
            raise PydanticCustomError("one_body", "body and json_body cannot both be set")
        if max_seconds(self) > MAX_CALL_SECONDS:
            raise PydanticCustomError(
                "too_long",
                "timeout_seconds and retry allow a call of {seconds} s; the most is {limit} s",
                {"seconds": round(max_seconds(self)), "limit": MAX_CALL_SECONDS},
            )
        return self


def max_seconds(config: Config) -> float:
    """The longest the call can take, retries and backoff included (the runner's lease covers it)."""
    retry = config.retry or Retry()
    backoff = sum(retry.backoff_seconds * 2**n for n in range(retry.attempts))
    return config.timeout_seconds * (retry.attempts + 1) * 2 + backoff


def _headers(config: Config, context: NodeContext) -> dict[str, str] | str:
    headers = dict(config.headers or {})
    if config.auth is not None:
        secret = context.credentials.get(config.auth.credentialName)
        if secret is None:
            return f"Credential '{config.auth.credentialName}' not found"
        headers["Authorization"] = f"Bearer {secret}"
    return headers


def execute(config: Config, context: NodeContext) -> Outcome:
    headers = _headers(config, context)
    if isinstance(headers, str):
        return Outcome.failed(f"HTTP {config.method} request not sent", headers)
    retry = config.retry or Retry()
    try:
        result = http_call(
            method=config.method,
            url=config.url,
            headers=headers,
            content=config.body,
            json_body=config.json_body,
            timeout_seconds=config.timeout_seconds,
            retry_attempts=retry.attempts,
            backoff_seconds=retry.backoff_seconds,
        )
    except EgressRefused as exc:
        return Outcome.failed(f"HTTP {config.method} request refused", exc.message)
    except HttpCallFailed as exc:
        return Outcome.failed(f"HTTP {config.method} request failed", str(exc), {"attempts": exc.attempts})
    output = {
        "status": result.status,
        "headers": result.headers,
        "body": result.body,
        "truncated": result.truncated,
        "attempts": result.attempts,
        "url": result.url,
    }
    if result.status >= 400 and config.fail_on_http_error:
        body = mask_secrets(result.body, list(context.credentials.values()))  # before it is cut short
        preview = body if isinstance(body, str) else json.dumps(body)
        return Outcome.failed(
            f"HTTP {config.method} request failed ({result.status})",
            f"{config.url} answered {result.status}: {preview[:300]}",
            output,
        )
    if result.status >= 400:
        return Outcome.succeeded(f"HTTP {config.method} request returned {result.status}", output)
    return Outcome.succeeded(f"HTTP {config.method} request completed successfully ({result.status})", output)
