"""Resumes workflow runs when their approval is decided, from whichever door decided it.

A journal subscriber: when an event closes the pending approval that an approval step waits on
(a decision, an expiry, a terminal event), the step gets the decision in the same transaction and
``run_advance`` is enqueued once that transaction commits.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction

from runs.journal.append import Transition
from runs.journal.projection import is_resolution_signal
from runs.models import Run, RunKind, Step, StepState


def _decision(transition: Transition) -> dict:
    payload = transition.event.payload
    approval = payload["approval"]
    if is_resolution_signal(payload) and approval["status"] in ("approved", "rejected"):
        return {
            "decision": approval["status"],
            "resolvedBy": approval.get("resolved_by"),
            "resolvedAt": approval.get("resolved_at"),
            "reason": approval.get("reason"),
        }
    return {"decision": "expired" if transition.after["status"] == "expired" else "cancelled"}


def engine_follow_journal(transition: Transition) -> None:
    if transition.run.kind != RunKind.WORKFLOW or transition.after["inconsistency"] is not None:
        return
    closed = (transition.before["pending"] or {}).get("event_id")
    if not closed or (transition.after["pending"] or {}).get("event_id") == closed:
        return
    waiting = Step.objects.filter(
        run=transition.run, approval_event_id=closed, state=StepState.WAITING, output__isnull=True
    )
    if waiting.update(output=_decision(transition)):
        from runs.engine.runner import run_enqueue

        transaction.on_commit(partial(run_enqueue, transition.run.pk))


def engine_reconcile(run: Run, transitions: list[Transition]) -> None:
    """After a replay, the same rule over the whole timeline (steps already decided are kept)."""
    for transition in transitions:
        engine_follow_journal(transition)
