"""Appending to a run's journal: lock the run, chain, insert, fold the projection, notify subscribers.

Everything for one call happens in one transaction: the events, the run's projection and whatever
the subscribers write (approvals). A database failure leaves nothing behind (STORAGE_WRITE_ERROR).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, overload

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.errors import DomainError
from runs.errors import DuplicateEventId, RunManagedByEngine, StorageWriteError
from runs.journal.chain import chain_hash
from runs.journal.projection import fold, initial_state
from runs.models import Run, RunEvent, RunKind
from tenancy.models import Tenant


@dataclass(frozen=True)
class Transition:
    """What one appended event did to the run's approval state, for subscribers."""

    run: Run
    event: RunEvent
    before: dict
    after: dict
    context: dict  # what the appender knows beyond the event (e.g. the deciding user and channel)


Subscriber = Callable[[Transition], None]
Reconciler = Callable[[Run, list[Transition]], None]
HookCall = tuple[Callable[..., None], tuple[Any, ...]]  # a subscriber or reconciler, and its arguments
_subscribers: list[tuple[Subscriber, Reconciler, bool]] = []

logger = logging.getLogger(__name__)


def journal_subscribe(subscriber: Subscriber, *, reconcile: Reconciler, isolated: bool = False) -> None:
    """Registers a higher app's hook (from its AppConfig.ready), called in the appending transaction.

    ``subscriber`` gets each appended event in order. When an out-of-order event makes the run
    replay, history itself may change, so ``reconcile`` gets the whole replayed timeline instead.
    ``isolated``: the hook's work is not part of the append (automation rules): its calls for one
    append run after the append's own writes, in one savepoint, and a failure is logged and undoes
    the hook's writes for that append while the append goes on. Hooks whose writes must agree with
    the journal (approvals, the engine) are not isolated: they run as each run is appended, and
    their failure fails the append.
    """
    if not any(s == subscriber and r == reconcile for s, r, _ in _subscribers):
        _subscribers.append((subscriber, reconcile, isolated))


def journal_now(run: Run) -> datetime:
    """Now, but never before the run's latest event (the origin keeps 1 ms clear of it), so that
    events the system writes never arrive out of order."""
    now = timezone.now()
    if run.last_event_at is not None and now <= run.last_event_at + timedelta(milliseconds=1):
        return run.last_event_at + timedelta(milliseconds=1)
    return now


@overload
def lock_run(*, tenant: Tenant, run_id: str, kind: str = ..., create: Literal[True] = ...) -> Run: ...
@overload
def lock_run(*, tenant: Tenant, run_id: str, kind: str = ..., create: bool) -> Run | None: ...
def lock_run(*, tenant: Tenant, run_id: str, kind: str = RunKind.EXTERNAL, create: bool = True) -> Run | None:
    """The run row, locked for this transaction; created first if ``create`` (race-safe)."""
    found = list(Run.objects.select_for_update().filter(tenant=tenant, run_id=run_id).order_by()[:1])
    if found or not create:
        return found[0] if found else None
    try:
        with transaction.atomic():
            return Run.objects.create(tenant=tenant, run_id=run_id, kind=kind, journal_state=initial_state())
    except IntegrityError:  # created concurrently: wait for that transaction, then lock its row
        return Run.objects.select_for_update().get(tenant=tenant, run_id=run_id)


def journal_append(
    *,
    tenant: Tenant,
    payloads: list[dict],
    kind: str = RunKind.EXTERNAL,
    context: dict | None = None,
    external: bool = False,
    locked_run: Run | None = None,
) -> list[RunEvent]:
    """Appends validated payloads (from ``runs.journal.event_schema.event_payload``), all or nothing.

    Raises ``DuplicateEventId`` (the id exists in its run, or twice in ``payloads``) and
    ``StorageWriteError`` when the database fails. The first event of an unknown run creates it.
    ``external`` (events posted by agents) raises ``RunManagedByEngine`` for a workflow run, whose
    journal only the engine and the approval services write. ``locked_run``: the caller already
    holds that run's row lock in this transaction (the engine); its projection is updated in place.
    """
    batch = len(payloads) > 1
    by_run: dict[str, list[tuple[int, dict]]] = {}
    for index, payload in enumerate(payloads):
        by_run.setdefault(payload["run_id"], []).append((index, payload))
    for run_id, items in by_run.items():
        _repeats_check(run_id, items, batch)
    try:
        with transaction.atomic():
            appended: dict[int, RunEvent] = {}
            isolated_calls: dict[int, list[HookCall]] = {}
            for run_id in sorted(by_run):  # a fixed lock order: concurrent batches cannot deadlock
                if locked_run is not None and locked_run.run_id == run_id:
                    run = locked_run
                else:
                    run = lock_run(tenant=tenant, run_id=run_id, kind=kind)
                if external and run.kind == RunKind.WORKFLOW:
                    raise RunManagedByEngine(run_id=run_id)
                appended.update(_append_to_run(run, by_run[run_id], context or {}, isolated_calls))
            for position, calls in isolated_calls.items():
                _notify_isolated(_subscribers[position][0], calls)
            return [appended[index] for index in range(len(payloads))]
    except DomainError:
        raise
    except IntegrityError as exc:
        # The unique (run, event_id) constraint decided (appends to a run are serialised by its
        # lock, so nothing else can collide); name the event now that the transaction is over.
        _raise_duplicate(tenant, by_run, batch)
        raise StorageWriteError() from exc
    except DatabaseError as exc:
        raise StorageWriteError() from exc


