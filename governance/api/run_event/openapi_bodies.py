"""OpenAPI shapes of the Automation Manager's bodies, and the risk level every run-event body may
carry. The views read bodies by hand as xyOps does (any JSON object; unknown keys are ignored, so
the schemas stay open)."""

from governance.models import RISK_LEVELS, PolicyDecision

_TASK_ID_MAX = PolicyDecision._meta.get_field("decision_id").max_length

RISK_LEVEL_BODY = {
    "type": "string",
    "enum": [*RISK_LEVELS, None],
    "nullable": True,
    "description": "any case; unknown levels are refused (400); ``risk`` is read when this is absent",
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
        "risk_level": RISK_LEVEL_BODY,
        "human_approved": {"description": "only JSON true counts"},
    },
}
