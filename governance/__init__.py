"""Governance: kill switches now; policy, credentials and audit in later issues."""
