"""A rule cannot break anything but itself: paths are checked when a rule is saved, and a rule
stored before that (or broken any other way) is recorded against the rule, while journal appends,
workflow runs and other rules go on and every execution ends."""

import json

import pytest
from django.db import connection

from automation.admin import AutomationRuleForm
from automation.models import AutomationExecution, AutomationRule, ExecutionStatus
from automation.services import rule_error_record
from runs.models import Run, RunEvent, RunState
from tests.automation.conftest import append_action, rule_body
from tests.automation.test_admin import form_data
from tests.factories import api_client, member
from tests.portal.helpers import signed_in
from tests.runs.engine.graphs import launch, linear, transform
from tests.runs.journal_helpers import event

RULES = "/api/v1/automation/rules"
BROKEN_FILTER = {"evidence.²": "x"}


def create(client, **fields):
    response = client.post(RULES, rule_body(**fields), format="json")
    assert response.status_code == 201, response.json()
    return AutomationRule.objects.get(pk=response.json()["data"]["rule_id"])


def stored_before_paths_were_checked(rule, **fields):
    """What an older release let a rule store (this one refuses it when saved)."""
    AutomationRule.objects.filter(pk=rule.pk).update(**fields)
    rule.refresh_from_db()
    return rule


def event_rule(client, event_type="error", **fields):
    return create(
        client,
        trigger_type="event_based",
        trigger_config={"event_type": event_type},
        actions=[append_action(run_id="ops-log", title="Seen {{ trigger.run_id }}")],
        **fields,
    )


