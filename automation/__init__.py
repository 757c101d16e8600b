"""Automation rules (built by the policy-gate issue)."""
