"""Governance: kill switches, the policy gate and each tenant's policy, credentials, the audit log."""
