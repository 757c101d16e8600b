"""``POST /api/v1/automation/rules/{id}/execute``: every status code with its exact body, dry runs,
real executions through the worker task, and the counters."""

import uuid

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from automation.models import AutomationExecution, AutomationRule
from runs.models import RunEvent
from tenancy.models import ApiKey, Membership
from tests.automation.conftest import append_action, rule_body
from tests.factories import api_client, api_key_for, member


def create(client, **fields):
    response = client.post("/api/v1/automation/rules", rule_body(**fields), format="json")
    assert response.status_code == 201, response.json()
    return AutomationRule.objects.get(pk=response.json()["data"]["rule_id"])


def execute(client, rule_id, **body):
    body.setdefault("automation_rule_id", str(rule_id))
    return client.post(f"/api/v1/automation/rules/{rule_id}/execute", body, format="json")


@pytest.mark.django_db
def test_a_real_execution_is_pending_then_the_worker_runs_its_actions(keyed_client, capture):
    rule = create(keyed_client)
    with capture(execute=True):
        response = execute(keyed_client, rule.rule_id, execution_data={"env": "prod"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "pending" and data["actions_total"] == 1
    assert data["_links"] == {
        "execution": f"/api/v1/automation/executions/{data['execution_id']}",
        "rule": f"/api/v1/automation/rules/{rule.rule_id}",
    }
    assert set(data) >= {
        "execution_id",
        "automation_rule_id",
        "trigger_data",
        "started_at",
        "completed_at",
        "duration_ms",
        "actions_successful",
        "actions_failed",
        "error_message",
        "error_stack",
        "failed_action_index",
        "execution_context",
        "logs",
        "tenant",
    }
    assert data["tenant"] == str(rule.tenant_id) and data["trigger_data"] == {"env": "prod"}
    done = keyed_client.get(data["_links"]["execution"]).json()["data"]
    assert (done["status"], done["actions_successful"], done["failed_action_index"]) == ("completed", 1, None)
    assert RunEvent.objects.get(run__run_id="ops-log").payload["title"] == "Rule ran"
    rule.refresh_from_db()
    assert rule.execution_count == 1 and rule.last_executed is not None


@pytest.mark.django_db
def test_a_failing_second_action_records_its_index(keyed_client, capture):
    actions = [
        append_action(order=1),
        {"type": "workflow_execution", "config": {"workflow_id": str(uuid.uuid4())}, "order": 2},
        append_action(title="never", order=3),
    ]
    rule = create(keyed_client, actions=actions)
    with capture(execute=True):
        execution_id = execute(keyed_client, rule.rule_id).json()["data"]["execution_id"]
    execution = AutomationExecution.objects.get(pk=execution_id)
    assert (execution.status, execution.failed_action_index) == ("failed", 1)
    assert (execution.actions_successful, execution.actions_failed) == (1, 1)
    assert execution.error_message.startswith("Workflow not found")
    assert [log["level"] for log in execution.logs][-2:] == ["error", "error"]
    assert not RunEvent.objects.filter(payload__title="never").exists()


@pytest.mark.django_db
def test_continue_on_error_runs_the_rest(keyed_client, capture):
    actions = [
        {
            "type": "workflow_execution",
            "config": {"workflow_id": str(uuid.uuid4())},
            "order": 1,
            "continue_on_error": True,
        },
        append_action(order=2),
    ]
    rule = create(keyed_client, actions=actions)
    with capture(execute=True):
        execution_id = execute(keyed_client, rule.rule_id).json()["data"]["execution_id"]
    execution = AutomationExecution.objects.get(pk=execution_id)
    assert (execution.status, execution.failed_action_index, execution.actions_successful) == ("failed", 0, 1)


@pytest.mark.django_db
def test_a_dry_run_lists_what_would_happen_and_does_nothing(keyed_client, capture):
    actions = [
        {
            "type": "email_notification",
            "config": {"to": ["ops@example.com"], "subject": "Hi", "body": "b"},
            "order": 1,
        },
        append_action(order=2),
    ]
    rule = create(keyed_client, actions=actions)
    with capture(execute=True) as callbacks:
        response = execute(keyed_client, rule.rule_id, dry_run=True)
    assert response.status_code == 201 and callbacks == []
    data = response.json()["data"]
    assert (data["status"], data["duration_ms"], data["execution_context"]["dry_run"]) == (
        "completed",
        0,
        True,
    )
    assert [log["message"] for log in data["logs"]] == [
        "Dry run: nothing is executed",
        "Conditions met",
        "Would e-mail ops@example.com: Hi",
        "Would append an event of type action to run ops-log",
    ]
    assert mail.outbox == [] and not RunEvent.objects.exists()


@pytest.mark.django_db
def test_unmet_conditions_skip_unless_overridden(keyed_client, capture):
    conditions = [{"field": "env", "operator": "equals", "value": "prod"}]
    rule = create(keyed_client, conditions=conditions)
    with capture(execute=True):
        skipped = execute(keyed_client, rule.rule_id, execution_data={"env": "dev"}).json()["data"]
        forced = execute(keyed_client, rule.rule_id, execution_data={"env": "dev"}, override_conditions=True)
    assert AutomationExecution.objects.get(pk=skipped["execution_id"]).status == "skipped"
    assert AutomationExecution.objects.get(pk=forced.json()["data"]["execution_id"]).status == "completed"
    assert RunEvent.objects.count() == 1


@pytest.mark.django_db
def test_an_email_action_sends_through_django_s_backend(keyed_client, capture):
    action = {
        "type": "email_notification",
        "order": 1,
        "config": {"to": ["ops@example.com"], "subject": "Deploy {{ trigger.env }}", "body": "done"},
    }
    rule = create(keyed_client, actions=[action])
    with capture(execute=True):
        execute(keyed_client, rule.rule_id, execution_data={"env": "prod"})
    assert [(m.subject, m.to) for m in mail.outbox] == [("Deploy prod", ["ops@example.com"])]


@pytest.mark.django_db
def test_inactive_rules_are_409_unless_overridden(keyed_client):
    rule = create(keyed_client, status="inactive")
    response = execute(keyed_client, rule.rule_id)
    assert (response.status_code, response.json()) == (
        409,
        {"error": {"code": "CONFLICT", "message": "Automation rule is not active"}},
    )
    assert execute(keyed_client, rule.rule_id, override_conditions=True, dry_run=True).status_code == 201


@pytest.mark.django_db
def test_unknown_rule_is_404(keyed_client):
    missing = uuid.uuid4()
    response = execute(keyed_client, missing)
    assert (response.status_code, response.json()) == (
        404,
        {"error": {"code": "NOT_FOUND", "message": "Automation rule not found"}},
    )


@pytest.mark.django_db
def test_another_tenant_s_rule_is_404(keyed_client):
    rule = create(keyed_client)
    assert execute(api_client(), rule.rule_id).status_code == 404


@pytest.mark.django_db
def test_a_non_uuid_path_is_400(keyed_client):
    response = keyed_client.post("/api/v1/automation/rules/nope/execute", {}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "VALIDATION_ERROR", "message": "Invalid ID format"}},
    )


