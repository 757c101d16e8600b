"""What a launch does with the policy gate's decision, and launches held for a person's approval.

``run_start`` asks ``governance.gate.gate_decide`` once, before writing a run (a cited approval is
checked first, ``launch_approved``). A denied launch raises ``PolicyDenied``; with the tenant's
``on_deny: request_approval`` it is first written as a held run (state ``waiting``,
``waiting_for="launch"``) whose journal asks for an approval of kind ``launch`` (``hold_events``).
Approving it in any door (inbox, API) releases the run through ``launch_follow_journal``, with the
gate's decision re-made as human-approved; rejecting or expiry fails it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import BadRequest, Forbidden
from core.ids import new_ulid
from governance.gate import GateDecision, decision_record
from runs.engine.approval_lookup import approval_lookup
from runs.journal.append import Transition
from runs.journal.projection import is_resolution_signal
from runs.models import Run, RunKind, RunState
from tenancy.models import Tenant

HELD = "launch"  # Run.waiting_for of a launch held for approval


@dataclass(frozen=True)
class GateRequest:
    """What a launch tells the gate. ``human_approved`` is only honoured from callers who may
    decide approvals (``approvals:resolve``); ``approval_event_id`` cites an approved Approval."""

    risk_level: str | None = None
    human_approved: bool = False
    approval_event_id: str = ""
    title: str = ""


class PolicyDenied(Forbidden):
    default_code = "POLICY_DENIED"

    def __init__(self, decision: dict, *, held: Run | None = None, approval_event_id: str = "") -> None:
        extra: dict[str, Any] = {"automation_policy": decision}
        if held is not None:
            extra.update(approval_id=approval_event_id, run_id=held.run_id)
        super().__init__(f"Automation policy denied job launch: {decision['reason']}", extra=extra)
        self.decision = decision


class ApprovalNotUsable(BadRequest):
    """The cited approval does not exist here, is not approved, or already launched a run."""


def approval_check(*, tenant: Tenant, approval_event_id: str) -> None:
    approval = approval_lookup().find(tenant, approval_event_id)
    if approval is None:
        raise ApprovalNotUsable(f"Approval not found: {approval_event_id}")
    if not approval.approved:
        raise ApprovalNotUsable(f"Approval is not approved: {approval_event_id} ({approval.status})")
    if Run.objects.filter(tenant=tenant, policy_approval_id=approval_event_id).exists():
        raise ApprovalNotUsable(f"Approval was already used for a launch: {approval_event_id}")


def launch_approved(*, tenant: Tenant, gate: GateRequest) -> bool:
    """Whether the gate is told a person approved the launch: the caller says so, or it cites an
    approval, which must be usable (``ApprovalNotUsable``)."""
    if gate.approval_event_id:
        approval_check(tenant=tenant, approval_event_id=gate.approval_event_id)
        return True
    return gate.human_approved


def hold_events(run: Run, verdict: GateDecision, requester: str) -> list[dict]:
    """The held run's journal: the launch, then the request for a person's approval."""
    from runs.engine.events import engine_event

    decision = verdict.decision
    assert decision is not None  # a held launch was denied
    what = f"workflow '{run.workflow_name}'" if run.workflow_id else "an inline workflow"
    common: dict[str, Any] = {"run_id": run.run_id, "at": run.created_at, "workflow": run.workflow_name}
    risk = decision["risk_level"] if decision["risk_level"] in ("low", "medium", "high") else "high"
    return [
        engine_event(
            **common,
            type="intent",
            title="Launch held by the policy gate",
            details=f"{requester} asked to start {what}: {decision['reason']}",
            step="run_queued",
        ),
        engine_event(
            **common,
            type="approval_requested",
            title=f"Approve the launch of {what}"[:200],
            details=f"{decision['reason']} (risk level {decision['risk_level']})",
            step="launch_approval",
            risk_level=risk,
            approval={"status": "pending", "requested_by": requester},
            expires_at=run.created_at + timedelta(minutes=verdict.approval_lifetime_minutes),
        ),
    ]


def launch_follow_journal(transition: Transition) -> None:
    """Releases or fails a held launch when its approval closes (journal subscriber)."""
    run = transition.run
    if run.kind != RunKind.WORKFLOW or run.waiting_for != HELD or transition.after["inconsistency"]:
        return
    closed = (transition.before["pending"] or {}).get("event_id")
    if not closed or (transition.after["pending"] or {}).get("event_id") == closed:
        return
    payload = transition.event.payload
    approved = is_resolution_signal(payload) and payload["approval"]["status"] == "approved"
    now = timezone.now()
    if approved:
        decision = dict(run.automation_policy or {})
        decision.update(allowed=True, human_approved=True, reason="Allowed by policy")
        run.automation_policy, run.policy_approval_id = decision, closed
        run.state, run.waiting_for = RunState.QUEUED, ""
        run.save(
            update_fields=["automation_policy", "policy_approval_id", "state", "waiting_for", "updated_at"]
        )
        decision_record(
            tenant=run.tenant,
            decision=decision,
            decision_id=f"am_{new_ulid()}",
            title=run.workflow_name or "Inline workflow",
            username=payload["approval"].get("resolved_by") or "",
            run_id=run.run_id,
        )
        from runs.engine.runner import run_enqueue

        transaction.on_commit(partial(run_enqueue, run.pk))
        return
    outcome = payload["approval"]["status"] if is_resolution_signal(payload) else transition.after["status"]
    run.state, run.waiting_for, run.finished_at = RunState.FAILED, "", now
    run.error = f"Launch not approved ({outcome})"
    run.save(update_fields=["state", "waiting_for", "finished_at", "error", "updated_at"])


def launch_reconcile(run: Run, transitions: list[Transition]) -> None:
    for transition in transitions:
        launch_follow_journal(transition)
