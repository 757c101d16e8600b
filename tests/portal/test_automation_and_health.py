"""Rule pages (Dry run, Run now, executions) and the admins' health page."""

import pytest

from automation.models import AutomationExecution, ExecutionStatus
from automation.rule_validation import rule_validate
from automation.services import rule_create
from runs.models import Run
from tests.automation.conftest import append_action, rule_body
from tests.factories import TenantFactory, member
from tests.portal.helpers import signed_in


def make_rule(tenant, **fields):
    validated, problems = rule_validate(rule_body(**fields))
    assert problems == []
    return rule_create(tenant=tenant, fields=validated)[0]


@pytest.mark.django_db
def test_the_rule_list_and_page_show_trigger_conditions_and_actions(tenant, viewer):
    rule = make_rule(
        tenant,
        name="Page the on-call",
        conditions=[{"field": "ticket.priority", "operator": "equals", "value": "high"}],
    )
    client = signed_in(viewer)
    listing = client.get("/portal/rules").content.decode()
    assert "Page the on-call" in listing and f"/portal/rules/{rule.pk}" in listing
    html = client.get(f"/portal/rules/{rule.pk}").content.decode()
    assert "ticket.priority" in html and "append_event" in html and "Manual" in html
    assert "has not run yet" in html
    assert "automation:execute" in html and 'value="dry_run"' not in html  # a viewer cannot execute


@pytest.mark.django_db
def test_no_rules_yet_says_how_to_make_one(viewer):
    assert "No automation rules yet" in signed_in(viewer).get("/portal/rules").content.decode()


@pytest.mark.django_db
def test_a_dry_run_shows_what_would_happen_and_writes_nothing_else(tenant, operator):
    rule = make_rule(tenant, actions=[append_action(run_id="ops-log", title="Deployed")])
    response = signed_in(operator).post(
        f"/portal/rules/{rule.pk}/execute",
        {"mode": "dry_run", "trigger_data": '{"ticket": {"id": 7}}'},
        follow=True,
    )
    html = response.content.decode()
    execution = AutomationExecution.objects.get(rule=rule)
    assert response.redirect_chain[-1][0] == f"/portal/executions/{execution.pk}"
    assert [str(m) for m in response.context["messages"]] == [
        "Dry run: this is what a real execution would do. Nothing was executed."
    ]
    assert "Dry run: nothing is executed" in html and "ops-log" in html
    assert execution.execution_context["dry_run"] is True and execution.trigger_data == {"ticket": {"id": 7}}
    assert not Run.objects.filter(tenant=tenant, run_id="ops-log").exists()


@pytest.mark.django_db
def test_run_now_executes_the_rule(tenant, operator, django_capture_on_commit_callbacks):
    rule = make_rule(tenant, actions=[append_action(run_id="ops-log", title="Deployed")])
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(operator).post(f"/portal/rules/{rule.pk}/execute", {"mode": "run"})
    execution = AutomationExecution.objects.get(rule=rule)
    assert execution.status == ExecutionStatus.COMPLETED
    assert Run.objects.get(tenant=tenant, run_id="ops-log").events.get().payload["title"] == "Deployed"
    html = signed_in(operator).get(f"/portal/rules/{rule.pk}").content.decode()
    assert f"/portal/executions/{execution.pk}" in html and "manual" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "Trigger data is not valid JSON: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "Trigger data must be a JSON object"),
    ],
)
def test_bad_trigger_data_is_explained_and_nothing_runs(tenant, operator, raw, message):
    rule = make_rule(tenant)
    response = signed_in(operator).post(
        f"/portal/rules/{rule.pk}/execute", {"mode": "run", "trigger_data": raw}, follow=True
    )
    (shown,) = [str(m) for m in response.context["messages"]]
    assert shown.startswith(message)
    assert not AutomationExecution.objects.exists()


