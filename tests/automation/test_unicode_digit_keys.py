"""JSON keys made of Unicode digits (``"³"``: ``str.isdigit`` is true, ``int`` refuses it) are keys
in every error envelope's path, not a crash; ASCII digits are still list indexes."""

import pytest

from automation.models import AutomationRule
from core.envelopes import automation_rules, operator_api
from core.errors import ErrorDetail
from core.problems import Problem
from tests.automation.conftest import rule_body

RULES = "/api/v1/automation/rules"


def details(response):
    assert response.status_code == 400, response.content
    return response.json()["error"]["details"]


@pytest.mark.django_db
def test_a_unicode_digit_key_in_a_trigger_config_is_a_400(keyed_client):
    response = keyed_client.post(
        RULES,
        rule_body(trigger_type="event_based", trigger_config={"event_type": "error", "³": 1}),
        format="json",
    )
    assert details(response) == [
        {
            "path": ["trigger_config", "³"],
            "message": "Extra inputs are not permitted",
            "code": "extra_forbidden",
        }
    ]
    assert not AutomationRule.objects.exists()


@pytest.mark.django_db
def test_a_unicode_digit_key_in_an_action_config_is_a_400(keyed_client):
    action = {"type": "append_event", "config": {"run_id": "r", "title": "t", "٣": 1}, "order": 1}
    response = keyed_client.post(RULES, rule_body(actions=[action]), format="json")
    assert details(response) == [
        {
            "path": ["actions", 0, "config", "٣"],
            "message": "Extra inputs are not permitted",
            "code": "extra_forbidden",
        }
    ]


@pytest.mark.django_db
def test_a_unicode_digit_key_in_an_execute_body_is_a_400(keyed_client):
    rule_id = keyed_client.post(RULES, rule_body(), format="json").json()["data"]["rule_id"]
    response = keyed_client.post(
        f"{RULES}/{rule_id}/execute", {"automation_rule_id": rule_id, "²": True}, format="json"
    )
    assert details(response) == [
        {"path": ["²"], "message": "Extra inputs are not permitted", "code": "extra_forbidden"}
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("actions.0.config.³", ["actions", 0, "config", "³"]),
        ("items.12", ["items", 12]),
        ("a.١٢", ["a", "١٢"]),
        ("a." + "9" * 40, ["a", "9" * 40]),  # no list is that long: a key, and no int() of 40 digits
        ("a.\ud800", ["a", "\ud800"]),  # a lone surrogate (a JSON key can be one) is a key too
        ("", []),
    ],
)
def test_both_envelopes_read_index_segments_as_ascii_digits_only(path, expected):
    problem = Problem(
        kind="invalid", message="Validation failed", details=[ErrorDetail(path, "bad", "t", "c")]
    )
    assert automation_rules.render(problem)[1]["error"]["details"][0]["path"] == expected
    status, body = operator_api.render(problem)
    assert status == 422 and body["detail"][0]["loc"] == ["body", *expected]
