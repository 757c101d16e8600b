"""What every node module provides: a ``Config`` (unknown keys refused) and ``execute``.

``execute(config, context)`` gets the config already rendered (templates filled) and validated,
and returns an ``Outcome``. It never touches the database: the runner records the outcome, its
step row and its journal events in one transaction, so a killed worker leaves nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class NodeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class NodeContext:
    run_id: str
    node_id: str
    input: dict
    credentials: dict[str, str]
    requested_by: str
    now: datetime
    # config path -> rendered text, for each template that used credentials (a secret as a whole)
    secret_fields: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    raw_config: dict = field(default_factory=dict)  # as saved, templates unrendered

    @property
    def secrets(self) -> list[str]:
        """Every value to mask: the credentials and what was rendered from them."""
        return [*self.credentials.values(), *self.secret_fields.values()]


@dataclass(frozen=True)
class Outcome:
    state: str  # a StepState: succeeded, failed or waiting
    message: str  # the log line (and the journal event's title)
    output: Any = None
    error: str = ""
    wake_at: datetime | None = None  # delay: when to resume
    approval: dict = field(default_factory=dict)  # approval: what to ask (title, reason, risk, expiry)

    @classmethod
    def succeeded(cls, message: str, output: Any = None) -> Outcome:
        return cls("succeeded", message, output)

    @classmethod
    def failed(cls, message: str, error: str, output: Any = None) -> Outcome:
        return cls("failed", message, output, error=error)
