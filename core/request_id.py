"""The current request's id, for log lines anywhere (kept free of Django imports: logging loads it early)."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def accept_or_new(incoming: str) -> str:
    """Keeps a caller's id when it is short and plain (it lands in logs), else makes a new one."""
    return incoming if _SAFE_ID.match(incoming) else new_request_id()


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True