# -- refused when saved ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "path", "message"),
    [
        (
            {
                "trigger_type": "event_based",
                "trigger_config": {"event_type": "error", "event_filters": BROKEN_FILTER},
            },
            ["trigger_config", "event_filters"],
            "Value error, the key 'evidence.²' is not a path into the event: it has the segment '²': "
            "list indexes are written in the digits 0-9",
        ),
        (
            {"conditions": [{"field": "ticket.²", "operator": "equals", "value": 1}]},
            ["conditions", 0, "field"],
            "Value error, is not a path into the trigger data: it has the segment '²': "
            "list indexes are written in the digits 0-9",
        ),
        (
            {"conditions": [{"field": "ticket..priority", "operator": "equals", "value": 1}]},
            ["conditions", 0, "field"],
            "Value error, is not a path into the trigger data: it has an empty segment "
            "(a leading, trailing or doubled dot)",
        ),
    ],
)
def test_a_malformed_path_is_refused_when_the_rule_is_saved(keyed_client, fields, path, message):
    response = keyed_client.post(RULES, rule_body(**fields), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("VALIDATION_ERROR", "Validation failed")
    assert error["details"] == [{"path": path, "message": message, "code": "value_error"}]
    assert not AutomationRule.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_malformed_path_on_its_field(tenant):
    trigger = json.dumps({"event_type": "error", "event_filters": BROKEN_FILTER})
    form = AutomationRuleForm(data=form_data(tenant, trigger_type="event_based", trigger_config=trigger))
    assert not form.is_valid()
    assert form.errors["trigger_config"] == [
        "trigger_config.event_filters: Value error, the key 'evidence.²' is not a path into the event: "
        "it has the segment '²': list indexes are written in the digits 0-9"
    ]


# -- a broken stored rule -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_broken_event_filter_neither_fails_the_append_nor_the_other_rules(keyed_client, capture):
    broken = event_rule(keyed_client, name="Broken")
    healthy = event_rule(keyed_client, name="Healthy")
    stored_before_paths_were_checked(
        broken, trigger_config={"event_type": "error", "event_filters": BROKEN_FILTER}
    )
    with capture(execute=True):
        posted = keyed_client.post("/v1/events", event("agent-run", id="e1", type="error"), format="json")
    assert posted.status_code == 201, posted.json()
    assert RunEvent.objects.filter(event_id="e1").exists()
    assert AutomationExecution.objects.get(rule=healthy).status == ExecutionStatus.COMPLETED
    assert not AutomationExecution.objects.filter(rule=broken).exists()
    broken.refresh_from_db()
    assert broken.last_error == (
        "Path 'evidence.²' has the segment '²': list indexes are written in the digits 0-9"
    )
    assert broken.last_error_at is not None
    healthy.refresh_from_db()
    assert healthy.last_error == "" and healthy.last_error_at is None
    read = keyed_client.get(f"{RULES}/{broken.pk}").json()["data"]
    assert read["last_error"] == broken.last_error and read["last_error_at"].endswith("Z")


@pytest.mark.django_db
def test_a_broken_rule_s_error_is_written_once_not_after_every_event(
    keyed_client, capture, django_assert_num_queries
):
    broken = event_rule(keyed_client, name="Broken")
    stored_before_paths_were_checked(
        broken, trigger_config={"event_type": "error", "event_filters": BROKEN_FILTER}
    )
    with capture(execute=True):
        keyed_client.post("/v1/events", event("agent-run", id="e1", type="error"), format="json")
    broken.refresh_from_db()
    first = broken.last_error_at
    with capture(execute=True):
        batch = [event("agent-run", id=f"e{i}", type="error") for i in range(2, 12)]
        assert keyed_client.post("/v1/events/batch", batch, format="json").status_code == 201
    broken.refresh_from_db()
    assert broken.last_error_at == first and "evidence.²" in broken.last_error
    with django_assert_num_queries(1) as captured:  # the conditional UPDATE, matching no row
        rule_error_record(rule_id=broken.pk, error=broken.last_error)
    assert "last_error" in captured.captured_queries[0]["sql"]
    rule_error_record(rule_id=broken.pk, error="Another problem")
    broken.refresh_from_db()
    assert broken.last_error == "Another problem" and broken.last_error_at > first


@pytest.mark.django_db
def test_a_broken_event_rule_does_not_fail_the_tenant_s_workflow_runs(keyed_client, capture):
    broken = event_rule(keyed_client, event_type="action")
    stored_before_paths_were_checked(
        broken, trigger_config={"event_type": "action", "event_filters": BROKEN_FILTER}
    )
    run = launch(keyed_client, linear(transform("t1", "done")), capture)
    run.refresh_from_db()
    assert run.state == RunState.SUCCEEDED
    broken.refresh_from_db()
    assert "evidence.²" in broken.last_error


@pytest.mark.django_db
def test_a_failing_rule_query_does_not_fail_the_append(keyed_client, capture, monkeypatch):
    """A database error inside the rules' subscriber is undone to its savepoint: the append's
    own writes stand (PostgreSQL would otherwise refuse every statement after the error)."""
    import automation.triggers

    def broken_query(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM automation_automationrule")

    monkeypatch.setattr(automation.triggers.AutomationRule.objects, "filter", broken_query)
    with capture(execute=True):
        posted = keyed_client.post("/v1/events", event("agent-run", id="e1", type="error"), format="json")
    assert posted.status_code == 201, posted.json()
    run = Run.objects.get(run_id="agent-run")
    assert list(run.events.values_list("event_id", flat=True)) == ["e1"]
    assert run.event_count == 1


@pytest.mark.django_db
def test_a_dry_run_of_a_broken_condition_is_a_failed_execution_not_a_500(keyed_client, capture):
    rule = create(keyed_client)
    stored_before_paths_were_checked(
        rule, conditions=[{"field": "ticket.²", "operator": "equals", "value": 1}]
    )
    with capture(execute=True):
        response = keyed_client.post(
            f"{RULES}/{rule.pk}/execute",
            {"automation_rule_id": str(rule.pk), "dry_run": True, "execution_data": {"ticket": [1, 2, 3]}},
            format="json",
        )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    why = "Path 'ticket.²' has the segment '²': list indexes are written in the digits 0-9"
    assert (data["status"], data["error_message"]) == ("failed", why)
    assert data["logs"][-1]["level"] == "error"
    assert data["logs"][-1]["message"] == f"The execution stopped: {why}"
    rule.refresh_from_db()
    assert rule.last_error == why
    assert not Run.objects.filter(run_id="ops-log").exists()


@pytest.mark.django_db
def test_a_real_execution_of_a_broken_condition_ends_failed(keyed_client, capture):
    rule = create(keyed_client)
    stored_before_paths_were_checked(rule, conditions=[{"field": "a..b", "operator": "exists"}])
    with capture(execute=True):
        response = keyed_client.post(
            f"{RULES}/{rule.pk}/execute", {"automation_rule_id": str(rule.pk)}, format="json"
        )
    assert response.status_code == 201
    execution = AutomationExecution.objects.get(rule=rule)
    assert execution.status == ExecutionStatus.FAILED and execution.completed_at is not None
    assert execution.error_message == "Path 'a..b' has an empty segment (a leading, trailing or doubled dot)"
    assert execution.logs[-1]["level"] == "error"
    assert execution.actions_successful == 0 and not Run.objects.filter(run_id="ops-log").exists()
    rule.refresh_from_db()
    assert rule.last_error == execution.error_message


UNKNOWN = [{"field": "ticket.priority", "operator": "sounds_like", "value": "high"}]
UNKNOWN_WHY = "Unknown condition operator: sounds_like"


@pytest.mark.django_db
def test_a_real_execution_of_an_unknown_operator_ends_failed_with_the_message(keyed_client, capture):
    rule = create(keyed_client)
    stored_before_paths_were_checked(rule, conditions=UNKNOWN)
    with capture(execute=True):
        response = keyed_client.post(
            f"{RULES}/{rule.pk}/execute",
            {"automation_rule_id": str(rule.pk), "execution_data": {"ticket": {"priority": "high"}}},
            format="json",
        )
    assert response.status_code == 201, response.json()
    execution = AutomationExecution.objects.get(rule=rule)
    assert (execution.status, execution.error_message) == (ExecutionStatus.FAILED, UNKNOWN_WHY)
    assert execution.completed_at is not None and execution.actions_successful == 0
    assert execution.logs[-1] == {
        **execution.logs[-1],
        "level": "error",
        "message": f"The execution stopped: {UNKNOWN_WHY}",
    }
    assert not Run.objects.filter(run_id="ops-log").exists()
    rule.refresh_from_db()
    assert rule.last_error == UNKNOWN_WHY


@pytest.mark.django_db
def test_a_dry_run_of_an_unknown_operator_is_a_failed_execution(tenant, keyed_client, capture):
    rule = create(keyed_client)
    stored_before_paths_were_checked(rule, conditions=UNKNOWN)
    with capture(execute=True):
        response = keyed_client.post(
            f"{RULES}/{rule.pk}/execute",
            {"automation_rule_id": str(rule.pk), "dry_run": True, "execution_data": {"ticket": {}}},
            format="json",
        )
    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["status"], data["error_message"]) == ("failed", UNKNOWN_WHY)
    assert data["logs"][-1]["message"] == f"The execution stopped: {UNKNOWN_WHY}"
    operator = signed_in(member(tenant=tenant, role="operator"))
    with capture(execute=True):
        page = operator.post(f"/portal/rules/{rule.pk}/execute", {"mode": "dry_run"}, follow=True)
    assert page.status_code == 200
    assert [str(m) for m in page.context["messages"]] == [f"The dry run failed: {UNKNOWN_WHY}"]
    assert [e.status for e in AutomationExecution.objects.all()] == ["failed", "failed"]
    rule.refresh_from_db()
    assert rule.last_error == UNKNOWN_WHY
    assert not Run.objects.filter(run_id="ops-log").exists()


@pytest.mark.django_db
def test_a_nul_a_template_makes_is_journalled_as_a_replacement_character(keyed_client, capture):
    """Client text is checked by the JSON parser, not again by the journal's schema; what a rule
    renders is made storable where the event is made (before, the schema failed the action)."""
    title = '{{ "\\x00" }} from {{ trigger.who }}'
    rule = create(keyed_client, actions=[append_action(run_id="ops-log", title=title)])
    with capture(execute=True):
        keyed_client.post(
            f"{RULES}/{rule.pk}/execute",
            {"automation_rule_id": str(rule.pk), "execution_data": {"who": "ci"}},
            format="json",
        )
    execution = AutomationExecution.objects.get(rule=rule)
    assert execution.status == ExecutionStatus.COMPLETED, execution.logs
    assert Run.objects.get(run_id="ops-log").events.get().payload["title"] == "\ufffd from ci"


@pytest.mark.django_db
def test_an_execution_whose_task_raises_anything_ends_failed(keyed_client, capture, monkeypatch):
    import automation.executions

    rule = create(keyed_client)

    def crash(*args, **kwargs):
        raise RuntimeError("the evaluator fell over")

    monkeypatch.setattr(automation.executions, "conditions_hold", crash)
    with capture(execute=True):
        keyed_client.post(f"{RULES}/{rule.pk}/execute", {"automation_rule_id": str(rule.pk)}, format="json")
    execution = AutomationExecution.objects.get(rule=rule)
    assert execution.status == ExecutionStatus.FAILED
    assert execution.error_message == "RuntimeError: the evaluator fell over"
    assert "Traceback" in execution.error_stack and "the evaluator fell over" in execution.error_stack
    assert execution.logs[-1]["message"] == "The execution stopped: RuntimeError: the evaluator fell over"


@pytest.mark.django_db
def test_an_execution_whose_row_cannot_be_saved_still_ends_failed(keyed_client, capture, monkeypatch):
    import automation.executions

    rule = create(keyed_client)

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    def unsaveable(execution, status):
        raise ValueError("the row cannot be written")

    monkeypatch.setattr(automation.executions, "conditions_hold", crash)
    monkeypatch.setattr(automation.executions, "_finish", unsaveable)
    with capture(execute=True):
        keyed_client.post(f"{RULES}/{rule.pk}/execute", {"automation_rule_id": str(rule.pk)}, format="json")
    execution = AutomationExecution.objects.get(rule=rule)
    assert (execution.status, execution.error_message) == (ExecutionStatus.FAILED, "RuntimeError: boom")
    assert execution.completed_at is not None


@pytest.mark.django_db
def test_saving_a_broken_rule_clears_its_error(keyed_client):
    rule = create(keyed_client)
    AutomationRule.objects.filter(pk=rule.pk).update(last_error="Path 'a..b' is broken")
    assert keyed_client.put(f"{RULES}/{rule.pk}", {"priority": "high"}, format="json").status_code == 200
    rule.refresh_from_db()
    assert (rule.last_error, rule.last_error_at) == ("", None)


@pytest.mark.django_db
def test_the_portal_and_the_admin_show_why_a_rule_is_broken(tenant, keyed_client, capture):
    rule = event_rule(keyed_client, name="Broken rule")
    stored_before_paths_were_checked(
        rule, trigger_config={"event_type": "error", "event_filters": BROKEN_FILTER}
    )
    with capture(execute=True):
        keyed_client.post("/v1/events", event("agent-run", id="e1", type="error"), format="json")
    viewer = signed_in(member(tenant=tenant, role="viewer"))
    page = viewer.get(f"/portal/rules/{rule.pk}").content.decode()
    assert "This rule could not be evaluated" in page and "list indexes are written in the digits 0-9" in page
    assert "could not be evaluated" in viewer.get("/portal/rules").content.decode()
    admin = member(tenant=tenant, role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    staff = signed_in(admin)
    assert (
        "list indexes are written in the digits 0-9"
        in staff.get(f"/admin/automation/automationrule/{rule.pk}/change/").content.decode()
    )
    listing = staff.get("/admin/automation/automationrule/").content.decode()
    assert "Last error at" in listing


@pytest.mark.django_db
def test_a_viewer_key_reads_the_error_too(tenant, keyed_client):
    rule = create(keyed_client)
    AutomationRule.objects.filter(pk=rule.pk).update(last_error="Path 'a..b' is broken")
    viewer = api_client(tenant=tenant, role="viewer")
    assert viewer.get(f"{RULES}/{rule.pk}").json()["data"]["last_error"] == "Path 'a..b' is broken"


@pytest.mark.django_db
def test_a_portal_dry_run_of_a_broken_rule_says_it_failed(tenant, keyed_client):
    rule = create(keyed_client)
    stored_before_paths_were_checked(rule, conditions=[{"field": "ticket.²", "operator": "exists"}])
    operator = signed_in(member(tenant=tenant, role="operator"))
    response = operator.post(f"/portal/rules/{rule.pk}/execute", {"mode": "dry_run"}, follow=True)
    assert response.status_code == 200
    execution = AutomationExecution.objects.get(rule=rule)
    assert response.redirect_chain[-1][0] == f"/portal/executions/{execution.pk}"
    why = "Path 'ticket.²' has the segment '²': list indexes are written in the digits 0-9"
    assert [str(m) for m in response.context["messages"]] == [f"The dry run failed: {why}"]
    assert execution.status == ExecutionStatus.FAILED
    assert "list indexes are written in the digits 0-9" in response.content.decode()
