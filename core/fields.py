"""Serializer fields stricter than DRF's own, for request bodies."""

from __future__ import annotations

from rest_framework import serializers

from core.parsers import json_text_error


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField turns ``80905763`` or ``true`` into a string, so a client's typo
    (a number where a name belongs) would be stored instead of refused."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON ``true``/``false`` only: ``"false"`` must not read as approved (docs/decisions.md)."""

    default_error_messages = {"invalid": "Must be a JSON boolean (true or false)."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class CheckedJSONField(serializers.JSONField):
    """DRF's JSON field, with the JSON text of a form field checked as the parser checks a JSON
    body: DRF parses that text here, past the parser and past the middleware (which saw only the
    text ``\\u0000``, not the NUL it makes)."""

    def to_internal_value(self, data):
        is_text = self.binary or getattr(data, "is_json_string", False)
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            self.fail("invalid")
        if is_text and (error := json_text_error(value)) is not None:
            raise error
        return value
