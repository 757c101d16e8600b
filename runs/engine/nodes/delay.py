"""``delay``: the run waits without holding a worker; a django-q2 schedule resumes it."""

from datetime import timedelta

from pydantic import Field

from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome


class Config(NodeConfig):
    seconds: int = Field(ge=1, le=7 * 24 * 3600)


def execute(config: Config, context: NodeContext) -> Outcome:
    wake_at = context.now + timedelta(seconds=config.seconds)
    return Outcome("waiting", f"Waiting {config.seconds} s", {"seconds": config.seconds}, wake_at=wake_at)
