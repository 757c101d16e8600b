"""Pydantic models as request bodies: ``@extend_schema(request=SomeModel)`` documents the validator
itself, so the schema cannot drift from what the view accepts.

pydantic writes JSON Schema 2020-12 in validation mode; the document is OpenAPI 3.0, so
``openapi_30`` rewrites what 3.0 spells differently (``null`` in ``anyOf`` is ``nullable``, ``const``
is a one-value ``enum``, numeric exclusive bounds are flags) and inlines the model's ``$defs``.
A model that strips whitespace documents its non-empty strings as holding a non-blank character.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

_DROPPED = {"title", "examples", "propertyNames", "$schema"}
# pydantic strips Unicode White_Space, which is not a pattern's \s (that has U+FEFF, lacks U+0085)
_NON_BLANK = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def openapi_30(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """``schema`` (pydantic's JSON Schema) as an OpenAPI 3.0 schema object, ``$ref``s to ``defs`` inlined."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        target = openapi_30(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return {**target, **openapi_30(rest, defs)} if rest else target
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED or key == "$defs":
            continue
        if key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key in ("anyOf", "oneOf", "allOf"):
            non_null = [openapi_30(member, defs) for member in value if member.get("type") != "null"]
            if len(non_null) < len(value):
                out["nullable"] = True
            if len(non_null) == 1:
                out.update({k: v for k, v in non_null[0].items() if k not in out})
            else:
                out[key] = non_null
            if out.get("nullable") and "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]  # a nullable enum lists null, or 3.0 forbids it
        elif key == "properties":
            out[key] = {name: openapi_30(prop, defs) for name, prop in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = openapi_30(value, defs)
        else:
            out[key] = value
    if out.get("type") == "null":  # a bare null outside anyOf: only ``None`` is accepted
        return {"nullable": True, "enum": [None]}
    return out


class _StrippedTextSaysNonBlank(GenerateJsonSchema):
    """A string its model strips before checking ``min_length`` must hold a non-blank character."""

    def str_schema(self, schema):
        json_schema = super().str_schema(schema)
        stripped = schema.get("strip_whitespace") or self._config.str_strip_whitespace
        if stripped and json_schema.get("minLength", 0) >= 1 and "pattern" not in json_schema:
            json_schema["pattern"] = _NON_BLANK
        return json_schema


def model_schema(model: type[BaseModel], *, partial: bool = False) -> dict[str, Any]:
    """The request-body schema of ``model``; ``partial`` drops ``required`` (fields merged into a
    stored object, as a PUT that keeps what it leaves out)."""
    schema = openapi_30(
        model.model_json_schema(mode="validation", schema_generator=_StrippedTextSaysNonBlank)
    )
    if partial:
        schema.pop("required", None)
    return schema


class PydanticModelExtension(OpenApiSerializerExtension):
    """Outranks drf-spectacular's contrib extension, which documents the serialization shape."""

    target_class = "pydantic.BaseModel"
    match_subclasses = True
    priority = 1

    def get_name(self, auto_schema, direction):
        return self.target.__name__.removesuffix("Request")  # request components get the suffix back

    def map_serializer(self, auto_schema, direction):
        return model_schema(self.target)
