"""Reads of runs and their journal, always scoped by tenant. Reads never replay: they use the
stored projection. A database failure is the contract's STORAGE_READ_ERROR."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.db import DatabaseError

from runs.errors import InconsistentRunState, RunNotFound, StorageReadError
from runs.models import Run, RunEvent
from tenancy.models import Tenant


def reads_storage(fn: Callable) -> Callable:
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DatabaseError as exc:
            raise StorageReadError() from exc

    return wrapper


@reads_storage
def run_events(*, tenant: Tenant, run_id: str) -> list[RunEvent]:
    """Ascending by timestamp, ties by append order; empty for an unknown run."""
    return list(
        RunEvent.objects.filter(tenant=tenant, run__run_id=run_id)
        .order_by("timestamp", "seq")
        .only("event_id", "timestamp", "payload", "integrity_warning", "seq")
    )


@reads_storage
def run_with_journal(*, tenant: Tenant, run_id: str, consistent: bool = True) -> Run:
    """A run that has events; ``RunNotFound`` otherwise, ``InconsistentRunState`` if ``consistent``."""
    run = Run.objects.filter(tenant=tenant, run_id=run_id, event_count__gt=0).first()
    if run is None:
        raise RunNotFound(run_id=run_id)
    if consistent and run.inconsistency:
        raise InconsistentRunState(run.inconsistency)
    return run


def run_status(*, tenant: Tenant, run_id: str) -> dict:
    run = run_with_journal(tenant=tenant, run_id=run_id)
    pending = run.pending_approval if run.status == "paused" else None
    return {"run_id": run.run_id, "status": run.status, "pending_approval": pending}