def _duplicate_path(index: int, batch: bool) -> str:
    return f"{index}.id" if batch else "event_id"


def _repeats_check(run_id: str, items: list[tuple[int, dict]], batch: bool) -> None:
    """The same id twice in one request's events for one run."""
    seen: set[str] = set()
    for index, payload in items:
        if payload["id"] in seen:
            raise DuplicateEventId(event_id=payload["id"], run_id=run_id, path=_duplicate_path(index, batch))
        seen.add(payload["id"])


def _raise_duplicate(tenant: Tenant, by_run: dict[str, list[tuple[int, dict]]], batch: bool) -> None:
    for run_id in sorted(by_run):
        ids = [payload["id"] for _, payload in by_run[run_id]]
        existing = set(
            RunEvent.objects.filter(tenant=tenant, run__run_id=run_id, event_id__in=ids).values_list(
                "event_id", flat=True
            )
        )
        for index, payload in by_run[run_id]:
            if payload["id"] in existing:
                raise DuplicateEventId(
                    event_id=payload["id"], run_id=run_id, path=_duplicate_path(index, batch)
                )


def _append_to_run(
    run: Run, items: list[tuple[int, dict]], context: dict, isolated_calls: dict[int, list[HookCall]]
) -> dict[int, RunEvent]:
    """Appends ``items`` to ``run`` and notifies the subscribers that are part of the append; the
    isolated ones' calls are added to ``isolated_calls`` (by subscriber), made once the whole
    append is written."""
    state = run.journal_state or initial_state()
    latest: datetime | None = run.last_event_at
    in_order = True
    rows: list[RunEvent] = []
    transitions: list[tuple[RunEvent, dict, dict]] = []
    for _, payload in items:
        timestamp = parse_datetime(payload["timestamp"])
        assert timestamp is not None  # a validated payload's timestamp is a time
        warning = latest is not None and timestamp < latest
        run.event_count += 1
        row = RunEvent(
            tenant_id=run.tenant_id,
            run=run,
            event_id=payload["id"],
            seq=run.event_count,
            timestamp=timestamp,
            type=payload["type"],
            actor=payload["actor"],
            payload=payload,
            integrity_warning=warning,
            prev_hash=run.last_hash,
            hash=chain_hash(run.last_hash, payload),
        )
        run.last_hash = row.hash
        rows.append(row)
        if warning:
            in_order = False  # an older event changes history: replay the run below
        else:
            latest = timestamp
            before, state = state, fold(state, payload)
            transitions.append((row, before, state))
    RunEvent.objects.bulk_create(rows)
    if not in_order:
        state, timeline = _replay(run, context)
    run.journal_state = state
    run.status = state["status"]
    run.pending_approval = state["pending"]
    run.inconsistency = state["inconsistency"]
    run.last_event_at = latest
    run.save(
        update_fields=[
            "journal_state",
            "status",
            "pending_approval",
            "inconsistency",
            "last_event_at",
            "event_count",
            "last_hash",
            "updated_at",
        ]
    )
    for position, (subscriber, reconcile, isolated) in enumerate(_subscribers):
        calls: list[HookCall]
        if in_order:
            calls = [
                (subscriber, (Transition(run=run, event=row, before=before, after=after, context=context),))
                for row, before, after in transitions
            ]
        else:
            calls = [(reconcile, (run, timeline))]
        if isolated:
            isolated_calls.setdefault(position, []).extend(calls)
        else:
            for hook, args in calls:
                hook(*args)
    return {index: row for (index, _), row in zip(items, rows, strict=True)}


def _notify_isolated(subscriber: Subscriber, calls: list[HookCall]) -> None:
    """An isolated subscriber's calls for one append, in one savepoint (two round trips, however
    many events): if one fails, the subscriber loses its writes for this append and is not called
    for the rest of it; the append goes on."""
    try:
        with transaction.atomic():
            for hook, args in calls:
                hook(*args)
    except Exception:
        logger.exception(
            "journal subscriber %s failed; the append goes on",
            getattr(subscriber, "__qualname__", subscriber),
        )


def _replay(run: Run, context: dict) -> tuple[dict, list[Transition]]:
    """The whole run folded again in timeline order, with every event's transition."""
    state = initial_state()
    timeline = []
    for event in run.events.order_by("timestamp", "seq"):
        before, state = state, fold(state, event.payload)
        timeline.append(Transition(run=run, event=event, before=before, after=state, context=context))
    return state, timeline
