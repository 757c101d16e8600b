"""Form fields for JSON that people type (the admin's JSON fields)."""

from __future__ import annotations

from django import forms
from django.forms.fields import InvalidJSONInput

from core.input_hygiene import json_text_problems

NESTED_TOO_DEEPLY = "The JSON is nested too deeply."


class StorableJSONField(forms.JSONField):
    """Django's JSON field, except that what no database column can hold is the field's error, not
    a 500 when the row is saved: NUL characters and lone surrogates, which JSON escapes (``\\u0000``)
    carry past the middleware's check of form fields, and a document nested too deeply to parse.
    Refused text is shown again as it was typed."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(NESTED_TOO_DEEPLY, code="invalid") from None

    def validate(self, value):
        super().validate(value)
        problems = json_text_problems(value)
        if problems:
            raise forms.ValidationError([str(problem) for problem in problems])

    def bound_data(self, data, initial):
        try:
            bound = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        if not isinstance(bound, InvalidJSONInput) and json_text_problems(bound):
            return InvalidJSONInput(data)  # as typed: the parsed text cannot even be shown
        return bound
