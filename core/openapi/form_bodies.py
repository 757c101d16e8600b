"""``form_bodies_where_flat``: a form-encoded body only where a form can carry what the view needs.

A form carries flat text fields: no nesting, no JSON booleans (our strict booleans refuse
``"true"``) and no ``null`` (an empty value is the nearest). Where the body is flat, its form schema
is the JSON one without ``nullable``; elsewhere the form media type is left out of the document
(the view may still parse one, but nothing it needs can be said in it).
"""

from __future__ import annotations

FORM = "application/x-www-form-urlencoded"
_FORM_SCALARS = {"string", "integer", "number"}


def form_bodies_where_flat(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            if FORM not in content:
                continue
            form = _form_schema(content[FORM]["schema"], components)
            if form is None:
                del content[FORM]
            else:
                content[FORM]["schema"] = form
    return result


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _form_schema(schema: dict, components: dict) -> dict | None:
    body = _resolve(schema, components)
    properties = body.get("properties")
    if (
        body.get("type") != "object"
        or not properties
        or body.get("additionalProperties") not in (None, False)
    ):
        return None
    if not all(_is_form_scalar(prop, components) for prop in properties.values()):
        return None
    flat = {name: {k: v for k, v in prop.items() if k != "nullable"} for name, prop in properties.items()}
    return {**body, "properties": flat}


def _is_form_scalar(schema: dict, components: dict) -> bool:
    schema = _resolve(schema, components)
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            return all(_is_form_scalar(member, components) for member in schema[key])
    return schema.get("type") in _FORM_SCALARS
