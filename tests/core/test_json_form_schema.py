"""pydantic's JSON Schema turned into the admin editor's, and the editor's blanks read as left out."""

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.forms import SchemaJSONWidget
from core.json_form_schema import ANY_VALUE, json_form_fill, json_form_prune, json_form_schema


class Inner(BaseModel):
    kind: Literal["a", "b"]


class Outer(BaseModel):
    name: str = Field(min_length=1)
    inner: Inner | None = None
    count: int | str = 1
    anything: object = None
    mode: Literal["x"] = "x"


def test_refs_are_resolved_optionals_unwrapped_unions_titled_and_literals_listed():
    schema = json_form_schema(Outer.model_json_schema())
    assert "$ref" not in json.dumps(schema) and "anyOf" not in json.dumps(schema)
    props = schema["properties"]
    assert props["name"] == {"title": "Name", "minLength": 1, "type": "string"}
    assert props["inner"]["properties"]["kind"] == {"title": "Kind", "type": "string", "enum": ["a", "b"]}
    assert [option["title"] for option in props["count"]["oneOf"]] == ["integer", "string"]
    assert props["anything"] == {"title": "Anything", **ANY_VALUE}
    assert props["mode"] == {"title": "Mode", "type": "string", "enum": ["x"], "default": "x"}
    assert schema["required"] == ["name"]


def test_blank_optional_boxes_are_left_out_and_required_ones_kept_for_the_validator():
    schema = json_form_schema(Outer.model_json_schema())
    sent = {"name": "", "inner": {"kind": ""}, "anything": None, "mode": ""}
    assert json_form_prune(sent, schema) == {"name": "", "inner": {"kind": ""}, "mode": ""}
    assert json_form_prune({"inner": {}}, schema) == {}


def test_stored_data_is_shown_with_every_property_and_sent_back_meaning_the_same():
    schema = json_form_schema(Outer.model_json_schema())
    filled = json_form_fill({"name": "n"}, schema)
    assert filled == {"name": "n", "inner": None, "count": 1, "anything": None, "mode": "x"}
    assert json_form_prune(filled, schema) == {"name": "n", "count": 1, "mode": "x"}


def test_the_widget_shows_refused_text_as_typed_in_a_plain_box():
    widget = SchemaJSONWidget(schema={"type": "object", "properties": {}})
    html = widget.render("metadata", '{"note": "a\\u0000b"', attrs={"id": "id_metadata"})
    assert "<textarea" in html and "data-django-jsonform" not in html
    assert "{&quot;note&quot;: &quot;a\\u0000b&quot;" in html
    editor = widget.render("metadata", "{}", attrs={"id": "id_metadata"})
    assert "data-django-jsonform" in editor


def test_a_free_form_map_keeps_each_value_s_type_through_the_editor():
    class Action(BaseModel):
        input: dict[str, Any] = {}

    schema = json_form_schema(Action.model_json_schema())
    stored = {
        "input": {"amount": 250, "order": "A-7", "code": "250", "ok": True, "tags": ["a"], "none": None}
    }
    shown = json_form_fill(stored, schema)
    assert shown["input"] == {
        "amount": "250",
        "order": "A-7",
        "code": '"250"',
        "ok": "true",
        "tags": '["a"]',
        "none": "null",
    }
    assert all(isinstance(box, str) for box in shown["input"].values())  # the editor's boxes hold text
    assert json_form_prune(shown, schema) == stored  # saved unchanged: nothing turned into text
    typed = {"input": {"amount": "12", "note": "twelve"}}
    assert json_form_prune(typed, schema) == {"input": {"amount": 12, "note": "twelve"}}