@pytest.mark.django_db
def test_a_body_that_fails_validation_is_400_with_issues(keyed_client):
    rule = create(keyed_client)
    response = keyed_client.post(
        f"/api/v1/automation/rules/{rule.rule_id}/execute", {"dry_run": "yes"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "Validation failed",
            "details": [
                {"path": ["automation_rule_id"], "message": "Field required", "code": "missing"},
                {"path": ["dry_run"], "message": "Input should be a valid boolean", "code": "bool_type"},
            ],
        }
    }


@pytest.mark.django_db
def test_a_body_rule_id_that_differs_from_the_path_is_400(keyed_client):
    rule = create(keyed_client)
    response = execute(keyed_client, rule.rule_id, automation_rule_id=str(uuid.uuid4()))
    assert (response.status_code, response.json()["error"]["details"]) == (
        400,
        [{"path": ["automation_rule_id"], "message": "must match the rule id in the path", "code": "custom"}],
    )
    assert not AutomationExecution.objects.exists()


@pytest.mark.django_db
def test_without_automation_execute_it_is_403_before_the_body_is_read(tenant, keyed_client):
    rule = create(keyed_client)
    viewer = api_client(tenant=tenant, role="viewer")
    response = viewer.post(
        f"/api/v1/automation/rules/{rule.rule_id}/execute", "not json", content_type="text/plain"
    )
    assert (response.status_code, response.json()) == (
        403,
        {"error": {"code": "FORBIDDEN", "message": "Permission denied: Cannot execute automation"}},
    )


