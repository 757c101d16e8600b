"""Rules CRUD, validation, schedules kept in step, event and webhook triggers."""

import pytest
from django_q.models import Schedule

from automation.models import AutomationExecution, AutomationRule
from automation.tasks import rule_fire_event
from governance.models import AuditEntry
from runs.models import RunEvent
from tests.automation.conftest import append_action, rule_body
from tests.factories import api_client
from tests.runs.journal_helpers import event

RULES = "/api/v1/automation/rules"


@pytest.mark.django_db
def test_create_read_list_update_delete(keyed_client, tenant):
    created = keyed_client.post(RULES, rule_body(), format="json")
    assert created.status_code == 201
    data = created.json()["data"]
    rule_id = data["rule_id"]
    assert (data["status"], data["priority"], data["condition_logic"], data["execution_count"]) == (
        "active",
        "normal",
        "and",
        0,
    )
    assert data["_links"]["self"] == f"{RULES}/{rule_id}"
    detail = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]
    assert detail["execution_statistics"] == {
        "total_executions": 0,
        "successful_executions": 0,
        "failed_executions": 0,
        "success_rate": 0,
    }
    assert detail["_links"]["executions"] == f"{RULES}/{rule_id}/executions"
    listed = keyed_client.get(RULES, {"limit": 1}).json()
    assert listed["pagination"] == {
        "page": 1,
        "limit": 1,
        "total": 1,
        "totalPages": 1,
        "hasNext": False,
        "hasPrev": False,
    }
    assert [r["rule_id"] for r in listed["data"]] == [rule_id]
    updated = keyed_client.put(f"{RULES}/{rule_id}", {"priority": "high"}, format="json")
    assert updated.status_code == 200 and updated.json()["data"]["priority"] == "high"
    assert keyed_client.delete(f"{RULES}/{rule_id}").status_code == 204
    assert not AutomationRule.objects.exists()
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "rule.create",
        "rule.update",
        "rule.delete",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "path"),
    [
        (rule_body(name=""), ["name"]),
        (rule_body(actions=[]), ["actions"]),
        (rule_body(actions=[{"type": "sms_notification", "config": {}, "order": 1}]), ["actions", 0, "type"]),
        (
            rule_body(
                trigger_type="time_based",
                trigger_config={"schedule_type": "custom_cron", "cron_expression": "every day"},
            ),
            ["trigger_config", "cron_expression"],
        ),
        (
            rule_body(conditions=[{"field": "a", "operator": "like", "value": 1}]),
            ["conditions", 0, "operator"],
        ),
        (
            rule_body(conditions=[{"field": "a", "operator": "regex_match", "value": "("}]),
            ["conditions", 0, "value"],
        ),
        (
            rule_body(
                actions=[
                    {
                        "type": "email_notification",
                        "order": 1,
                        "config": {"to": ["nope"], "subject": "s", "body": "b"},
                    }
                ]
            ),
            ["actions", 0, "config", "to", 0],
        ),
    ],
)
def test_invalid_rules_are_400_with_the_field_named(keyed_client, body, path):
    response = keyed_client.post(RULES, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("VALIDATION_ERROR", "Validation failed")
    assert path in [d["path"] for d in error["details"]]
    assert not AutomationRule.objects.exists()


@pytest.mark.django_db
def test_rule_reads_are_tenant_scoped_and_need_scopes(keyed_client, tenant):
    rule_id = keyed_client.post(RULES, rule_body(), format="json").json()["data"]["rule_id"]
    assert api_client().get(f"{RULES}/{rule_id}").status_code == 404
    assert api_client().get(RULES).json()["pagination"]["total"] == 0
    viewer = api_client(tenant=tenant, role="viewer")
    assert viewer.get(f"{RULES}/{rule_id}").status_code == 200
    denied = viewer.post(RULES, rule_body(), format="json")
    assert (denied.status_code, denied.json()["error"]["message"]) == (
        403,
        "Permission denied: Cannot create automation",
    )


@pytest.mark.django_db
def test_a_time_rule_keeps_its_schedule_in_step(keyed_client):
    trigger = {"schedule_type": "custom_cron", "cron_expression": "*/5 * * * *"}
    rule_id = keyed_client.post(
        RULES, rule_body(trigger_type="time_based", trigger_config=trigger), format="json"
    ).json()["data"]["rule_id"]
    schedule = AutomationRule.objects.get(pk=rule_id).schedule
    assert (schedule.cron, schedule.func, schedule.schedule_type) == (
        "*/5 * * * *",
        "automation.tasks.rule_fire_scheduled",
        Schedule.CRON,
    )
    keyed_client.put(f"{RULES}/{rule_id}", {"trigger_config": {"schedule_type": "hourly"}}, format="json")
    schedule.refresh_from_db()
    assert schedule.cron == "0 * * * *"
    keyed_client.put(f"{RULES}/{rule_id}", {"status": "inactive"}, format="json")
    assert not Schedule.objects.filter(func="automation.tasks.rule_fire_scheduled").exists()
    keyed_client.put(f"{RULES}/{rule_id}", {"status": "active"}, format="json")
    assert Schedule.objects.filter(func="automation.tasks.rule_fire_scheduled").count() == 1
    keyed_client.delete(f"{RULES}/{rule_id}")
    assert not Schedule.objects.filter(func="automation.tasks.rule_fire_scheduled").exists()


@pytest.mark.django_db
def test_an_event_rule_fires_once_per_matching_event_even_when_redelivered(keyed_client, capture):
    trigger = {"event_type": "error", "event_filters": {"actor": "agent"}}
    rule_id = keyed_client.post(
        RULES,
        rule_body(
            trigger_type="event_based",
            trigger_config=trigger,
            actions=[append_action(title="Error seen in {{ trigger.run_id }}")],
        ),
        format="json",
    ).json()["data"]["rule_id"]
    with capture(execute=True):
        posted = keyed_client.post("/v1/events", event("agent-run", id="e1", type="error"), format="json")
        keyed_client.post(
            "/v1/events", event("agent-run", id="e2", type="action", at="2026-02-14T13:01:00Z"), format="json"
        )
    assert posted.status_code in (200, 201), posted.json()
    executions = AutomationExecution.objects.filter(rule_id=rule_id)
    assert executions.count() == 1 and executions.get().status == "completed"
    source = RunEvent.objects.get(event_id="e1")
    with capture(execute=True):
        rule_fire_event(rule_id, source.pk)  # the queue delivers the same task again
    assert executions.count() == 1
    assert RunEvent.objects.filter(payload__title="Error seen in agent-run").count() == 1


@pytest.mark.django_db
def test_a_webhook_rule_fires_with_its_secret_only(keyed_client, client_api, capture):
    created = keyed_client.post(RULES, rule_body(trigger_type="webhook", trigger_config={}), format="json")
    data = created.json()["data"]
    url, token = data["webhook_url"], data["webhook_token"]
    path = url[url.index("/api/v1/") :]
    assert "webhook_token" not in keyed_client.get(f"{RULES}/{data['rule_id']}").json()["data"]
    anonymous = api_client()
    anonymous.credentials()
    assert anonymous.post(path, {"x": 1}, format="json", HTTP_X_WEBHOOK_TOKEN="wrong").status_code == 404
    with capture(execute=True):
        fired = anonymous.post(path, {"x": 1}, format="json", HTTP_X_WEBHOOK_TOKEN=token)
    assert fired.status_code == 202
    execution = AutomationExecution.objects.get()
    assert execution.status == "completed" and execution.trigger_data == {
        "trigger": "webhook",
        "payload": {"x": 1},
    }


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"limit": 101}, {"page": 0}, {"status": "paused"}])
def test_bad_list_queries_are_400(keyed_client, query):
    response = keyed_client.get(RULES, query)
    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["message"]) == (
        "VALIDATION_ERROR",
        "Query validation failed",
    )
