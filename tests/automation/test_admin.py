"""The admin's rule form: the API's validation, each problem shown on its field."""

import json

import pytest

from automation.admin import AutomationRuleForm


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
