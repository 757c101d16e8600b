"""Each contract's error envelope as an OpenAPI component, matching what ``core.envelopes`` renders.

``CONTRACT_ERRORS`` says, per contract renderer, which component a 4xx body is and which status a
validation failure gets (the run journal and the operator-api answer 422, the others 400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.envelopes import automation_rules, operator_api, run_event, run_journal, workflow_runs


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_STRING = {"type": "string"}
_STRING_OR_INTEGER = {"oneOf": [{"type": "string"}, {"type": "integer"}]}

COMPONENTS: dict[str, dict[str, Any]] = {
    "RunJournalErrorDetail": {
        "type": "object",
        "required": ["path", "message", "type", "code"],
        "properties": {"path": _STRING, "message": _STRING, "type": _STRING, "code": _STRING},
    },
    "RunJournalError": {
        "type": "object",
        "description": 'run-journal-v0: `{"error": {"code", "message", "details": [...]}}`.',
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": _STRING,
                    "message": _STRING,
                    "details": {"type": "array", "items": ref("RunJournalErrorDetail")},
                },
            }
        },
    },
    "WorkflowRunsError": {
        "type": "object",
        "description": (
            'workflow-runs-v1: `{"error": {"code", "message", "details"?: [str], "requestId"}}`; '
            "`details` is left out when there is nothing to list."
        ),
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "requestId"],
                "properties": {
                    "code": _STRING,
                    "message": _STRING,
                    "details": {"type": "array", "items": _STRING},
                    "requestId": _STRING,
                },
            }
        },
    },
    "RunEventError": {
        "type": "object",
        "description": (
            'run-event (xyOps): `{"code", "description"}`; `code` is `session`, `api`, `access`, '
            "`user` or `event`. A policy refusal adds `automation_policy`."
        ),
        "required": ["code", "description"],
        "properties": {"code": _STRING_OR_INTEGER, "description": _STRING},
    },
    "AutomationErrorIssue": {
        "type": "object",
        "required": ["path", "message", "code"],
        "properties": {
            "path": {"type": "array", "items": _STRING_OR_INTEGER},
            "message": _STRING,
            "code": _STRING,
        },
    },
    "AutomationError": {
        "type": "object",
        "description": (
            'automation-rule-execute: `{"error": {"code", "message", "details"?}}`; validation '
            "`details` are zod-like issues."
        ),
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": _STRING,
                    "message": _STRING,
                    "details": {"type": "array", "items": ref("AutomationErrorIssue")},
                },
            }
        },
    },
    "OperatorApiError": {
        "type": "object",
        "description": 'operator-api (FastAPI style): `{"detail": "..."}`.',
        "required": ["detail"],
        "properties": {"detail": _STRING},
    },
    "OperatorApiValidationError": {
        "type": "object",
        "description": 'operator-api schema errors: `{"detail": [{"type", "loc", "msg"}]}`.',
        "required": ["detail"],
        "properties": {
            "detail": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "loc", "msg"],
                    "properties": {
                        "type": _STRING,
                        "loc": {"type": "array", "items": _STRING_OR_INTEGER},
                        "msg": _STRING,
                    },
                },
            }
        },
    },
}


@dataclass(frozen=True)
class ContractErrors:
    """How one contract's errors look: its envelope, and the status and body of a validation failure."""

    envelope: str
    invalid_status: int = 400
    invalid_schema: dict[str, Any] | None = None  # defaults to the envelope

    def body(self, status: int) -> dict[str, Any]:
        if status == self.invalid_status and self.invalid_schema is not None:
            return self.invalid_schema
        return ref(self.envelope)


CONTRACT_ERRORS = {
    run_journal.render: ContractErrors("RunJournalError", invalid_status=422),
    workflow_runs.render: ContractErrors("WorkflowRunsError"),
    run_event.render: ContractErrors("RunEventError"),
    automation_rules.render: ContractErrors("AutomationError"),
    # A 422 is a list of field problems, or one message when the check is not about one field.
    operator_api.render: ContractErrors(
        "OperatorApiError",
        invalid_status=422,
        invalid_schema={"oneOf": [ref("OperatorApiValidationError"), ref("OperatorApiError")]},
    ),
}
