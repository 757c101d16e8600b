"""The node types: one module each, with a ``Config`` and an ``execute`` (see ``base``)."""

from runs.engine.nodes import approval, condition, delay, http, start, transform

NODE_TYPES = {
    "start": start,
    "http": http,
    "approval": approval,
    "condition": condition,
    "transform": transform,
    "delay": delay,
}
CONFIGS = {name: module.Config for name, module in NODE_TYPES.items()}
