"""The gate's decision as a pure function: the origin's reasons, modes and risk fallbacks."""

import pytest

from governance.gate import (
    PolicySettings,
    UnknownRiskLevel,
    launch_risk,
    policy_gate_evaluate,
    risk_level_parse,
)

ENFORCED = PolicySettings(mode="enforced")
ADVISORY = PolicySettings(mode="advisory")


def test_enforced_high_without_approval_is_denied_with_the_origin_reason():
    assert policy_gate_evaluate(ENFORCED, risk_level="high", human_approved=False) == {
        "allowed": False,
        "mode": "enforced",
        "risk_level": "high",
        "reason": "Human approval required for risk level: high",
        "requires_human_approval": True,
        "human_approved": False,
    }


def test_enforced_high_with_approval_is_allowed():
    decision = policy_gate_evaluate(ENFORCED, risk_level="high", human_approved=True)
    assert (decision["allowed"], decision["reason"], decision["human_approved"]) == (
        True,
        "Allowed by policy",
        True,
    )


def test_advisory_allows_and_says_so():
    decision = policy_gate_evaluate(ADVISORY, risk_level="critical", human_approved=False)
    assert decision["allowed"] is True
    assert decision["reason"] == "Advisory mode: human approval recommended for risk level: critical"


@pytest.mark.parametrize("risk", ["low", "medium"])
def test_low_and_medium_are_allowed_in_enforced_mode(risk):
    decision = policy_gate_evaluate(ENFORCED, risk_level=risk, human_approved=False)
    assert (decision["allowed"], decision["requires_human_approval"]) == (True, False)


def test_mode_off_makes_no_decision():
    assert (
        policy_gate_evaluate(PolicySettings(mode="off"), risk_level="critical", human_approved=False) is None
    )


def test_the_levels_needing_approval_are_the_policy_s():
    policy = PolicySettings(mode="enforced", require_human_approval_for=("medium",))
    assert policy_gate_evaluate(policy, risk_level="medium", human_approved=False)["allowed"] is False
    assert policy_gate_evaluate(policy, risk_level="high", human_approved=False)["allowed"] is True


class _Workflow:
    def __init__(self, risk_level="", category=""):
        self.risk_level, self.category = risk_level, category


def test_risk_comes_from_the_request_then_the_workflow_then_its_category_else_medium():
    policy = PolicySettings(mode="enforced", category_risk_levels={"payments": "critical"})
    assert launch_risk(policy, requested="low", workflow=_Workflow("high", "payments")) == "low"
    assert launch_risk(policy, requested=None, workflow=_Workflow("high", "payments")) == "high"
    assert launch_risk(policy, requested=None, workflow=_Workflow("", "payments")) == "critical"
    assert launch_risk(policy, requested=None, workflow=_Workflow("", "other")) == "medium"
    assert launch_risk(policy, requested=None, workflow=None) == "medium"


@pytest.mark.parametrize("value", ["extreme", 3, "", None, "HIGH"])
def test_risk_levels_parse_strictly(value):
    if value in ("", None):
        assert risk_level_parse(value) is None
    elif value == "HIGH":
        assert risk_level_parse(value) == "high"
    else:
        with pytest.raises(UnknownRiskLevel):
            risk_level_parse(value)
