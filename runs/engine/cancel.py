"""Cancelling a run from the portal: the journal records who stopped it, and nothing runs after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict
from runs.engine.events import engine_event
from runs.engine.lifecycle import run_close, steps_skip_unfinished
from runs.errors import RunNotFound
from runs.journal.append import journal_append, journal_now
from runs.models import ACTIVE_RUN_STATES, Run, RunKind, RunState
from runs.read_model import JOURNAL_STATUS
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class RunNotActive(Conflict):
    default_code = "RUN_NOT_ACTIVE"
    default_message = "The run has already ended"


class RunInconsistent(Conflict):
    default_code = "INCONSISTENT_RUN_STATE"
    default_message = (
        "The run's journal is inconsistent, so a stop event would not end it; fix the journal first"
    )


def run_is_active(run: Run) -> bool:
    """Whether cancelling means anything: the run has not ended, and its journal is consistent (an
    inconsistent journal's status no longer follows its events, so a stop event would change nothing)."""
    if run.inconsistency:
        return False
    if run.kind == RunKind.WORKFLOW:
        return run.state in ACTIVE_RUN_STATES
    return run.event_count > 0 and JOURNAL_STATUS[run.status] == "running"


@transaction.atomic
def run_cancel(*, tenant: Tenant, run_id: str, user: User, via: str = "portal") -> Run:
    """Stops a run that has not ended, under its lock: unfinished steps are skipped, a ``run_stopped``
    event names the person (the journal's subscribers withdraw its pending approval), and a workflow
    run becomes ``cancelled``. A worker midway through a step loses its lease, so its result is
    dropped. Raises ``RunNotFound`` and ``RunNotActive``."""
    run = (
        Run.objects.select_for_update().select_related("tenant").filter(tenant=tenant, run_id=run_id).first()
    )
    if run is None:
        raise RunNotFound(run_id=run_id)
    if run.inconsistency:
        raise RunInconsistent()
    if not run_is_active(run):
        raise RunNotActive()
    who = user.get_username()
    now = timezone.now()
    if run.kind == RunKind.WORKFLOW:
        steps_skip_unfinished(run, {step.node_id: step for step in run.steps.select_for_update()}, now)
    event = engine_event(
        run_id=run.run_id,
        at=journal_now(run),
        type="decision",
        title="Run cancelled",
        details=f"Cancelled by {who}",
        workflow=run.workflow_name,
        step="run_stopped",
    )
    journal_append(
        tenant=tenant, payloads=[event], kind=run.kind, locked_run=run, context={"user": user, "via": via}
    )
    if run.kind == RunKind.WORKFLOW:
        run_close(run, RunState.CANCELLED, now, f"Cancelled by {who}")
    return run
