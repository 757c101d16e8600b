"""Build runs (operator-api): an external executor's plan of tiers and phases, its builder and
auditor results, issues, error reports and artifacts, on runs' ``Run``, ``Step`` and journal."""
