"""``core.fields.StrictCharField`` refuses a number where text belongs in a request body; it acts only
when a value is read in (``to_internal_value``), so it belongs on input serializers alone. On an
output serializer it would only suggest a check that never runs."""

from __future__ import annotations

import importlib

from rest_framework import serializers

from core.fields import StrictCharField

APPS = ("approvals", "automation", "core", "governance", "runs", "tenancy")


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def project_serializers() -> list[type[serializers.Serializer]]:
    importlib.import_module("config.urls")  # every view, and so every serializer they use
    return [
        cls for cls in set(_all_subclasses(serializers.Serializer)) if cls.__module__.split(".")[0] in APPS
    ]


def _strict_fields(serializer_class) -> list[str]:
    found = []
    for name, field in serializer_class().fields.items():
        inner = getattr(field, "child", None)
        if isinstance(field, StrictCharField) or isinstance(inner, StrictCharField):
            found.append(name)
    return found


def test_strict_text_fields_are_on_input_serializers_only():
    classes = project_serializers()
    assert {"RunOutput", "TokenOutput", "WorkflowInput", "LoginInput"} <= {c.__name__ for c in classes}
    misplaced = {
        f"{cls.__module__}.{cls.__name__}": fields
        for cls in classes
        if not cls.__name__.endswith("Input") and (fields := _strict_fields(cls))
    }
    assert misplaced == {}


def test_input_serializers_keep_their_strict_text_fields():
    by_name = {cls.__name__: cls for cls in project_serializers()}
    assert _strict_fields(by_name["LoginInput"]) == [
        "username",
        "password",
        "grant_type",
        "scope",
        "client_id",
        "client_secret",
    ]
    assert "tags" in _strict_fields(by_name["WorkflowInput"])
