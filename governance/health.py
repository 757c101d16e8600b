"""The checks behind ``GET /health``: database, Qdrant (if configured), the django-q2 cluster."""

from __future__ import annotations

import hashlib
import logging
import re

import httpx
from django.conf import settings
from django.db import DatabaseError, connection
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.status import Stat

logger = logging.getLogger("opsgate.health")

_CREDENTIALS = re.compile(r"://([^:/@]+)(:[^@]*)?@")


def database_identity() -> str:
    """12 hex characters of SHA-256 over the database URL with its credentials masked (drift check)."""
    masked = _CREDENTIALS.sub("://***:***@", settings.DATABASE_URL).replace("\\", "/")
    return hashlib.sha256(masked.encode()).hexdigest()[:12]


def database_error() -> str | None:
    """None when ``SELECT 1`` succeeds; else a short, non-revealing reason (details go to the log)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health: database check failed")
        return "error: database unreachable"
    return None


def qdrant_state() -> str:
    if not settings.OPSGATE_QDRANT_URL:
        return "disabled"
    try:
        response = httpx.get(f"{settings.OPSGATE_QDRANT_URL.rstrip('/')}/healthz", timeout=2.0)
    except httpx.HTTPError as exc:
        return f"error: {type(exc).__name__}"
    return "connected" if response.status_code == 200 else f"unhealthy (status {response.status_code})"


def worker_state() -> dict:
    """Clusters seen through their heartbeat in the broker's stat store, and the queue depth."""
    try:
        broker = get_broker()
        clusters = Stat.get_all(broker=broker)
        queued = broker.queue_size()
    except Exception:  # the worker's state must never break the health check itself
        logger.exception("health: worker state unavailable")
        return {"state": "unknown", "clusters": 0, "queued": None}
    alive = [c for c in clusters if c.status in (Conf.IDLE, Conf.WORKING, Conf.STARTING)]
    return {"state": "running" if alive else "stopped", "clusters": len(alive), "queued": queued}


def health_report(*, database_error: str | None) -> dict:
    """The ``/health`` body: healthy, degraded (no worker, or Qdrant down) or unhealthy (no database)."""
    from django.utils import timezone

    from governance.selectors import kill_switch_states

    database_ok = database_error is None
    worker = worker_state() if database_ok else {"state": "unknown", "clusters": 0, "queued": None}
    qdrant = qdrant_state()
    if not database_ok:
        status = "unhealthy"
    elif worker["state"] != "running" or qdrant not in ("disabled", "connected"):
        status = "degraded"
    else:
        status = "healthy"
    return {
        "status": status,
        "timestamp": timezone.now(),
        "database_identity": database_identity(),
        "database": "connected" if database_ok else database_error,
        "qdrant": qdrant,
        "kill_switches": kill_switch_states() if database_ok else dict(settings.OPSGATE_KILL_SWITCH_DEFAULTS),
        "version": settings.OPSGATE_VERSION,
        "service": "opsgate",
        "component": "api",
        "worker": worker,
    }
