"""The runs list and a run's page; cancelling from the portal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import ApprovalStatus
from runs.engine.launch import run_start
from runs.models import Run, RunKind, RunState, Step, StepState
from tests.factories import TenantFactory, member
from tests.portal.helpers import ask, note, signed_in
from tests.runs.engine.graphs import linear, node, transform


@pytest.mark.django_db
def test_the_runs_list_filters_by_status_kind_and_run_id(tenant, viewer):
    now = timezone.now()
    note(tenant, "agent_run_1", at=now - timedelta(minutes=3))
    note(tenant, "agent_run_2", at=now - timedelta(minutes=2))
    ask(tenant, "paused_run")
    note(TenantFactory(), "foreign_run", at=now)
    client = signed_in(viewer)

    def listed(query=""):
        return sorted(r.run_id for r in client.get(f"/portal/runs?{query}").context["page_obj"])

    assert listed() == ["agent_run_1", "agent_run_2", "paused_run"]
    assert listed("q=agent_run") == ["agent_run_1", "agent_run_2"]
    assert listed("status=running") == ["agent_run_1", "agent_run_2", "paused_run"]
    assert listed("status=succeeded") == []
    assert listed("kind=workflow") == []
    assert listed("kind=external&q=paused") == ["paused_run"]
    html = client.get("/portal/runs?status=failed").content.decode()
    assert "No run matches these filters" in html


@pytest.mark.django_db
def test_an_empty_tenant_says_how_to_start_a_run(viewer):
    html = signed_in(viewer).get("/portal/runs").content.decode()
    assert "No runs yet" in html and "POST /v1/runs" in html


@pytest.mark.django_db
def test_the_run_page_shows_timeline_verdict_approvals_and_who_decided(tenant, operator):
    approval = ask(tenant, "run_1", title="Wire the money")
    other = member(tenant=tenant, role="operator")
    signed_in(other).post(f"/portal/approvals/{approval.pk}/decide", {"decision": "approved", "reason": "ok"})
    response = signed_in(operator).get("/portal/runs/run_1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Intact" in html and "2 events, hash chain and projection verified" in html
    assert "Wire the money" in html and f"{other.username}" in html and "via Portal" in html
    assert html.index("approval_requested") < html.index("approval_resolved")  # newest last


@pytest.mark.django_db
def test_integrity_warnings_are_marked_on_the_timeline(tenant, viewer):
    now = timezone.now()
    note(tenant, "run_1", at=now, title="Later event")
    note(tenant, "run_1", at=now - timedelta(minutes=5), title="Late arrival")
    html = signed_in(viewer).get("/portal/runs/run_1").content.decode()
    assert html.count('class="warning"') == 1 and "integrity warning" in html


@pytest.mark.django_db
def test_a_workflow_run_shows_steps_with_states_and_durations(
    tenant, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        launch = run_start(
            tenant=tenant, user=operator, graph=linear(transform("t1", "done")), workflow=None, input={}
        )
    run = Run.objects.get(pk=launch.run.pk)
    assert run.state == RunState.SUCCEEDED
    html = signed_in(operator).get(f"/portal/runs/{run.run_id}").content.decode()
    for step in Step.objects.filter(run=run):
        assert step.node_id in html
    assert "succeeded" in html and " ms</td>" in html


@pytest.mark.django_db
def test_another_tenants_run_is_a_404(operator):
    note(TenantFactory(), "foreign_run", at=timezone.now())
    assert signed_in(operator).get("/portal/runs/foreign_run").status_code == 404


@pytest.mark.django_db
def test_an_operator_cancels_a_paused_run_and_its_approval_is_withdrawn(tenant, operator):
    approval = ask(tenant, "run_1")
    client = signed_in(operator)
    assert "Cancel run" in client.get("/portal/runs/run_1").content.decode()
    response = client.post("/portal/run-cancel/run_1", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Run run_1 cancelled."]
    run = Run.objects.get(tenant=tenant, run_id="run_1")
    assert run.status == "stopped"
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.CANCELLED
    assert run.events.order_by("-seq").first().payload["details"] == f"Cancelled by {operator.username}"
    again = client.post("/portal/run-cancel/run_1", follow=True)
    assert [str(m) for m in again.context["messages"]] == ["Not cancelled: The run has already ended."]


@pytest.mark.django_db
def test_cancelling_a_waiting_workflow_run_skips_its_steps(
    tenant, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        launch = run_start(
            tenant=tenant, user=operator, graph=linear(node("ask", "approval")), workflow=None, input={}
        )
    run = Run.objects.get(pk=launch.run.pk)
    assert run.state == RunState.WAITING
    signed_in(operator).post(f"/portal/run-cancel/{run.run_id}")
    run.refresh_from_db()
    assert (run.state, run.error) == (RunState.CANCELLED, f"Cancelled by {operator.username}")
    assert not Step.objects.filter(run=run, state__in=[StepState.WAITING, StepState.RUNNING]).exists()
    assert run.approvals.get().status == ApprovalStatus.CANCELLED


@pytest.mark.django_db
def test_a_viewer_has_no_cancel_button_and_cannot_cancel(tenant, viewer):
    ask(tenant, "run_1")
    client = signed_in(viewer)
    assert "Cancel run" not in client.get("/portal/runs/run_1").content.decode()
    assert client.post("/portal/run-cancel/run_1").status_code == 403
    assert Run.objects.get(tenant=tenant, run_id="run_1").status == "paused"
    assert Run.objects.get(tenant=tenant, run_id="run_1").kind == RunKind.EXTERNAL


@pytest.mark.django_db
def test_a_tampered_journal_reads_broken_on_the_run_page(tenant, viewer):
    import json

    from django.db import connection

    from runs.journal import triggers
    from runs.models import RunEvent

    now = timezone.now()
    note(tenant, "run_1", at=now - timedelta(minutes=2), title="First")
    note(tenant, "run_1", at=now - timedelta(minutes=1), title="Second")
    first = RunEvent.objects.get(run__run_id="run_1", seq=1)
    altered = {**first.payload, "title": "Rewritten afterwards"}
    with triggers.disabled(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE runs_runevent SET payload = %s WHERE id = %s", [json.dumps(altered), first.pk])
    html = signed_in(viewer).get("/portal/runs/run_1").content.decode()
    assert (
        "Broken" in html and "at event 1" in html and "hash does not match the event&#x27;s content" in html
    )
