"""Form fields and the editor widget for JSON that people type (the admin's JSON fields)."""

from __future__ import annotations

import json

from django import forms
from django.forms.fields import InvalidJSONInput
from django_jsonform.utils import join_coords
from django_jsonform.widgets import JSONFormWidget

from core.input_hygiene import json_text_problems
from core.json_form_schema import json_form_fill, json_form_prune

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


class SchemaJSONWidget(JSONFormWidget):
    """django-jsonform's editor (rows to add and remove, choice lists) for a JSON Schema from
    ``core.json_form_schema``. Text the editor cannot show (JSON that was refused as unreadable or
    unstorable) is shown again as typed, in a plain text box, beside its error. A blank optional
    box is sent as the property left out (``json_form_prune``)."""

    def __init__(self, schema: dict, **kwargs):
        super().__init__(schema=schema, **kwargs)

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(value, InvalidJSONInput) or not _readable(value):
            return forms.Textarea(attrs={"cols": 80, "rows": 6}).render(name, value, attrs, renderer)
        if value not in (None, ""):
            value = json.dumps(json_form_fill(json.loads(value), self.get_schema()))
        return super().render(name, value, attrs, renderer)

    def value_from_datadict(self, data, files, name):
        raw = super().value_from_datadict(data, files, name)
        try:
            parsed = json.loads(raw) if isinstance(raw, str) else None
        except (ValueError, RecursionError):
            return raw  # the field says what is wrong with it
        pruned = json_form_prune(parsed, self.get_schema())
        return raw if pruned == parsed else json.dumps(pruned)

    def errors_show(self, errors: dict[tuple, list[str]]) -> None:
        """Shows each ``(path inside the value) -> messages`` on its box in the editor."""
        self.add_error({join_coords(*path): messages for path, messages in errors.items()})


def _readable(value) -> bool:
    if value in (None, ""):
        return True
    try:
        json.loads(value)
    except (TypeError, ValueError, RecursionError):
        return False
    return True
