"""OpenAPI shapes of the Automation Manager's bodies, and the risk level every run-event body may
carry. The views read bodies by hand as xyOps does (any JSON object; unknown keys are ignored, so
the schemas stay open)."""

from governance.models import RISK_LEVELS, PolicyDecision

_TASK_ID_MAX = PolicyDecision._meta.get_field("decision_id").max_length


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" for c in word)


# What ``risk_level_parse`` accepts: a level in any case, surrounding blanks ignored; "" or null is absent.
RISK_LEVEL_BODY = {
    "type": "string",
    "pattern": rf"^(|\s*({'|'.join(_any_case(level) for level in RISK_LEVELS)})\s*)$",
    "nullable": True,
    "example": "high",
    "description": (
        f"one of {', '.join(RISK_LEVELS)}, any case; empty or null is absent (``risk`` is read then); "
        "unknown levels are refused (400)"
    ),
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
