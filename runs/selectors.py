"""Reads of runs and their journal, always scoped by tenant. Reads never replay: they use the
stored projection. A database failure is the contract's STORAGE_READ_ERROR."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import DatabaseError
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from core.tenant_scope import for_tenant
from runs.errors import InconsistentRunState, RunNotFound, StorageReadError, WorkflowNotFound
from runs.models import Run, RunEvent, Workflow
from tenancy.models import Tenant

P = ParamSpec("P")
T = TypeVar("T")


def reads_storage(fn: Callable[P, T]) -> Callable[P, T]:
    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except DatabaseError as exc:
            raise StorageReadError() from exc

    return wrapper


@reads_storage
def run_events(*, tenant: Tenant, run_id: str) -> list[RunEvent]:
    """Ascending by timestamp, ties by append order; empty for an unknown run."""
    return list(
        for_tenant(RunEvent, tenant)
        .filter(run__run_id=run_id)
        .order_by("timestamp", "seq")
        .only("event_id", "timestamp", "payload", "integrity_warning", "seq")
    )


@reads_storage
def run_with_journal(*, tenant: Tenant, run_id: str, consistent: bool = True) -> Run:
    """A run that has events; ``RunNotFound`` otherwise, ``InconsistentRunState`` if ``consistent``."""
    run = for_tenant(Run, tenant).filter(run_id=run_id, event_count__gt=0).first()
    if run is None:
        raise RunNotFound(run_id=run_id)
    if consistent and run.inconsistency:
        raise InconsistentRunState(run.inconsistency)
    return run


def run_get(
    *,
    tenant: Tenant,
    run_id: str,
    missing: Exception | type[Exception],
    categories: frozenset[str] | None = None,
) -> Run:
    """The tenant's run ``run_id`` (a run a person may see, given ``categories``); raises ``missing``,
    the not-found error of the contract that asks, for missing and foreign runs alike."""
    run = runs_visible(tenant=tenant, categories=categories).filter(run_id=run_id).first()
    if run is None:
        raise missing
    return run


def run_status(*, tenant: Tenant, run_id: str) -> dict:
    run = run_with_journal(tenant=tenant, run_id=run_id)
    pending = run.pending_approval if run.status == "paused" else None
    return {"run_id": run.run_id, "status": run.status, "pending_approval": pending}


def runs_visible(*, tenant: Tenant, categories: frozenset[str] | None) -> QuerySet[Run]:
    """The tenant's runs a person may see: a team limited to workflow categories sees only runs of
    workflows in them (runs without a workflow need an unrestricted team)."""
    runs = for_tenant(Run, tenant)
    if categories is not None:
        runs = runs.filter(workflow__category__in=categories)
    return runs


def recent_events(*, tenant: Tenant, run_pks: Iterable[int], per_run: int) -> dict[int, list[RunEvent]]:
    """The latest ``per_run`` journal events of each of the tenant's runs, oldest first, in one query."""
    latest = (
        for_tenant(RunEvent, tenant)
        .filter(run_id__in=list(run_pks))
        .annotate(
            recency=Window(
                RowNumber(), partition_by=[F("run_id")], order_by=[F("timestamp").desc(), F("seq").desc()]
            )
        )
        .filter(recency__lte=per_run)
        .only("run_id", "event_id", "timestamp", "seq", "type", "actor", "payload", "integrity_warning")
    )
    by_run: dict[int, list[RunEvent]] = {}
    for event in sorted(latest, key=lambda e: (e.timestamp, e.seq)):
        by_run.setdefault(event.run_id, []).append(event)
    return by_run


def workflow_get(
    *, tenant: Tenant, workflow_id: uuid.UUID | str, categories: frozenset[str] | None = None
) -> Workflow:
    """Raises ``WorkflowNotFound`` for missing, foreign and out-of-category workflows alike."""
    workflows = for_tenant(Workflow, tenant).filter(pk=workflow_id)
    if categories is not None:
        workflows = workflows.filter(category__in=categories)
    workflow = workflows.first()
    if workflow is None:
        raise WorkflowNotFound()
    return workflow
