"""``transform``: builds a value from templates (``output`` rendered); later nodes read it as
``steps.<id>.output``."""

from typing import Any

from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome


class Config(NodeConfig):
    output: Any


def execute(config: Config, context: NodeContext) -> Outcome:
    return Outcome.succeeded("Transform produced its output", config.output)
