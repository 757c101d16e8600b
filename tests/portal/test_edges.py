"""Edges found in review: odd run ids, category limits on every path, lost races around expiry and
decisions, inconsistent runs, scopes narrower than the built-in roles."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import views as approval_views
from approvals.models import Approval, ApprovalStatus
from approvals.services import approval_resolve
from runs.models import Run, Workflow
from tenancy.models import Role
from tests.factories import TeamFactory, member
from tests.portal.helpers import ask, signed_in


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def resolve_as(user, approval, decision="approved"):
    approval_resolve(
        tenant=approval.tenant,
        event_id=approval.event_id,
        decision=decision,
        approver_id=user.username,
        reason="first",
        user=user,
        acting_for_others=False,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("run_id", ["deploy/42", "a b?c#d", "ünïcode-run"])
def test_run_ids_with_odd_characters_work_everywhere(tenant, operator, run_id):
    approval = ask(tenant, run_id, risk="low")
    client = signed_in(operator)
    run_url = reverse("portal:run", args=[run_id])
    for url in ("/portal/", "/portal/inbox/items", f"/portal/approvals/{approval.pk}", "/portal/runs"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert run_url in response.content.decode()
    assert client.get(run_url).context["run"].run_id == run_id
    client.post(reverse("portal:run-cancel", args=[run_id]))
    assert Run.objects.get(tenant=tenant, run_id=run_id).status == "stopped"


@pytest.mark.django_db
def test_a_team_limited_to_categories_gets_404_for_other_runs_on_every_path(tenant):
    limited = member(
        tenant=tenant, role="operator", team=TeamFactory(tenant=tenant, workflow_categories=["ops"])
    )
    approval = ask(tenant, "run_other")  # an agent run: no workflow, so no category
    client = signed_in(limited)
    assert client.get(f"/portal/approvals/{approval.pk}").status_code == 404
    assert (
        client.post(
            f"/portal/approvals/{approval.pk}/decide", {"decision": "approved", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.get("/portal/runs/run_other").status_code == 404
    assert client.post("/portal/run-cancel/run_other").status_code == 404
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert Run.objects.get(run_id="run_other").status == "paused"
    # ... and sees the run once its workflow is in the team's category.
    Run.objects.filter(run_id="run_other").update(
        workflow=Workflow.objects.create(tenant=tenant, name="Ops", category="ops", graph={})
    )
    assert client.get("/portal/runs/run_other").status_code == 200


@pytest.mark.django_db
def test_losing_the_race_after_the_page_checked_reads_already_decided(tenant, operator, monkeypatch):
    approval = ask(tenant, risk="low")
    rival = member(tenant=tenant, role="operator")

    def rival_first(**kwargs):
        resolve_as(rival, approval, "rejected")
        return approval_resolve(**kwargs)

    monkeypatch.setattr(approval_views, "approval_resolve", rival_first)
    response = signed_in(operator).post(
        f"/portal/approvals/{approval.pk}/decide", {"decision": "approved"}, follow=True
    )
    assert messages_of(response) == [f"Already decided: rejected by {rival.username}. Nothing was changed."]
    approval.refresh_from_db()
    assert (approval.status, approval.resolved_by) == (ApprovalStatus.REJECTED, rival.username)


@pytest.mark.django_db
def test_an_overdue_request_decided_meanwhile_reads_already_decided(tenant, operator, monkeypatch):
    approval = ask(tenant, risk="low", expires_at=timezone.now() + timedelta(minutes=5))
    Approval.objects.filter(pk=approval.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    rival = member(tenant=tenant, role="operator")
    real_expire = approval_views.approval_expire

    def decided_first(**kwargs):
        resolve_as(rival, approval)
        return real_expire(**kwargs)

    monkeypatch.setattr(approval_views, "approval_expire", decided_first)
    response = signed_in(operator).post(
        f"/portal/approvals/{approval.pk}/decide", {"decision": "approved"}, follow=True
    )
    assert messages_of(response) == [f"Already decided: approved by {rival.username}. Nothing was changed."]


@pytest.mark.django_db
def test_an_event_id_reused_in_another_run_is_decided_in_its_own_run(tenant, operator):
    mine = ask(tenant, "run_a", event_id="evt_shared", risk="low")
    ask(tenant, "run_b", event_id="evt_shared", risk="low")
    response = signed_in(operator).post(
        f"/portal/approvals/{mine.pk}/decide", {"decision": "approved"}, follow=True
    )
    assert messages_of(response) == ["Approved: Approval required."]
    assert Run.objects.get(run_id="run_a").status == "approved"
    assert Run.objects.get(run_id="run_b").status == "paused"


@pytest.mark.django_db
def test_an_inconsistent_run_is_not_offered_cancel_and_refuses_it(tenant, operator):
    from runs.journal.append import journal_append
    from runs.journal.event_schema import event_parse, event_payload
    from tests.runs.journal_helpers import approval_request

    ask(tenant, "run_1", event_id="evt_1")
    second = approval_request("run_1", id="evt_2", at="2030-01-01T00:00:00Z")  # while evt_1 is open
    journal_append(tenant=tenant, payloads=[event_payload(event_parse(second))])
    run = Run.objects.get(run_id="run_1")
    assert run.inconsistency is not None
    client = signed_in(operator)
    assert "Cancel run" not in client.get("/portal/runs/run_1").content.decode()
    response = client.post("/portal/run-cancel/run_1", follow=True)
    assert messages_of(response)[0].startswith("Not cancelled: The run's journal is inconsistent")
    assert Run.objects.get(pk=run.pk).event_count == run.event_count  # nothing appended


@pytest.mark.django_db
def test_a_rejected_agent_run_is_not_offered_cancel(tenant, operator):
    approval = ask(tenant, "run_1", risk="low")
    resolve_as(member(tenant=tenant, role="operator"), approval, "rejected")
    assert Run.objects.get(run_id="run_1").status in ("rejected", "stopped")
    html = signed_in(operator).get("/portal/runs/run_1").content.decode()
    assert "Cancel run" not in html and "failed" in html


@pytest.mark.django_db
def test_a_role_without_runs_read_sees_requests_but_not_the_runs_journal(tenant):
    Role.objects.create(name="approver-only", scopes=["approvals:read", "approvals:resolve"])
    user = member(tenant=tenant, role="approver-only")
    approval = ask(tenant, "run_1", title="Secret-ish run")
    client = signed_in(user)
    inbox = client.get("/portal/")
    assert [a.pk for a in inbox.context["page_obj"]] == [approval.pk]
    assert "Recent journal (" not in inbox.content.decode()
    assert client.get(f"/portal/approvals/{approval.pk}").context["approval"].recent == []
    assert client.get("/portal/runs").status_code == 403
