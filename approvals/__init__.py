"""Approvals: every human decision (built by the run-journal issue)."""
