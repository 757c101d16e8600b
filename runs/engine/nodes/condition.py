"""``condition``: evaluates ``left <operator> right`` with the shared evaluator; the run follows
the outgoing edges whose ``sourceHandle`` is the result (``true`` or ``false``)."""

from typing import Any, Literal

from core.conditions import OPERATORS, condition_evaluate
from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome


class Config(NodeConfig):
    left: Any
    operator: Literal[OPERATORS]
    right: Any = None


def execute(config: Config, context: NodeContext) -> Outcome:
    result = condition_evaluate(config.left, config.operator, config.right)
    return Outcome.succeeded(
        f"Condition {config.operator} evaluated to {str(result).lower()}",
        {"result": result, "left": config.left, "right": config.right},
    )


def branch(output: dict) -> str:
    """The ``sourceHandle`` of the edges this outcome takes."""
    return "true" if output.get("result") else "false"
