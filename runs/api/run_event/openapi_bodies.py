"""OpenAPI shape of the ``run_event`` body, which the view reads by hand as xyOps does (any JSON
object; unknown keys are ignored, so the schema stays open)."""

from governance.api.run_event.openapi_bodies import RISK_LEVEL_BODY

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
        "risk_level": RISK_LEVEL_BODY,
        "human_approved": {"description": "only JSON true counts, and only with approvals:resolve"},
        "approval_id": {"type": "string", "description": "an approved Approval's id"},
    },
    "anyOf": [{"required": ["id"]}, {"required": ["title"]}],
}
