"""Templates in node configs (``{{ input.amount }}``, ``{{ steps.http-1.output.status }}``,
``{{ credentials.openai }}``), rendered in Jinja2's sandbox; and masking, so that no secret value
reaches a log line, a step output or a journal event.
"""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from core.errors import Invalid

MASK = "••••"
_environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class TemplateRenderError(Invalid):
    default_code = "TEMPLATE_ERROR"
    default_message = "A template in the node's config could not be rendered"


class _Steps(dict):
    """``steps.http-1`` is not valid Jinja, so step outputs are also reachable as ``steps['http-1']``
    and with dashes written as underscores (``steps.http_1``)."""

    def __getattr__(self, name: str) -> Any:
        for key in (name, name.replace("_", "-")):
            if key in self:
                return self[key]
        raise AttributeError(name)


def template_context(*, input: dict, steps: dict[str, Any], credentials: dict[str, str]) -> dict:
    return {"input": input, "steps": _Steps(steps), "credentials": credentials}


def render(value: Any, context: dict) -> Any:
    """``value`` with every string rendered; dicts and lists are walked, other values kept."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        try:
            return _environment.from_string(value).render(context)
        except TemplateError as exc:
            raise TemplateRenderError(f"Template error: {exc.message or exc}") from None
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


def mask_secrets(value: Any, secrets: list[str]) -> Any:
    """``value`` with every occurrence of a secret replaced by ``MASK`` (longest secrets first)."""
    secrets = sorted((s for s in secrets if s), key=len, reverse=True)
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {mask_secrets(k, secrets): mask_secrets(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item, secrets) for item in value]
    return value
