"""The policy gate: a tenant's policy settings, the launch's risk level, the decision, and the
``PolicyDecision`` rows that record decisions.

``gate_decide`` is the one call a launch makes (``POST /v1/runs``, ``run_event``, rule actions): it
reads the tenant's policy, resolves the risk level and decides, recording a denial. ``gate_preview``
decides the same way and records nothing (dry runs, ``evaluate_automation_task``).
``policy_gate_evaluate`` is the decision itself, pure, with the origin's reason texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.errors import BadRequest
from core.ids import new_ulid
from governance.models import RISK_LEVELS, AutomationPolicy, OnDeny, PolicyDecision, PolicyMode
from tenancy.models import Tenant

DEFAULT_RISK = "medium"


class LaunchedWorkflow(Protocol):
    """What the gate reads of the workflow a launch starts."""

    risk_level: str
    category: str


@dataclass(frozen=True)
class PolicySettings:
    """What the gate needs from a tenant's policy (a plain value, so the gate stays pure)."""

    mode: str = PolicyMode.OFF
    require_human_approval_for: tuple[str, ...] = ("high", "critical")
    on_deny: str = "error"
    allow_self_approval: bool = False
    approval_lifetime_minutes: int = 24 * 60
    category_risk_levels: dict | None = None


class UnknownRiskLevel(BadRequest):
    def __init__(self, value: object) -> None:
        super().__init__(
            f"Malformed parameter: risk_level (must be one of {', '.join(RISK_LEVELS)}, got {value!r})"
        )


def policy_settings(tenant: Tenant) -> PolicySettings:
    """The tenant's policy; a tenant without a row has mode ``off``."""
    row = AutomationPolicy.objects.filter(tenant=tenant).first()
    if row is None:
        return PolicySettings()
    return PolicySettings(
        mode=row.mode,
        require_human_approval_for=tuple(row.require_human_approval_for or ()),
        on_deny=row.on_deny,
        allow_self_approval=row.allow_self_approval,
        approval_lifetime_minutes=row.approval_lifetime_minutes,
        category_risk_levels=dict(row.category_risk_levels or {}),
    )


def risk_level_parse(value: object) -> str | None:
    """A requested risk level: None when absent, else one of ``RISK_LEVELS`` (any case).

    Raises ``UnknownRiskLevel``: the origin turned unknown levels into ``medium``, a way around
    the gate (section 9)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in RISK_LEVELS:
        return value.strip().lower()
    raise UnknownRiskLevel(value)


def launch_risk(
    policy: PolicySettings, *, requested: str | None, workflow: LaunchedWorkflow | None = None
) -> str:
    """The origin's order: the request, then the workflow, then its category, else ``medium``."""
    if requested:
        return requested
    workflow_risk = getattr(workflow, "risk_level", "") if workflow is not None else ""
    if workflow_risk:
        return workflow_risk
    category = getattr(workflow, "category", "") if workflow is not None else ""
    by_category = (policy.category_risk_levels or {}).get(category) if category else None
    return by_category if by_category in RISK_LEVELS else DEFAULT_RISK