@pytest.mark.django_db
def test_the_401_cases(tenant, keyed_client):
    rule = create(keyed_client)
    url = f"/api/v1/automation/rules/{rule.rule_id}/execute"
    body = {"automation_rule_id": str(rule.rule_id), "dry_run": True}

    def call(key):
        client = APIClient()
        if key is not None:
            client.credentials(HTTP_X_API_KEY=key)
        return client.post(url, body, format="json")

    def message(response):
        assert response.status_code == 401
        return response.json()["error"]["code"], response.json()["error"]["message"]

    assert message(call(None)) == ("UNAUTHORIZED", "API key required")
    assert message(call("ogk_not_a_key")) == ("UNAUTHORIZED", "Invalid API key")
    expired, row = api_key_for(member(tenant=tenant, role="operator"), tenant)
    ApiKey.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    assert message(call(expired)) == ("UNAUTHORIZED", "API key has expired")
    spent, row = api_key_for(member(tenant=tenant, role="operator"), tenant, usage_limit=1)
    assert call(spent).status_code == 201
    assert message(call(spent)) == ("UNAUTHORIZED", "API key usage quota exceeded")
    gone_user = member(tenant=tenant, role="operator")
    orphan, _ = api_key_for(gone_user, tenant)
    Membership.objects.filter(user=gone_user).delete()
    assert message(call(orphan)) == (
        "UNAUTHORIZED",
        "API key owner is no longer a member of the key's tenant",
    )
    foreign = api_client()
    foreign.credentials(
        HTTP_X_API_KEY=api_key_for(member(tenant=tenant, role="operator"), tenant)[0],
        HTTP_X_TENANT_ID=str(uuid.uuid4()),
    )
    assert message(foreign.post(url, body, format="json")) == ("UNAUTHORIZED", "Tenant ID not found")


@pytest.mark.django_db
def test_a_repeated_idempotency_key_returns_the_first_execution(keyed_client, capture):
    rule = create(keyed_client)
    headers = {"HTTP_IDEMPOTENCY_KEY": "exec-1"}
    with capture(execute=True):
        first = keyed_client.post(
            f"/api/v1/automation/rules/{rule.rule_id}/execute",
            {"automation_rule_id": str(rule.rule_id)},
            format="json",
            **headers,
        )
        second = keyed_client.post(
            f"/api/v1/automation/rules/{rule.rule_id}/execute",
            {"automation_rule_id": str(rule.rule_id)},
            format="json",
            **headers,
        )
    assert first.json()["data"]["execution_id"] == second.json()["data"]["execution_id"]
    assert AutomationExecution.objects.count() == 1 and RunEvent.objects.count() == 1
    other = keyed_client.post(
        f"/api/v1/automation/rules/{rule.rule_id}/execute",
        {"automation_rule_id": str(rule.rule_id), "dry_run": True},
        format="json",
        **headers,
    )
    assert (other.status_code, other.json()["error"]["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
