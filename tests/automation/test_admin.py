"""The admin's rule form: the API's validation, each problem shown on its field."""

import json

import pytest
from django.test import Client

from automation.admin import AutomationRuleForm
from automation.models import AutomationRule
from tests.factories import member


def form_data(tenant, **overrides):
    data = {
        "tenant": tenant.pk,
        "name": "Nightly report",
        "status": "active",
        "priority": "normal",
        "trigger_type": "time_based",
        "trigger_config": json.dumps({"schedule_type": "daily"}),
        "conditions": "[]",
        "condition_logic": "and",
        "actions": json.dumps(
            [{"type": "append_event", "config": {"run_id": "r", "title": "t"}, "order": 1}]
        ),
        "max_concurrent_executions": 1,
        "execution_timeout_minutes": 60,
        "tags": "[]",
        "metadata": "{}",
        "notification_settings": "{}",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_valid_rule_passes(tenant):
    form = AutomationRuleForm(data=form_data(tenant))
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_problems_show_on_their_field_in_words(tenant):
    bad_actions = json.dumps(
        [{"type": "email_notification", "config": {"to": ["x"], "subject": "s", "body": "b"}, "order": 1}]
    )
    form = AutomationRuleForm(data=form_data(tenant, actions=bad_actions))
    assert not form.is_valid()
    assert form.errors["actions"] == ["actions.0.config.to.0: Value error, Invalid email"]


# JSON escapes in a field's text reach no middleware: ``\u0000`` is a NUL once parsed (a 500 on
# PostgreSQL when the rule was saved). Shown on the field, and redisplayed as typed.
UNSTORABLE = [
    ('{"note": "a\\u0000b"}', "note: text must not contain NUL characters"),
    ('{"note": ["\\ud800"]}', "note.0: text must be valid Unicode"),
]


@pytest.fixture
def staff(tenant):
    user = member(tenant=tenant, role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "problem"), UNSTORABLE)
def test_the_form_refuses_unstorable_text_on_its_field(tenant, raw, problem):
    form = AutomationRuleForm(data=form_data(tenant, metadata=raw))
    assert not form.is_valid()
    assert form.errors == {"metadata": [problem]}


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["trigger_config", "actions", "metadata"])
@pytest.mark.parametrize(("raw", "problem"), UNSTORABLE)
def test_the_admin_answers_unstorable_text_with_its_form_not_a_500(staff, tenant, field, raw, problem):
    value = f"[{raw}]" if field == "actions" else raw
    response = staff.post("/admin/automation/automationrule/add/", form_data(tenant, **{field: value}))
    assert response.status_code == 200
    shown = f"0.{problem}" if field == "actions" else problem
    assert response.context["adminform"].form.errors[field] == [shown]
    assert value in response.content.decode().replace("&quot;", '"')  # as typed
    assert not AutomationRule.objects.exists()


def test_the_editor_schemas_come_from_the_api_models():
    from automation.admin_editor import actions_schema, conditions_schema, trigger_config_schema
    from automation.rule_validation import ACTION_TYPES, RULE_OPERATORS

    condition = conditions_schema()["items"]
    assert condition["properties"]["operator"]["enum"] == list(RULE_OPERATORS)
    assert condition["required"] == ["field", "operator"]
    action = actions_schema()["items"]
    assert action["properties"]["type"]["enum"] == list(ACTION_TYPES)
    assert [option["title"] for option in action["properties"]["config"]["oneOf"]] == list(ACTION_TYPES)
    assert "$ref" not in json.dumps([actions_schema(), conditions_schema(), trigger_config_schema()])
    assert "anyOf" not in json.dumps([actions_schema(), conditions_schema(), trigger_config_schema()])


@pytest.mark.django_db
def test_the_add_page_renders_the_editor_and_the_brand(staff):
    page = staff.get("/admin/automation/automationrule/add/").content.decode()
    assert "data-django-jsonform" in page and "regex_match" in page
    assert "Opsgate administration" in page
