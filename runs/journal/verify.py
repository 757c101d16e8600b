"""Recomputes a run's hash chain and projection from its events: the tamper check."""

from __future__ import annotations

from django.db import transaction

from runs.journal.chain import chain_hash
from runs.journal.event_schema import utc_z
from runs.journal.projection import replay
from runs.models import Run


def journal_verify(run: Run) -> dict:
    """``{"run_id", "ok", "events", "first_break", "projection_ok"}``; ``first_break`` names the first
    event (in append order) whose chain link, hash, indexed columns or integrity flag disagree with
    its payload. Holds the run's lock while reading, so a concurrent append cannot look like a break."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run.pk)
        return _verify_locked(run)


def _verify_locked(run: Run) -> dict:
    prev = ""
    latest = None
    first_break = None
    payloads = []
    events = run.events.order_by("seq").values_list(
        "seq", "event_id", "type", "actor", "timestamp", "payload", "prev_hash", "hash", "integrity_warning"
    )
    count = 0
    for expected_seq, row in enumerate(events, 1):
        seq, event_id, type_, actor, timestamp, payload, prev_hash, hash_, warning = row
        count += 1
        problem = None
        if seq != expected_seq:
            problem = f"sequence gap: expected {expected_seq}, found {seq}"
        elif prev_hash != prev:
            problem = "prev_hash does not match the previous event's hash"
        elif hash_ != chain_hash(prev, payload):
            problem = "hash does not match the event's content"
        elif (event_id, type_, actor, utc_z(timestamp)) != (
            payload.get("id"),
            payload.get("type"),
            payload.get("actor"),
            payload.get("timestamp"),
        ):
            problem = "indexed columns disagree with the payload"
        elif warning != (latest is not None and timestamp < latest):
            problem = "integrity_warning does not match the event's place in the run"
        if problem and first_break is None:
            first_break = {"seq": seq, "event_id": event_id, "reason": problem}
        prev = hash_
        latest = timestamp if latest is None or timestamp > latest else latest
        payloads.append((timestamp, seq, payload))
    payloads.sort(key=lambda item: (item[0], item[1]))
    state = replay(p for _, _, p in payloads)
    stored = {"status": run.status, "pending": run.pending_approval, "inconsistency": run.inconsistency}
    projection_ok = (
        stored == state and run.journal_state == state and run.event_count == count and prev == run.last_hash
    )
    return {
        "run_id": run.run_id,
        "ok": first_break is None and projection_ok,
        "events": count,
        "first_break": first_break,
        "projection_ok": projection_ok,
    }