def policy_gate_evaluate(policy: PolicySettings, *, risk_level: str, human_approved: bool) -> dict | None:
    """The gate's decision, or None when the policy is ``off`` (nothing to record on the run).

    ``{allowed, mode, risk_level, reason, requires_human_approval, human_approved}`` with the
    origin's reasons: "Allowed by policy", "Human approval required for risk level: <r>" (enforced,
    denied) and "Advisory mode: human approval recommended for risk level: <r>" (advisory, allowed).
    """
    if policy.mode == PolicyMode.OFF:
        return None
    requires = risk_level in policy.require_human_approval_for
    allowed, reason = True, "Allowed by policy"
    if requires and not human_approved:
        if policy.mode == PolicyMode.ENFORCED:
            allowed, reason = False, f"Human approval required for risk level: {risk_level}"
        else:
            reason = f"Advisory mode: human approval recommended for risk level: {risk_level}"
    return {
        "allowed": allowed,
        "mode": policy.mode,
        "risk_level": risk_level,
        "reason": reason,
        "requires_human_approval": requires,
        "human_approved": bool(human_approved),
    }


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer for one launch, and what the launch does when it is denied."""

    decision: dict | None  # stored on the run as ``automation_policy``; None when the policy is off
    decision_id: str  # the ``PolicyDecision`` row's id (a denial's is written, an allowed one's is not yet)
    on_deny: str
    approval_lifetime_minutes: int

    @property
    def denied(self) -> bool:
        return self.decision is not None and not self.decision["allowed"]

    @property
    def held(self) -> bool:
        """Denied, and the policy holds such launches for a person's approval."""
        return self.denied and self.on_deny == OnDeny.REQUEST_APPROVAL


def _launch_decision(
    policy: PolicySettings,
    *,
    requested_risk: str | None,
    workflow: LaunchedWorkflow | None,
    human_approved: bool,
) -> dict | None:
    risk_level = launch_risk(policy, requested=requested_risk, workflow=workflow)
    return policy_gate_evaluate(policy, risk_level=risk_level, human_approved=human_approved)


def gate_preview(
    *,
    tenant: Tenant,
    requested_risk: str | None,
    workflow: LaunchedWorkflow | None = None,
    human_approved: bool,
) -> dict | None:
    """What the gate decides for this launch (None when the policy is off); nothing is recorded."""
    return _launch_decision(
        policy_settings(tenant),
        requested_risk=requested_risk,
        workflow=workflow,
        human_approved=human_approved,
    )


def gate_decide(
    *,
    tenant: Tenant,
    requested_risk: str | None,
    workflow: LaunchedWorkflow | None,
    human_approved: bool,
    title: str,
    username: str,
) -> GateDecision:
    """The gate's decision for a launch: the tenant's policy, the risk level (``launch_risk``) and
    ``policy_gate_evaluate``. A denial is recorded here (``title``, ``username``); an allowed
    decision is recorded by the caller with the run it lets through (``decision_record``)."""
    policy = policy_settings(tenant)
    decision = _launch_decision(
        policy, requested_risk=requested_risk, workflow=workflow, human_approved=human_approved
    )
    verdict = GateDecision(
        decision=decision,
        decision_id=f"am_{new_ulid()}",
        on_deny=policy.on_deny,
        approval_lifetime_minutes=policy.approval_lifetime_minutes,
    )
    if decision is not None and verdict.denied:
        decision_record(
            tenant=tenant, decision=decision, decision_id=verdict.decision_id, title=title, username=username
        )
    return verdict


def decision_record(
    *, tenant: Tenant, decision: dict, decision_id: str, title: str = "", username: str = "", run_id: str = ""
) -> PolicyDecision:
    """A decision kept as a ``PolicyDecision`` row (texts cut to the columns' lengths)."""
    return PolicyDecision.objects.create(
        tenant=tenant,
        decision_id=decision_id,
        task_title=title[:500],
        username=username[:200],
        risk_level=decision["risk_level"],
        mode=decision["mode"],
        requires_human_approval=decision["requires_human_approval"],
        human_approved=decision["human_approved"],
        allowed=decision["allowed"],
        reason=decision["reason"][:500],
        run_id=run_id,
    )


def decision_view(row: PolicyDecision) -> dict:
    """A recorded decision in the origin's shape (``epoch`` in seconds)."""
    return {
        "id": row.decision_id,
        "epoch": int(row.at.timestamp()),
        "risk_level": row.risk_level,
        "mode": row.mode,
        "requires_human_approval": row.requires_human_approval,
        "human_approved": row.human_approved,
        "allowed": row.allowed,
        "reason": row.reason,
        "task_title": row.task_title,
        "username": row.username,
    }
