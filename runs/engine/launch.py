"""Starting a workflow run: validate, write the run and its first journal event, enqueue
``run_advance`` on commit. ``Idempotency-Key``: the unique (tenant, key) constraint decides
between concurrent duplicates; the same key with another body is refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from core.errors import Conflict, ErrorDetail
from core.ids import new_ulid
from governance.gate import decision_record, gate_decide
from runs.engine.approval_lookup import approval_lookup
from runs.engine.events import engine_event
from runs.engine.graph import graph_problems
from runs.engine.launch_gate import (
    HELD,
    ApprovalNotUsable,
    GateRequest,
    PolicyDenied,
    hold_events,
    launch_approved,
)
from runs.engine.runner import run_enqueue
from runs.errors import GraphInvalid
from runs.journal.append import journal_append
from runs.journal.projection import initial_state
from runs.models import Run, RunKind, RunState, Workflow
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class IdempotencyKeyReused(Conflict):
    default_code = "IDEMPOTENCY_KEY_REUSED"
    default_message = "Idempotency-Key was already used with a different request body"


@dataclass(frozen=True)
class Launch:
    run: Run
    replayed: bool  # True: an earlier request with the same Idempotency-Key created ``run``


def request_fingerprint(data: object) -> str:
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
    if run.waiting_for == HELD:  # still held for approval: the same refusal, naming the same approval
        assert run.automation_policy is not None  # a held run keeps the gate's denial
        raise PolicyDenied(run.automation_policy, held=run, approval_event_id=_hold_approval_id(run))
    return Launch(run=run, replayed=True)


def _hold_approval_id(run: Run) -> str:
    return approval_lookup().hold_approval_id(run)


def run_start(
    *,
    tenant: Tenant,
    user: User | AnonymousUser | None = None,
    graph: dict[str, Any] | None = None,
    workflow: Workflow | None = None,
    input: dict[str, Any] | None = None,
    idempotency_key: str = "",
    fingerprint: str = "",
    gate: GateRequest | None = None,
) -> Launch:
    """A queued run of ``workflow`` (its current version) or of an inline ``graph``, if the
    tenant's policy gate allows it; its decision is stored on the run as ``automation_policy``.

    Raises ``GraphInvalid`` with every problem, ``IdempotencyKeyReused``, ``ApprovalNotUsable``
    and ``PolicyDenied`` (after writing a held run when the policy says ``request_approval``).
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
    user = user if user is not None and user.is_authenticated else None
    gate = gate or GateRequest()
    username = user.get_username() if user else "api"
    verdict = gate_decide(
        tenant=tenant,
        requested_risk=gate.risk_level,
        workflow=workflow,
        human_approved=launch_approved(tenant=tenant, gate=gate),
        title=gate.title or (workflow.name if workflow is not None else "Inline workflow"),
        username=username,
    )
    if verdict.denied and not verdict.held:
        assert verdict.decision is not None  # a denial is a decision
        raise PolicyDenied(verdict.decision)
    decision, held = verdict.decision, verdict.held
    try:
        with transaction.atomic():
            run = Run.objects.create(
                tenant=tenant,
                run_id=f"run_{new_ulid()}",
                kind=RunKind.WORKFLOW,
                state=RunState.WAITING if held else RunState.QUEUED,
                waiting_for=HELD if held else "",
                automation_policy=decision,
                policy_approval_id=gate.approval_event_id,
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
            if held:
                events = hold_events(run, verdict, username)
                journal_append(
                    tenant=tenant,
                    payloads=events,
                    kind=RunKind.WORKFLOW,
                    context={"kind": "launch"},  # approvals.ApprovalKind.LAUNCH
                    locked_run=run,
                )
            else:
                journal_append(
                    tenant=tenant, payloads=[_queued_event(run, user)], kind=RunKind.WORKFLOW, locked_run=run
                )
                if decision is not None:
                    title = gate.title or run.workflow_name or "Inline workflow"
                    decision_record(
                        tenant=tenant,
                        decision=decision,
                        decision_id=verdict.decision_id,
                        title=title,
                        username=username,
                        run_id=run.run_id,
                    )
                transaction.on_commit(partial(run_enqueue, run.pk))
    except IntegrityError:
        if idempotency_key and (
            earlier := run_replay(tenant=tenant, key=idempotency_key, fingerprint=fingerprint)
        ):
            return earlier  # a concurrent request with the same key won the insert
        if gate.approval_event_id:
            raise ApprovalNotUsable(
                f"Approval was already used for a launch: {gate.approval_event_id}"
            ) from None
        raise
    if held:
        assert decision is not None  # a held launch was denied
        raise PolicyDenied(decision, held=run, approval_event_id=events[1]["id"])
    return Launch(run=run, replayed=False)


def _queued_event(run: Run, user: User | None) -> dict:
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
