"""OpenAPI shapes of the run-event bodies, which the views read by hand as xyOps does (any JSON
object; unknown keys are ignored, so the schemas stay open)."""

from governance.models import RISK_LEVELS, PolicyDecision

_TASK_ID_MAX = PolicyDecision._meta.get_field("decision_id").max_length

_RISK = {
    "type": "string",
    "enum": [*RISK_LEVELS, None],
    "nullable": True,
    "description": "any case; unknown levels are refused (400); ``risk`` is read when this is absent",
}

RUN_EVENT_REQUEST = {
    "type": "object",
    "description": "The workflow (an xyOps event) by ``id`` or ``title``; the query string may carry "
    "the same parameters (the body wins).",
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "params": {"description": "an object of job parameters (anything else is ignored)"},
        "input": {"type": "object", "additionalProperties": {}},
        "test": {"type": "boolean", "description": "a dry run: the gate is previewed, nothing is written"},
        "risk_level": _RISK,
        "human_approved": {"description": "only JSON true counts, and only with approvals:resolve"},
        "approval_id": {"type": "string", "description": "an approved Approval's id"},
    },
    "anyOf": [{"required": ["id"]}, {"required": ["title"]}],
}

EVALUATE_TASK_REQUEST = {
    "type": "object",
    "properties": {
        "id": {
            "description": f"the decision's id, text or a number, at most {_TASK_ID_MAX} characters as text "
            "(default: a new task_<ULID>)",
            "nullable": True,
            "anyOf": [{"type": "string", "maxLength": _TASK_ID_MAX}, {"type": "number"}],
        },
        "title": {"type": "string", "nullable": True},
        "risk_level": _RISK,
        "human_approved": {"description": "only JSON true counts"},
    },
}
