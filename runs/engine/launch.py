"""Starting a workflow run: validate, write the run and its first journal event, enqueue
``run_advance`` on commit. ``Idempotency-Key``: the unique (tenant, key) constraint decides
between concurrent duplicates; the same key with another body is refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction

from core.errors import Conflict, ErrorDetail
from core.ids import new_ulid
from runs.engine.events import engine_event
from runs.engine.graph import graph_problems
from runs.engine.runner import run_enqueue
from runs.errors import GraphInvalid
from runs.journal.append import journal_append
from runs.journal.projection import initial_state
from runs.models import Run, RunKind, RunState, Workflow
from tenancy.models import Tenant


class IdempotencyKeyReused(Conflict):
    default_code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "Idempotency-Key was already used with a different request body"


@dataclass(frozen=True)
class Launch:
    run: Run
    replayed: bool  # True: an earlier request with the same Idempotency-Key created ``run``


def request_fingerprint(data) -> str:
    """SHA-256 of the request body's canonical JSON (key order and spacing do not matter)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_replay(*, tenant: Tenant, key: str, fingerprint: str) -> Launch | None:
    """The run an earlier request with ``key`` created; ``IdempotencyKeyReused`` if its body differed."""
    run = Run.objects.filter(tenant=tenant, idempotency_key=key).first()
    if run is None:
        return None
    if run.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return Launch(run=run, replayed=True)


def run_start(
    *,
    tenant: Tenant,
    user=None,
    graph: dict | None = None,
    workflow: Workflow | None = None,
    input: dict | None = None,
    idempotency_key: str = "",
    fingerprint: str = "",
) -> Launch:
    """A queued run of ``workflow`` (its current version) or of an inline ``graph``.

    Raises ``GraphInvalid`` with every problem, and ``IdempotencyKeyReused``.
    """
    if idempotency_key and (
        earlier := run_replay(tenant=tenant, key=idempotency_key, fingerprint=fingerprint)
    ):
        return earlier
    if workflow is not None:
        graph = workflow.graph
    problems = graph_problems(graph)
    if problems:
        raise GraphInvalid(details=[ErrorDetail("", problem) for problem in problems])
    user = user if getattr(user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            run = Run.objects.create(
                tenant=tenant,
                run_id=f"run_{new_ulid()}",
                kind=RunKind.WORKFLOW,
                state=RunState.QUEUED,
                workflow=workflow,
                workflow_version=workflow.version if workflow else None,
                workflow_name=workflow.name if workflow else "",
                graph=graph,
                input=input or {},
                started_by=user,
                idempotency_key=idempotency_key,
                request_hash=fingerprint if idempotency_key else "",
                journal_state=initial_state(),
            )
            journal_append(
                tenant=tenant, payloads=[_queued_event(run, user)], kind=RunKind.WORKFLOW, locked_run=run
            )
            transaction.on_commit(partial(run_enqueue, run.pk))
    except IntegrityError:
        if idempotency_key and (
            earlier := run_replay(tenant=tenant, key=idempotency_key, fingerprint=fingerprint)
        ):
            return earlier  # a concurrent request with the same key won the insert
        raise
    return Launch(run=run, replayed=False)


def _queued_event(run: Run, user) -> dict:
    what = (
        f"Workflow '{run.workflow_name}' (version {run.workflow_version})"
        if run.workflow_id
        else "Inline workflow"
    )
    who = user.get_username() if user else "an anonymous caller"
    return engine_event(
        run_id=run.run_id,
        at=run.created_at,
        type="intent",
        title="Run queued",
        details=f"{what} queued by {who}",
        workflow=run.workflow_name,
        step="run_queued",
    )
