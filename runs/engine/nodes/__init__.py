"""The node types: one module each, with a ``Config`` and an ``execute`` (see ``base``).

A module may also define ``credentials_allowed(config, path)``: which of its config's templates may
use ``{{ credentials.<name> }}``. A module without it allows none (``transform``, ``approval``,
``condition``: what they produce is recorded, so a secret there would be written down); and
``config_problems(config)``: what its ``Config`` cannot check alone (``http``: credentials sent to a
templated origin).
"""

from runs.engine.nodes import approval, condition, delay, http, start, transform
from runs.engine.rendering import Path

NODE_TYPES = {
    "start": start,
    "http": http,
    "approval": approval,
    "condition": condition,
    "transform": transform,
    "delay": delay,
}
CONFIGS = {name: module.Config for name, module in NODE_TYPES.items()}
CREDENTIAL_PLACES = (  # completes "<where> uses credentials, ..."
    "which only an http node's auth and header values may use "
    f"(also its url, body and json_body when {http.CREDENTIALS_OPT_IN} is true)"
)


def config_problems(node_type: str, config: dict) -> list[str]:
    """What a module's ``config_problems(config)`` finds beyond its ``Config``'s shape (each phrased
    to follow "Node '<id>' "); none for a module without it."""
    module = NODE_TYPES.get(node_type)
    check = getattr(module, "config_problems", None)
    return check(config) if check and isinstance(config, dict) else []


def credentials_allowed(node_type: str, config: dict, path: Path) -> bool:
    """Whether the template at ``path`` of a ``node_type`` node's raw ``config`` may use credentials."""
    module = NODE_TYPES.get(node_type)
    allowed = getattr(module, "credentials_allowed", None)
    return bool(allowed and isinstance(config, dict) and allowed(config, path))
