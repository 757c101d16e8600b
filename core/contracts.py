"""Which contract owns a URL path, so misses and crashes outside a view answer in its envelope."""

from __future__ import annotations

import re

from core.envelopes import (
    Renderer,
    automation_rules,
    operator_api,
    run_event,
    run_journal,
    workflow_runs,
)

# First match wins; the journal's paths are carved out of /v1/ before workflow-runs takes the rest.
_PREFIXES: list[tuple[re.Pattern[str], Renderer]] = [
    (re.compile(r"^/api/app(/|$)"), run_event.render),
    (re.compile(r"^/api/v1/automation(/|$)"), automation_rules.render),
    (re.compile(r"^/v1/(events|approvals)(/|$)"), run_journal.render),
    (re.compile(r"^/v1/runs/[^/]+/(events|status|journal|verify)/?$"), run_journal.render),
    (re.compile(r"^/(api/)?v1(/|$)"), workflow_runs.render),
    (
        re.compile(
            r"^/(api/auth|runs|health|dashboard|approval|governance|storage|files|research"
            r"|telegram|project)(/|$)"
        ),
        operator_api.render,
    ),
]

# The URL patterns (without the leading slash) that config.urls routes to the catch-all view.
CATCH_ALL_PATTERN = (
    r"^(api/app|api/v1|v1|api/auth|runs|health|dashboard|approval|governance|storage|files"
    r"|research|telegram|project)(/[\s\S]*)?\Z"  # any character, a newline too, to the very end
)


def renderer_for_path(path: str) -> Renderer | None:
    for pattern, render in _PREFIXES:
        if pattern.match(path):
            return render
    return None
