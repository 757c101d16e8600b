"""Scopes (``<area>:<verb>``) and the built-in roles' scope sets (docs/architecture.md)."""

ALL_SCOPES: tuple[str, ...] = (
    "runs:read",
    "runs:start",
    "runs:report",
    "runs:cancel",
    "workflows:read",
    "workflows:write",
    "templates:read",
    "templates:publish",
    "credentials:read",
    "credentials:write",
    "approvals:read",
    "approvals:resolve",
    "approvals:request",
    "automation:read",
    "automation:write",
    "automation:execute",
    "governance:read",
    "governance:decide",
    "policy:write",
    "artifacts:read",
    "files:upload",
    "storage:read",
    "storage:approve",
    "tenant:admin",
)

_VIEWER = (
    "runs:read",
    "workflows:read",
    "templates:read",
    "approvals:read",
    "automation:read",
    "governance:read",
    "artifacts:read",
    "storage:read",
)
_OPERATOR = (
    *_VIEWER,
    "runs:start",
    "runs:cancel",
    "approvals:resolve",
    "approvals:request",
    "automation:execute",
    "governance:decide",
    "storage:approve",
)
_EDITOR = (
    *_OPERATOR,
    "workflows:write",
    "templates:publish",
    "automation:write",
    "credentials:read",
    "credentials:write",
    "files:upload",
)
_EXECUTOR = (
    "runs:read",
    "runs:start",
    "runs:report",
    "workflows:read",
    "templates:read",
    "approvals:read",
    "approvals:request",
    "artifacts:read",
    "files:upload",
)

BUILTIN_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "viewer": ("Viewer: reads runs, approvals, rules and governance", _VIEWER),
    "operator": ("Operator: starts runs and decides approvals", _OPERATOR),
    "editor": ("Editor: changes workflows, rules and credentials", _EDITOR),
    "executor": ("Executor: a machine that starts runs and reports progress", _EXECUTOR),
    "admin": ("Admin: everything in the tenant, including policy and API keys", ALL_SCOPES),
}


def unknown_scopes(scopes) -> list[str]:
    known = set(ALL_SCOPES)
    return sorted(s for s in scopes if s not in known)
