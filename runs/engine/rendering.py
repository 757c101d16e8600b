"""Templates in node configs (``{{ input.amount }}``, ``{{ steps.http-1.output.status }}``,
``{{ credentials.openai }}``), rendered in Jinja2's sandbox; and masking, so that no secret value
reaches a log line, a step output or a journal event.

Masking can only find a secret as it was stored: ``{{ credentials.x|reverse }}`` would slip past it.
So credentials are usable only where a secret belongs (each node type says where, see
``runs.engine.nodes.credentials_allowed``); a template anywhere else that names ``credentials`` is
refused, and every other template renders without them. What a template that used credentials
renders to is a secret too: ``render_config`` reports it so the runner masks it as a whole.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
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


Path = tuple[str | int, ...]


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@functools.lru_cache(maxsize=4096)
def references_credentials(text: str) -> bool:
    """Whether the template ``text`` names ``credentials`` anywhere: whatever filter, slice or alias
    follows, that is the only way a template reaches a secret. Unparsable text counts as a use
    (it cannot render anyway, and this must never say no by mistake)."""
    if not is_template(text) or "credentials" not in text:
        return False
    try:
        tree = _environment.parse(text)
    except TemplateSyntaxError:
        return True
    return any(name.name == "credentials" for name in tree.find_all(nodes.Name))


def template_strings(value: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every template in a config, with its path (walked exactly as ``render`` walks it)."""
    if isinstance(value, str):
        if is_template(value):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from template_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from template_strings(item, (*path, index))


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _render_one(text: str, context: dict) -> str:
    try:
        return _environment.from_string(text).render(context)
    except TemplateError as exc:
        raise TemplateRenderError(f"Template error: {exc.message or exc}") from None


def render(value: Any, context: dict) -> Any:
    """``value`` with every string rendered; dicts and lists are walked, other values kept."""
    if isinstance(value, str):
        return _render_one(value, context) if is_template(value) else value
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context) for item in value]
    return value


@dataclass(frozen=True)
class RenderedConfig:
    value: Any
    # path -> rendered text, for every template that used credentials: each one is a secret
    secret_fields: dict[Path, str] = field(default_factory=dict)


def render_config(
    raw: Any, *, context: dict, credentials_allowed: Callable[[Path], bool], places: str
) -> RenderedConfig:
    """``raw`` rendered like ``render``, except that only the paths ``credentials_allowed`` accepts
    may use credentials (``TemplateRenderError`` naming the path and ``places`` otherwise) and every
    other template renders with no credentials in its context at all."""
    without = {key: item for key, item in context.items() if key != "credentials"}
    secret_fields: dict[Path, str] = {}

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, str):
            if not is_template(value):
                return value
            if not references_credentials(value):
                return _render_one(value, without)
            if not credentials_allowed(path):
                raise TemplateRenderError(f"config.{dotted(path)} uses credentials, {places}")
            try:
                rendered = _environment.from_string(value).render(context)
            except Exception as exc:  # its message could quote a value derived from a secret
                raise TemplateRenderError(
                    f"config.{dotted(path)} could not be rendered ({type(exc).__name__}; the details "
                    "are not shown because the template uses credentials)"
                ) from None
            secret_fields[path] = rendered
            return rendered
        if isinstance(value, dict):
            return {key: walk(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, (*path, index)) for index, item in enumerate(value)]
        return value

    return RenderedConfig(walk(raw, ()), secret_fields)


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