@pytest.mark.django_db
def test_an_inactive_rule_cannot_run_now(tenant, operator):
    rule = make_rule(tenant, status="inactive")
    response = signed_in(operator).post(f"/portal/rules/{rule.pk}/execute", {"mode": "run"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Not executed: Automation rule is not active."]
    assert not AutomationExecution.objects.exists()


@pytest.mark.django_db
def test_executing_needs_the_scope_and_the_tenant(tenant, viewer, operator):
    rule = make_rule(tenant)
    assert signed_in(viewer).post(f"/portal/rules/{rule.pk}/execute", {"mode": "dry_run"}).status_code == 403
    foreign = make_rule(TenantFactory())
    client = signed_in(operator)
    assert client.get(f"/portal/rules/{foreign.pk}").status_code == 404
    assert client.post(f"/portal/rules/{foreign.pk}/execute", {"mode": "dry_run"}).status_code == 404
    assert not AutomationExecution.objects.exists()


@pytest.mark.django_db
def test_the_health_page_is_for_admins(tenant, operator):
    admin = member(tenant=tenant, role="admin")
    response = signed_in(admin).get("/portal/health")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Worker" in html and "Queue length" in html and "connected" in html
    assert "No failed runs." in html and "worker task failures" not in html  # not a superuser
    assert 'href="/portal/health"' in html
    denied = signed_in(operator).get("/portal/health")
    assert denied.status_code == 403 and "tenant:admin" in denied.content.decode()
    assert 'href="/portal/health"' not in signed_in(operator).get("/portal/").content.decode()


@pytest.mark.django_db
def test_a_draft_rule_can_be_dry_run_but_not_run(tenant, operator):
    rule = make_rule(tenant, status="draft")
    client = signed_in(operator)
    assert "Run now needs an active rule" in client.get(f"/portal/rules/{rule.pk}").content.decode()
    dry = client.post(f"/portal/rules/{rule.pk}/execute", {"mode": "dry_run"}, follow=True)
    assert "Dry run: nothing is executed" in dry.content.decode()
    real = client.post(f"/portal/rules/{rule.pk}/execute", {"mode": "run"}, follow=True)
    assert [str(m) for m in real.context["messages"]] == ["Not executed: Automation rule is not active."]
    assert [e.execution_context["dry_run"] for e in AutomationExecution.objects.all()] == [True]


@pytest.mark.django_db
def test_deeply_nested_trigger_data_is_refused_not_a_crash(tenant, operator):
    rule = make_rule(tenant)
    nested = "[" * 20000 + "]" * 20000
    response = signed_in(operator).post(
        f"/portal/rules/{rule.pk}/execute",
        {"mode": "dry_run", "trigger_data": '{"a": ' + nested + "}"},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Trigger data is nested too deeply."]


@pytest.mark.django_db
def test_the_demo_rule_runs_from_the_portal_with_no_trigger_data(
    operator, django_capture_on_commit_callbacks
):
    from automation.models import AutomationRule
    from ops.demo import DEMO_RULE, demo_load

    demo_load()
    rule = AutomationRule.objects.get(name=DEMO_RULE)
    user = member(tenant=rule.tenant, role="operator")
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(user).post(f"/portal/rules/{rule.pk}/execute", {"mode": "run"})
    execution = AutomationExecution.objects.get(rule=rule)
    assert execution.status == ExecutionStatus.COMPLETED, execution.error_message
    log = Run.objects.get(tenant=rule.tenant, run_id="demo-ops-log").events.get()
    assert log.payload["title"] == "Deploy of a service noted"


@pytest.mark.django_db
def test_the_health_page_lists_the_tenants_recent_failures(tenant):
    from datetime import timedelta

    from django.utils import timezone

    from runs.models import RunKind

    admin = member(tenant=tenant, role="admin")
    Run.objects.create(
        tenant=tenant,
        run_id="wf_broken",
        kind=RunKind.WORKFLOW,
        state="failed",
        error="HTTP 500 from the API",
    )
    Run.objects.create(
        tenant=TenantFactory(), run_id="elsewhere_broken", kind=RunKind.WORKFLOW, state="failed", error="x"
    )
    rule = make_rule(tenant, name="Nightly export")
    AutomationExecution.objects.create(
        tenant=tenant,
        rule=rule,
        status=ExecutionStatus.FAILED,
        started_at=timezone.now() - timedelta(minutes=1),
        error_message="SMTP refused",
    )
    html = signed_in(admin).get("/portal/health").content.decode()
    assert "wf_broken" in html and "HTTP 500 from the API" in html
    assert "Nightly export" in html and "SMTP refused" in html
    assert "elsewhere_broken" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["dry_run", "run"])
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('{"x": "a\\u0000b"}', "x: text must not contain NUL characters"),
        ('{"x": ["ok", "\\ud800"]}', "x.1: text must be valid Unicode"),
        ('{"\\u0000": 1}', "\\x00 (key): text must not contain NUL characters"),
    ],
)
def test_trigger_data_the_database_cannot_store_is_explained_and_nothing_runs(
    tenant, operator, mode, raw, problem
):
    """JSON escapes reach no middleware: the form field holds ``\\u0000``, its JSON a NUL (a 500 on
    PostgreSQL when the execution was saved)."""
    rule = make_rule(tenant)
    response = signed_in(operator).post(
        f"/portal/rules/{rule.pk}/execute", {"mode": mode, "trigger_data": raw}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/portal/rules/{rule.pk}"
    assert [str(m) for m in response.context["messages"]] == [f"Trigger data cannot be stored: {problem}."]
    assert not AutomationExecution.objects.exists()
