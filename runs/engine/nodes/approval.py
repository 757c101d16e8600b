"""``approval``: pauses the run on an ``approval_requested`` journal event, so the request is an
ordinary ``Approval`` (inbox, ``/v1/approvals/...``). Approving resumes the run; rejecting or
expiry fails it (runs.engine.runner)."""

from datetime import timedelta
from typing import Literal

from pydantic import Field

from runs.engine.nodes.base import NodeConfig, NodeContext, Outcome


class Config(NodeConfig):
    title: str | None = Field(default=None, max_length=500)
    reason: str | None = None
    risk_level: Literal["low", "medium", "high"] | None = None
    expires_in_minutes: int | None = Field(default=None, gt=0, le=60 * 24 * 30)


def execute(config: Config, context: NodeContext) -> Outcome:
    title = (config.title or "").strip() or f"Approval required at '{context.node_id}'"
    request = {
        "title": title,
        "reason": (config.reason or "").strip()
        or f"The workflow waits for a decision at node '{context.node_id}'",
        "risk_level": config.risk_level,
        "expires_at": (
            context.now + timedelta(minutes=config.expires_in_minutes) if config.expires_in_minutes else None
        ),
    }
    return Outcome("waiting", title, None, approval=request)
