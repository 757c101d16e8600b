"""The policy gate (docs/architecture.md, docs/decisions.md): one pure decision, and the records around it.

``policy_gate_evaluate`` decides with the origin's reason texts; it never reads the database, so
every launch path (``POST /v1/runs``, ``run_event``, rule actions) gets the same answer for the same
inputs. What the gate is asked (risk level, whether a person approved) is resolved by the callers
through ``launch_risk`` and ``approval_cited``; decisions are kept in ``PolicyDecision`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import BadRequest
from governance.models import RISK_LEVELS, AutomationPolicy, PolicyDecision, PolicyMode
from tenancy.models import Tenant

DEFAULT_RISK = "medium"


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
    def __init__(self, value) -> None:
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


def risk_level_parse(value) -> str | None:
    """A requested risk level: None when absent, else one of ``RISK_LEVELS`` (any case).

    Raises ``UnknownRiskLevel``: the origin turned unknown levels into ``medium``, a way around
    the gate (section 9)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lower() in RISK_LEVELS:
        return value.strip().lower()
    raise UnknownRiskLevel(value)


def launch_risk(policy: PolicySettings, *, requested: str | None, workflow=None) -> str:
    """The origin's order: the request, then the workflow, then its category, else ``medium``."""
    if requested:
        return requested
    if workflow is not None and getattr(workflow, "risk_level", ""):
        return workflow.risk_level
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


def decision_record(
    *, tenant: Tenant, decision: dict, decision_id: str, title: str = "", username: str = "", run_id: str = ""
) -> PolicyDecision:
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
