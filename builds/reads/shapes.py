"""What the build reads share: page bounds clamped as the origin clamps them, and times as ISO 8601
in UTC with a ``Z`` (as the rest of the API writes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.pagination import OFFSET_MAX

LIMIT_DEFAULT = 20
LIMIT_MAX = 100


@dataclass(frozen=True)
class PageBounds:
    limit: int
    offset: int

    @classmethod
    def clamped(cls, *, limit: int = LIMIT_DEFAULT, offset: int = 0) -> PageBounds:
        """``limit`` into 1..100 and ``offset`` into 0..``OFFSET_MAX`` (never an error: the origin
        clamps; the upper offset bound keeps the database from an integer it cannot hold)."""
        return cls(limit=max(1, min(limit, LIMIT_MAX)), offset=max(0, min(offset, OFFSET_MAX)))

    @property
    def end(self) -> int:
        return self.offset + self.limit


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
