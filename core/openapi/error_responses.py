"""``document_error_responses``: every operation's error responses, in its contract's envelope.

The contract is the one that owns the path (``core.contracts``). The statuses follow from the
operation: 401 and 403 when it authenticates, 404 when its path has an id, 400 (and the contract's
422) when it validates a body, a query or a header, 429 when its view is rate limited; and from
``OPERATION_STATUSES`` where a contract answers more (a 409, a 404 for a resource named in the
body, a 401 from a password check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from drf_spectacular.drainage import warn

from core.contracts import renderer_for_path
from core.openapi.envelopes import COMPONENTS, CONTRACT_ERRORS
from core.openapi.path_ids import UUID_PATH_IDS


@dataclass(frozen=True)
class OperationStatuses:
    method: str
    path: re.Pattern[str]
    statuses: tuple[int, ...]
    why: str


def _answers(method: str, path: str, statuses: tuple[int, ...], why: str) -> OperationStatuses:
    return OperationStatuses(method, re.compile(path), statuses, why)


OPERATION_STATUSES = [
    # workflow-runs-v1
    _answers("post", r"^/(api/)?v1/runs$", (404, 409), "an unknown workflowId; an Idempotency-Key reused"),
    _answers("post", r"^/(api/)?v1/credentials$", (409,), "the credential name is taken"),
    _answers("post", r"^/(api/)?v1/templates$", (404,), "an unknown workflowId"),
    # run-journal-v0
    _answers("post", r"^/v1/events(/batch)?$", (409,), "a duplicate event id, or a run the engine writes"),
    _answers("get", r"^/v1/runs/\{run_id\}/(status|journal)$", (409,), "an inconsistent approval state"),
    _answers("post", r"^/v1/approvals/\{event_id\}$", (409,), "ambiguous, not pending or already decided"),
    _answers("get", r"^/v1/approvals/pending$", (409,), "a run has an inconsistent approval state"),
    # run-event policy gate
    _answers(
        "post",
        r"^/api/app/run_event/v1$",
        (404, 409),
        "an unknown workflow; one disabled or without manual runs, or an Idempotency-Key reused",
    ),
    # automation-rule-execute
    _answers("get", r"^/api/v1/automation/executions$", (404,), "an unknown automation_rule_id"),
    _answers(
        "post",
        r"^/api/v1/automation/rules/\{rule_id\}/execute$",
        (409,),
        "an inactive rule without override_conditions, or an Idempotency-Key reused",
    ),
    _answers("delete", r"^/api/v1/automation/rules/\{rule_id\}$", (409,), "executions are in flight"),
    # operator-api
    _answers("post", r"^/api/auth/login$", (401,), "wrong username or password"),
    _answers("post", r"^/api/auth/register$", (403,), "registration is closed"),
]

URI_TOO_LONG = (
    "The request line is longer than the web server accepts (gunicorn's `--limit-request-line`, "
    "4094 bytes by default); its own plain answer, not a contract envelope."
)

DESCRIPTIONS = {
    400: "The request is malformed or fails validation.",
    401: "Missing or invalid credentials.",
    403: "The caller may not do this (a scope or privilege is missing).",
    404: "No such resource for the caller's tenant.",
    409: "The request conflicts with the current state.",
    422: "The request fails schema validation.",
    429: "Too many attempts; retry after `Retry-After` seconds.",
}


def document_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    throttled = _throttled_operations(generator)
    for path, operations in result.get("paths", {}).items():
        render = renderer_for_path(path)
        contract = CONTRACT_ERRORS.get(render)
        if contract is None:
            warn(f"no contract owns {path}: its error responses are undocumented (see core.contracts)")
            continue
        for method, operation in operations.items():
            statuses = _error_statuses(path, method, operation, render, (path, method) in throttled)
            for status, description in statuses.items():
                _document(operation, status, description, contract.body(status))
            if operation.get("parameters"):  # answered by the web server before Opsgate sees it
                operation.setdefault("responses", {}).setdefault("414", {"description": URI_TOO_LONG})
            operation["responses"] = dict(sorted(operation.get("responses", {}).items()))
    return result


def _error_statuses(path: str, method: str, operation: dict, render, throttled: bool) -> dict[int, str]:
    contract = CONTRACT_ERRORS[render]
    parameters = operation.get("parameters", [])
    statuses = {}
    if operation.get("security"):
        statuses.update({401: DESCRIPTIONS[401], 403: DESCRIPTIONS[403]})
    if "{" in path:
        statuses[404] = DESCRIPTIONS[404]
    validates = (
        "requestBody" in operation
        or any(p["in"] in ("query", "header") for p in parameters)
        or (render in UUID_PATH_IDS and any(p["in"] == "path" for p in parameters))
    )
    if validates:
        statuses[400] = DESCRIPTIONS[400]
        statuses[contract.invalid_status] = DESCRIPTIONS[contract.invalid_status]
    for rule in OPERATION_STATUSES:
        if rule.method == method and rule.path.match(path):
            for status in rule.statuses:
                statuses[status] = f"{DESCRIPTIONS[status].rstrip('.')}: {rule.why}."
    if throttled:
        statuses[429] = DESCRIPTIONS[429]
    return statuses


def _document(operation: dict, status: int, description: str, schema: dict[str, Any]) -> None:
    """Add the error response unless the view documented that status with a body of its own."""
    responses = operation.setdefault("responses", {})
    existing = responses.get(str(status)) or {}
    if existing.get("content"):
        return
    responses[str(status)] = {
        "description": existing.get("description") or description,
        "content": {"application/json": {"schema": schema}},
    }


def _throttled_operations(generator) -> set[tuple[str, str]]:
    """(path, method) of the views with a DRF throttle (the password forms' attempt limit)."""
    return {
        (path, method.lower())
        for path, _regex, method, callback in generator.endpoints or []
        if getattr(getattr(callback, "cls", None), "throttle_classes", None)
    }
