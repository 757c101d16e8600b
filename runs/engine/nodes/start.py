"""``start``: where every run begins; its output is the run's input."""

from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome


class Config(NodeConfig):
    pass


def execute(config: Config, context: NodeContext) -> Outcome:
    return Outcome.succeeded("Starting workflow execution", context.input)
