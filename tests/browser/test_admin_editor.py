"""The rule editor in the Django admin, in a real Chromium: rows added through the form (no JSON
typed) reach the API; a value the API's validation refuses is shown on its box."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from automation.models import AutomationRule
from automation.rule_validation import rule_validate
from automation.services import rule_create
from governance.models import AutomationPolicy
from tests.browser.conftest import screenshot
from tests.factories import api_key_for, member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct-horse-battery"


@pytest.fixture
def superuser(tenant):
    user = member(tenant=tenant, role="admin")
    user.is_staff = user.is_superuser = True
    user.set_password(PASSWORD)
    user.save()
    return user


def admin_sign_in(page, base_url, username):
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{base_url}/admin/")


def test_an_admin_adds_a_condition_and_an_action_in_the_form_and_the_api_returns_them(
    portal, new_page, tenant, superuser
):
    fields, _ = rule_validate(
        {
            "name": "Nightly report",
            "trigger_type": "time_based",
            "trigger_config": {"schedule_type": "daily"},
            "actions": [
                {"type": "append_event", "config": {"run_id": "run_a", "title": "First"}, "order": 1}
            ],
        }
    )
    rule, _ = rule_create(tenant=tenant, fields=fields, user=superuser)
    page = new_page()
    admin_sign_in(page, portal, superuser.username)
    expect(page.locator("#site-name")).to_have_text("Opsgate administration")
    page.goto(f"{portal}/admin/automation/automationrule/{rule.pk}/change/")
    conditions = page.locator("#id_conditions_jsonform")
    actions = page.locator("#id_actions_jsonform")
    expect(actions.locator("[name='rjf§0§config§title']")).to_have_value("First")
    # A condition: a row added, its operator chosen from the list, a path that is no path.
    conditions.get_by_role("button", name="Add item").click()
    conditions.locator("[name='rjf§0§field']").fill("ticket..priority")
    operator = conditions.locator("[name='rjf§0§operator']")
    assert "regex_match" in operator.locator("option").all_inner_texts()
    operator.select_option("equals")
    conditions.locator(".rjf-oneof-selector-input").select_option(label="Text")
    conditions.locator("[name='rjf§0§value']").fill("high")
    # An action: a second row, its type and its settings chosen from the lists.
    actions.get_by_role("button", name="Add item").last.click()
    actions.locator("[name='rjf§1§type']").select_option("append_event")
    actions.locator(".rjf-oneof-selector-input").last.select_option(label="append_event")
    actions.locator("[name='rjf§1§config§run_id']").fill("run_b")
    actions.locator("[name='rjf§1§config§title']").fill("Second")
    actions.locator("[name='rjf§1§order']").fill("2")
    page.locator("input[name=_save]").click()
    # Refused by the API's validation: the problem shows on the field's box, nothing is stored.
    error = page.locator("#id_conditions_jsonform .rjf-error-text")
    expect(error).to_contain_text("is not a path into the trigger data")
    expect(page.locator(".errornote")).to_be_visible()
    screenshot(page, "admin-rule-inline-error")
    rule.refresh_from_db()
    assert rule.conditions == [] and len(rule.actions) == 1
    page.locator("#id_conditions_jsonform [name='rjf§0§field']").fill("ticket.priority")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    raw, _ = api_key_for(superuser, tenant)
    response = httpx.get(f"{portal}/api/v1/automation/rules/{rule.pk}", headers={"X-API-Key": raw})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["conditions"] == [
        {"field": "ticket.priority", "operator": "equals", "value": "high", "data_type": None}
    ]
    assert [(a["type"], a["order"], a["config"]) for a in data["actions"]] == [
        ("append_event", 1, {"run_id": "run_a", "type": "action", "title": "First"}),
        ("append_event", 2, {"run_id": "run_b", "type": "action", "title": "Second"}),
    ]
    assert AutomationRule.objects.get().conditions[0]["field"] == "ticket.priority"


def test_an_admin_edits_the_policy_lists_by_choosing_risk_levels(portal, new_page, tenant, superuser):
    page = new_page()
    admin_sign_in(page, portal, superuser.username)
    page.goto(f"{portal}/admin/governance/automationpolicy/add/")
    page.locator("#id_tenant").select_option(str(tenant.pk))
    levels = page.locator("#id_require_human_approval_for_jsonform")
    page.on("dialog", lambda dialog: dialog.accept("payments"))  # the editor asks a new key's name
    levels.get_by_role("button", name="Remove").first.click()  # high, critical -> critical
    expect(levels.locator("select")).to_have_count(1)
    levels.get_by_role("button", name="Add item").click()
    levels.locator("[name='rjf§1']").select_option("medium")
    categories = page.locator("#id_category_risk_levels_jsonform")
    categories.get_by_role("button", name="Add key").click()
    categories.locator("[name='rjf§payments']").select_option("critical")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    policy = AutomationPolicy.objects.get(tenant=tenant)
    assert policy.require_human_approval_for == ["critical", "medium"]
    assert policy.category_risk_levels == {"payments": "critical"}
