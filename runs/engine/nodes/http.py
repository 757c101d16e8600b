"""``http``: one outbound request through the engine's client (egress guard, pinned addresses,
checked redirects, bounded capture, retries). A 4xx/5xx fails the step unless
``fail_on_http_error`` is false; the response is the step's output for later templates."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Literal

import httpx
from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from runs.engine.egress import EgressRefused
from runs.engine.http_client import HttpCallFailed, http_call, url_problem
from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome
from runs.engine.origins import credentials_origin_problem, origin_is_templated
from runs.engine.rendering import Path, is_template, mask_secrets, references_credentials, template_strings

MAX_CALL_SECONDS = 240  # a worker task may run 300 s (django-q2's timeout); one call must fit well inside
CREDENTIALS_OPT_IN = "allow_credentials_in_url_and_body"
_OPT_IN_FIELDS = ("url", "body", "json_body")


class Auth(NodeConfig):
    credentialName: str = Field(min_length=1)


class Retry(NodeConfig):
    attempts: int = Field(default=0, ge=0, le=10)
    backoff_seconds: float = Field(default=1.0, ge=0, le=60)


class Config(NodeConfig):
    """An http node's settings.

    Credentials: ``auth.credentialName`` sends a stored credential as a Bearer token, and header
    values may use ``{{ credentials.<name> }}`` (``"X-Api-Key": "{{ credentials.vendor }}"``). Such a
    header is sent to the URL's origin only (dropped when a redirect leads elsewhere), and its
    rendered value is masked as a whole wherever it could be recorded (an echoing server's answer).
    Anywhere else a template naming ``credentials`` refuses the graph, unless
    ``allow_credentials_in_url_and_body`` is true: then ``url``, ``body`` and ``json_body`` may use
    them too (an API that wants its key in the query string, a token request that posts a client
    secret). Those values are masked as a whole as well (so the step's ``url`` reads ``••••``), and
    a body carrying a credential is not re-sent when a redirect leads to another origin.

    A node that sends credentials needs its URL's origin written out (templates only from the path
    on, see ``runs.engine.origins``): otherwise whoever supplies the run's input could choose the
    host that receives them. The graph is refused, and a rendered URL whose origin differs from the
    saved one fails the step before anything is sent.
    """

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str
    headers: dict[str, str] | None = None
    body: str | None = None
    json_body: dict[str, Any] | None = None
    auth: Auth | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    retry: Retry | None = None
    fail_on_http_error: bool = True
    allow_credentials_in_url_and_body: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if is_template(value):  # checked once rendered, at run time
            return value
        if "://" not in value:
            raise PydanticCustomError("url", "must be a valid URL")
        problem = url_problem(value)
        if problem is None and httpx.URL(value).userinfo:
            problem = "a user name or password in the URL would be a secret in clear: use auth or a header"
        if problem:
            raise PydanticCustomError("url", "must be a valid URL: {problem}", {"problem": problem})
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


def credentials_allowed(config: dict, path: Path) -> bool:
    """Header values always; url, body and json_body only with the opt-in (see ``Config``)."""
    if len(path) == 2 and path[0] == "headers":
        return True
    return config.get(CREDENTIALS_OPT_IN) is True and bool(path) and path[0] in _OPT_IN_FIELDS


def sends_credentials(config: dict) -> bool:
    """Whether a raw config sends a credential: ``auth``, or any template naming ``credentials``."""
    return config.get("auth") is not None or any(
        references_credentials(text) for _, text in template_strings(config)
    )


def config_problems(config: dict) -> list[str]:
    """What ``Config`` cannot see: credentials sent to a URL whose origin a template chooses."""
    url = config.get("url")
    if isinstance(url, str) and origin_is_templated(url) and sends_credentials(config):
        return [
            "config.url chooses its scheme, host or port with a template, and the node sends "
            "credentials: write the origin out (https://api.example.com/...); templates may follow "
            "in the path and the query"
        ]
    return []


def _origin_problem(config: Config, context: NodeContext) -> str | None:
    """Why this call must not carry its credentials (the rendered URL left the saved origin)."""
    if config.auth is None and not context.secret_fields:
        return None
    saved = context.raw_config.get("url")
    return credentials_origin_problem(saved=saved if isinstance(saved, str) else "", sent=config.url)


def _secrets(config: Config, context: NodeContext) -> list[str]:
    """What to mask in this node's output: a URL built from a credential also as the client spells it."""
    secrets = context.secrets
    if ("url",) in context.secret_fields:
        with contextlib.suppress(httpx.InvalidURL, TypeError, ValueError):
            secrets.append(str(httpx.URL(config.url)))
    return secrets


def _headers(config: Config, context: NodeContext) -> dict[str, str] | str:
    headers = dict(config.headers or {})
    if config.auth is not None:
        secret = context.credentials.get(config.auth.credentialName)
        if secret is None:
            return f"Credential '{config.auth.credentialName}' not found"
        headers["Authorization"] = f"Bearer {secret}"
    return headers


def execute(config: Config, context: NodeContext) -> Outcome:
    if problem := _origin_problem(config, context):
        return Outcome.failed(f"HTTP {config.method} request not sent", f"Credentials not sent: {problem}")
    headers = _headers(config, context)
    if isinstance(headers, str):
        return Outcome.failed(f"HTTP {config.method} request not sent", headers)
    retry = config.retry or Retry()
    secret_headers = [path[1] for path in context.secret_fields if path[:1] == ("headers",)]
    try:
        result = http_call(
            method=config.method,
            url=config.url,
            headers=headers,
            secret_headers=secret_headers,
            content=config.body,
            json_body=config.json_body,
            secret_body=any(path[:1] in (("body",), ("json_body",)) for path in context.secret_fields),
            timeout_seconds=config.timeout_seconds,
            retry_attempts=retry.attempts,
            backoff_seconds=retry.backoff_seconds,
        )
    except EgressRefused as exc:
        return Outcome.failed(
            f"HTTP {config.method} request refused", mask_secrets(exc.message, _secrets(config, context))
        )
    except HttpCallFailed as exc:
        return Outcome.failed(
            f"HTTP {config.method} request failed",
            mask_secrets(str(exc), _secrets(config, context)),
            {"attempts": exc.attempts},
        )
    secrets = _secrets(config, context)
    output = {
        "status": result.status,
        "headers": result.headers,
        "body": result.body,
        "truncated": result.truncated,
        "attempts": result.attempts,
        "url": result.url,
    }
    output = mask_secrets(output, secrets)  # the runner masks again, but cannot know the URL's forms
    if result.status >= 400 and config.fail_on_http_error:
        body = output["body"]  # masked before it is cut short
        preview = body if isinstance(body, str) else json.dumps(body)
        return Outcome.failed(
            f"HTTP {config.method} request failed ({result.status})",
            mask_secrets(f"{config.url} answered {result.status}: ", secrets) + preview[:300],
            output,
        )
    if result.status >= 400:
        return Outcome.succeeded(f"HTTP {config.method} request returned {result.status}", output)
    return Outcome.succeeded(f"HTTP {config.method} request completed successfully ({result.status})", output)
