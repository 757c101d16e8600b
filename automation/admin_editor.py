"""The admin editor's JSON Schemas for a rule's trigger, conditions and actions, generated from
the pydantic models that validate the API (``automation.rule_validation``): operators and action types
are choice lists, each action's settings follow its type. The models stay the one validator."""

from __future__ import annotations

from typing import Any

from automation.rule_validation import ACTION_TYPES, ACTIONS, TRIGGERS, Action, Condition
from core.json_form_schema import json_form_schema

TRIGGER_TITLES = {
    "time_based": "Time based / recurring",
    "event_based": "Event based",
    "webhook": "Webhook",
    "manual": "Manual",
}


def trigger_config_schema() -> dict[str, Any]:
    """One choice per trigger model (time_based and recurring share theirs)."""
    options = []
    for trigger_type, title in TRIGGER_TITLES.items():
        schema = json_form_schema(TRIGGERS[trigger_type].model_json_schema())
        if not schema.get("properties"):  # manual: any data, nothing required
            schema = {"type": "object", "keys": {}, "additionalProperties": {"type": "string"}}
        options.append({**schema, "title": title})
    return {"type": "object", "title": "Trigger settings", "oneOf": options}


def conditions_schema() -> dict[str, Any]:
    return {"type": "array", "title": "Conditions", "items": json_form_schema(Condition.model_json_schema())}


def actions_schema() -> dict[str, Any]:
    item = json_form_schema(Action.model_json_schema())
    item["properties"]["type"] = {"type": "string", "title": "Type", "enum": list(ACTION_TYPES)}
    item["properties"]["config"] = {
        "type": "object",
        "title": "Settings",
        "oneOf": [
            {**json_form_schema(ACTIONS[action_type].model_json_schema()), "title": action_type}
            for action_type in ACTION_TYPES
        ],
    }
    return {"type": "array", "title": "Actions", "minItems": 1, "items": item}


RULE_EDITOR_SCHEMAS = {
    "trigger_config": trigger_config_schema,
    "conditions": conditions_schema,
    "actions": actions_schema,
}
