"""OpenAPI generation tweaks shared by every contract's views."""

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from pydantic import BaseModel
from rest_framework import serializers

from core.fields import CheckedJSONField
from core.openapi import pydantic_models  # noqa: F401 - registers the pydantic request-body extension

# Matches text holding a character Python's str.strip() keeps: DRF strips text fields with it before
# its blank check, so a pattern that says "not blank" must use this set, not \s.
NON_BLANK_TEXT = (
    r"[^\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


class OpsgateAutoSchema(AutoSchema):
    """Plain APIViews all read as ``*_retrieve``; a collection's GET (``...ListApi``) is ``*_list``,
    so a list and its detail never collide, under either of workflow-runs' two prefixes."""

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if self.method == "GET" and type(self.view).__name__.endswith("ListApi"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _process_override_parameters(self, direction="request"):
        result = super()._process_override_parameters(direction)
        for parameter in self.get_override_parameters():
            key = getattr(parameter, "name", None), getattr(parameter, "location", None)
            if isinstance(parameter, EmptyIsDefaultParameter) and result.get(key):
                result[key]["allowEmptyValue"] = True
        return result

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema is None:
            return schema
        if isinstance(field, UniqueListField):
            schema["uniqueItems"] = True
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and not {"pattern", "format", "enum"} & set(schema)
            and not any(isinstance(v, RegexValidator) for v in field.validators)  # its own pattern
        ):
            schema["pattern"] = NON_BLANK_TEXT  # DRF strips, then refuses what is left blank
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """drf-spectacular never marks a raw-schema body required, nor a pydantic list body: one is
        required when its schema requires something of it; a pydantic model's always is."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if schema is None:
            return schema, required
        if isinstance(serializer, dict):
            alternatives = schema.get("anyOf", [])
            required = bool(schema.get("required")) or any(a.get("required") for a in alternatives)
        elif isinstance(serializer, type) and issubclass(serializer, BaseModel):
            required = True
        return schema, required


class EmptyIsDefaultParameter(OpenApiParameter):
    """A query parameter that may be sent empty (``?limit=``): the view reads that as its default."""


class UniqueListField(serializers.ListField):
    """A list documented with ``uniqueItems``: the validator behind it refuses repeated items."""


@extend_schema_field({"type": "object", "additionalProperties": {}})
class JSONObjectField(CheckedJSONField):
    """A JSON field documented as an object (a graph): ``null`` and scalars are refused by the
    validator behind it, so the schema must not offer them."""
