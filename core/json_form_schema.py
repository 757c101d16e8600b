"""pydantic's JSON Schema in the subset django-jsonform's editor reads: references resolved in
place, ``Optional[X]`` as ``X`` (left out when empty), other unions and ``Literal`` constants as
titled ``oneOf`` / one-choice ``enum`` lists, and ``Any`` as a choice of plain values. The editor
only helps people type; what it sends is still checked by the pydantic models it came from."""

from __future__ import annotations

import json
from typing import Any

# ``Any`` (a condition's value, a webhook's body): what a person types into one box.
ANY_VALUE: dict[str, Any] = {
    "oneOf": [
        {"title": "Text", "type": "string"},
        {"title": "Number", "type": "number"},
        {"title": "Yes / no", "type": "boolean"},
        {"title": "List of texts", "type": "array", "items": {"type": "string"}},
    ]
}
# ``dict[str, Any]``: keys a person adds, each typed in one box as JSON or as plain text.
JSON_TEXT_HELP = "A number, true/false, null, a list or an object is read as JSON; anything else as text."
JSON_TEXT: dict[str, Any] = {"type": "string", "helpText": JSON_TEXT_HELP}
ANY_OBJECT: dict[str, Any] = {"type": "object", "keys": {}, "additionalProperties": JSON_TEXT}

_KEPT = ("title", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems")


def json_form_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The editor's schema for a pydantic model's ``model_json_schema()``."""
    return _convert(schema, schema.get("$defs", {}))


def _convert(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        return _convert({**target, **{k: v for k, v in node.items() if k != "$ref"}}, defs)
    if "anyOf" in node:
        options = [option for option in node["anyOf"] if option.get("type") != "null"]
        outer = {k: v for k, v in node.items() if k in ("title", "description", "default")}
        if len(options) == 1:
            return _convert({**options[0], **outer}, defs)
        default = {"default": outer["default"]} if outer.get("default") not in (None, "", {}, []) else {}
        return {
            **_kept(outer),
            **default,
            "oneOf": [
                {"title": option.get("title", option.get("type", "value")), **_convert(option, defs)}
                for option in options
            ],
        }
    if "const" in node:
        return {**_kept(node), "type": "string", "enum": [node["const"]], "default": node["const"]}
    kind = node.get("type")
    converted = _kept(node)
    if node.get("default") not in (None, "", {}, []):
        converted["default"] = node["default"]
    if "enum" in node:
        return {**converted, "type": kind or "string", "enum": list(node["enum"])}
    if kind == "object":
        properties = node.get("properties")
        if properties is None:
            extra = node.get("additionalProperties")
            value = _convert(extra, defs) if isinstance(extra, dict) and extra else JSON_TEXT
            return {**converted, **ANY_OBJECT, "additionalProperties": value}
        return {
            **converted,
            "type": "object",
            "properties": {name: _convert(prop, defs) for name, prop in properties.items()},
            "required": list(node.get("required", [])),
        }
    if kind == "array":
        return {**converted, "type": "array", "items": _convert(node.get("items", {}), defs)}
    if kind is None:
        return {**converted, **ANY_VALUE}
    if kind == "string" and node.get("format") in ("uri", "date-time", "email"):
        converted["format"] = "datetime" if node["format"] == "date-time" else node["format"]
    return {**converted, "type": kind}


def _kept(node: dict[str, Any]) -> dict[str, Any]:
    return {key: node[key] for key in _KEPT if key in node}


def json_form_prune(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` without the optional properties the editor sends empty (``""``, ``null``, ``{}``
    for a box left blank), so that a blank box reads as the property left out. Anything else,
    required properties included, is sent on unchanged for the validator to judge."""
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [json_form_prune(item, schema["items"]) for item in value]
    if isinstance(value, dict) and _json_text_map(schema):
        return {key: _from_box(item) for key, item in value.items()}
    if isinstance(value, dict) and "properties" in schema:
        return _prune_object(value, schema)
    if isinstance(value, dict) and "oneOf" in schema:
        for option in schema["oneOf"]:
            if "properties" in option and set(value) <= set(option["properties"]):
                return _prune_object(value, option)
    return value


def _prune_object(value: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    required = set(schema.get("required", ()))
    pruned = {}
    for key, item in value.items():
        item_schema = schema["properties"].get(key, {})
        item = json_form_prune(item, item_schema)
        if key not in required and "default" not in item_schema and item in ("", None, {}):
            continue  # a blank box: the property left out (its default, if it has one, applies)
        pruned[key] = item
    return pruned


def json_form_fill(value: Any, schema: dict[str, Any]) -> Any:
    """``value`` with each object's absent properties shown blank (or as their default), which the
    editor needs to tell which ``oneOf`` choice stored data is; ``json_form_prune`` leaves the blank
    ones out again when the form is sent."""
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [json_form_fill(item, schema["items"]) for item in value]
    if isinstance(value, dict) and _json_text_map(schema):
        return {key: _to_box(item) for key, item in value.items()}
    if value and isinstance(value, dict) and "oneOf" in schema:  # {}: no choice is told apart by it
        for option in schema["oneOf"]:
            if "properties" in option and set(value) <= set(option["properties"]):
                return json_form_fill(value, option)
    if isinstance(value, dict) and "properties" in schema:
        filled = {}
        for key, item_schema in schema["properties"].items():
            if key in value:
                filled[key] = json_form_fill(value[key], item_schema)
            elif "default" in item_schema:
                filled[key] = item_schema["default"]
            else:
                filled[key] = "" if item_schema.get("type") == "string" else None
        return {**value, **filled}
    return value


def _json_text_map(schema: dict[str, Any]) -> bool:
    return schema.get("additionalProperties") == JSON_TEXT and "properties" not in schema


def _to_box(item: Any) -> str:
    """One entry of a free-form map as its box shows it: a non-text value (``250``, ``true``) as
    JSON, and a text that would read as JSON (``"250"``) quoted, so saving unchanged keeps its type."""
    if not isinstance(item, str):
        return json.dumps(item)
    try:
        json.loads(item)
    except ValueError:
        return item
    return json.dumps(item)


def _from_box(item: Any) -> Any:
    if not isinstance(item, str):
        return item
    try:
        return json.loads(item)
    except ValueError:
        return item
