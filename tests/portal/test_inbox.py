"""The inbox and deciding from it: one code path with the API (approval_resolve, via "portal")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.models import Approval, ApprovalStatus, DecidedVia
from governance.models import AutomationPolicy
from runs.models import Run
from tests.factories import TenantFactory, member
from tests.portal.helpers import ask, signed_in


def decide(client, approval, decision="approved", reason="", next_url=None):
    data = {"decision": decision, "reason": reason}
    if next_url:
        data["next"] = next_url
    return client.post(f"/portal/approvals/{approval.pk}/decide", data, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_signed_out_people_are_sent_to_the_login_page(client):
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login?next=/portal/"
    assert client.get("/").headers["Location"] == "/portal/"


@pytest.mark.django_db
def test_sign_in_with_the_login_form_lands_in_the_inbox(client, tenant):
    user = member(tenant=tenant, role="viewer")
    page = client.get("/portal/login")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post("/portal/login", {"username": user.username, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    from django.test import Client

    wrong = Client().post("/portal/login", {"username": user.username, "password": "nope"})
    assert b"didn't match" in wrong.content


@pytest.mark.django_db
def test_the_inbox_lists_pending_requests_riskiest_first_with_the_badge(tenant, operator):
    low = ask(tenant, "run_a", risk="low", title="Low one")
    critical = ask(tenant, "run_b", risk="critical", title="Critical one")
    medium = ask(tenant, "run_c", risk="medium", title="Medium one")
    response = signed_in(operator).get("/portal/")
    assert response.status_code == 200
    assert [a.pk for a in response.context["page_obj"]] == [critical.pk, medium.pk, low.pk]
    assert response.context["inbox_count"] == 3
    html = response.content.decode()
    assert 'id="inbox-count" aria-label="3 pending">3<' in html
    assert html.index("Critical one") < html.index("Medium one") < html.index("Low one")


@pytest.mark.django_db
def test_the_inbox_is_empty_with_advice_and_shows_only_the_current_tenant(tenant, operator):
    ask(TenantFactory(), "run_elsewhere", title="Someone else's")
    response = signed_in(operator).get("/portal/")
    assert list(response.context["page_obj"]) == []
    assert "Nothing is waiting for a decision" in response.content.decode()
    assert "Someone else" not in response.content.decode()


@pytest.mark.django_db
def test_filters_by_kind_risk_run_and_expiry(tenant, operator):
    soon = ask(tenant, "run_a", risk="high", expires_at=timezone.now() + timedelta(minutes=10))
    later = ask(tenant, "run_b", risk="low", expires_at=timezone.now() + timedelta(days=1))
    client = signed_in(operator)

    def listed(query):
        return [a.pk for a in client.get(f"/portal/?{query}").context["page_obj"]]

    assert listed("risk=low") == [later.pk]
    assert listed("run=run_a") == [soon.pk]
    assert listed("expiring=1") == [soon.pk]
    assert listed("kind=agent") == [soon.pk, later.pk]
    assert listed("kind=launch") == []
    assert listed("risk=bogus") == [soon.pk, later.pk]  # an unknown choice is ignored, not an error
    empty = client.get("/portal/?kind=launch")
    assert "No pending approval matches these filters" in empty.content.decode()


@pytest.mark.django_db
def test_assigned_to_my_teams_means_workflows_in_my_teams_categories(tenant):
    from runs.models import Workflow
    from tests.factories import TeamFactory

    team = TeamFactory(tenant=tenant, workflow_categories=["payments"])
    user = member(tenant=tenant, role="operator", team=team)
    mine = ask(tenant, "run_pay")
    Run.objects.filter(pk=mine.run_id).update(
        workflow=Workflow.objects.create(tenant=tenant, name="Pay", category="payments", graph={})
    )
    ask(tenant, "run_other")
    listed = signed_in(user).get("/portal/?mine=1").context["page_obj"]
    assert [a.pk for a in listed] == [mine.pk]
    # A team limited to categories sees only its own workflows' requests, filter or not.
    assert [a.pk for a in signed_in(user).get("/portal/").context["page_obj"]] == [mine.pk]


@pytest.mark.django_db
def test_the_partial_returns_the_list_alone_for_the_poll(tenant, operator):
    ask(tenant, "run_a", title="Fresh request")
    response = signed_in(operator).get("/portal/inbox/items")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Fresh request" in html and "<html" not in html
    assert 'data-count="1"' in html


@pytest.mark.django_db
def test_an_operator_approves_with_a_reason_and_the_api_sees_it(tenant, operator):
    approval = ask(tenant, "run_1", risk="high")
    response = decide(signed_in(operator), approval, reason="Checked the invoice")
    assert response.status_code == 200
    assert page_messages(response) == ["Approved: Approval required."]
    approval.refresh_from_db()
    assert (approval.status, approval.resolved_by, approval.decided_via, approval.decision_reason) == (
        ApprovalStatus.APPROVED,
        operator.username,
        DecidedVia.PORTAL,
        "Checked the invoice",
    )
    assert Run.objects.get(tenant=tenant, run_id="run_1").status == "approved"
    assert "Read-only" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("risk", "decision", "needed"),
    [
        ("low", "rejected", "Give a reason to reject."),
        ("high", "approved", "Give a reason to approve a high-risk request."),
        ("critical", "approved", "Give a reason to approve a critical-risk request."),
    ],
)
def test_a_reason_is_required_to_reject_and_to_approve_high_risk(tenant, operator, risk, decision, needed):
    approval = ask(tenant, risk=risk)
    response = decide(signed_in(operator), approval, decision, reason="   ")
    assert page_messages(response) == [f"{needed} Nothing was decided."]
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


@pytest.mark.django_db
def test_a_low_risk_request_is_approved_without_a_reason(tenant, operator):
    approval = ask(tenant, risk="low")
    decide(signed_in(operator), approval)
    approval.refresh_from_db()
    assert (approval.status, approval.decision_reason) == (ApprovalStatus.APPROVED, "")


@pytest.mark.django_db
def test_a_viewer_sees_the_request_but_no_buttons_and_cannot_post(tenant, viewer):
    approval = ask(tenant)
    client = signed_in(viewer)
    html = client.get("/portal/").content.decode()
    assert "Approval required" in html
    assert 'value="approved"' not in html and "your role cannot decide it" in html
    response = client.post(f"/portal/approvals/{approval.pk}/decide", {"decision": "approved", "reason": "x"})
    assert response.status_code == 403
    assert "approvals:resolve" in response.content.decode()
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


@pytest.mark.django_db
def test_the_requester_cannot_decide_their_own_request(tenant, operator):
    approval = ask(tenant, requested_by=operator.username)
    client = signed_in(operator)
    html = client.get(f"/portal/approvals/{approval.pk}").content.decode()
    assert 'value="approved"' not in html and "You asked for this approval" in html
    response = decide(client, approval, reason="It's fine, trust me")
    assert page_messages(response)[0].startswith("You asked for this approval")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


@pytest.mark.django_db
def test_the_requester_may_decide_when_the_policy_allows_self_approval(tenant, operator):
    AutomationPolicy.objects.create(tenant=tenant, allow_self_approval=True)
    approval = ask(tenant, requested_by=operator.username)
    decide(signed_in(operator), approval, reason="Allowed here")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED


@pytest.mark.django_db
def test_the_second_decision_says_already_decided_and_changes_nothing(tenant, operator):
    approval = ask(tenant)
    other = member(tenant=tenant, role="operator")
    decide(signed_in(other), approval, "rejected", reason="Too risky")
    response = decide(signed_in(operator), approval, reason="Looks fine", next_url="/portal/")
    assert response.redirect_chain[-1][0] == "/portal/"
    assert page_messages(response) == [f"Already decided: rejected by {other.username}. Nothing was changed."]
    approval.refresh_from_db()
    assert (approval.status, approval.resolved_by) == (ApprovalStatus.REJECTED, other.username)
    assert Approval.objects.get(pk=approval.pk).resolution_event is not None


@pytest.mark.django_db
def test_an_overdue_request_is_expired_instead_of_decided(tenant, operator):
    approval = ask(tenant, expires_at=timezone.now() + timedelta(seconds=1))
    Approval.objects.filter(pk=approval.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = decide(signed_in(operator), approval, reason="Too late?")
    assert "expired before it was decided" in page_messages(response)[0]
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXPIRED


@pytest.mark.django_db
def test_another_tenants_approval_is_a_404_and_a_foreign_next_is_ignored(tenant, operator):
    foreign = ask(TenantFactory(), "run_x")
    client = signed_in(operator)
    assert client.get(f"/portal/approvals/{foreign.pk}").status_code == 404
    assert client.post(f"/portal/approvals/{foreign.pk}/decide", {"decision": "approved"}).status_code == 404
    mine = ask(tenant, "run_y", risk="low")
    response = client.post(
        f"/portal/approvals/{mine.pk}/decide", {"decision": "approved", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/portal/approvals/{mine.pk}"


@pytest.mark.django_db
def test_decisions_need_csrf(tenant, operator):
    from django.test import Client

    approval = ask(tenant, risk="low")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(f"/portal/approvals/{approval.pk}/decide", {"decision": "approved"})
    assert response.status_code == 403
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


@pytest.mark.django_db
def test_the_item_page_shows_the_recent_journal_and_payload(tenant, operator):
    approval = ask(tenant, "run_1", title="Wire 5000 EUR")
    html = signed_in(operator).get(f"/portal/approvals/{approval.pk}").content.decode()
    assert "Wire 5000 EUR" in html and "Recent journal of run run_1" in html
    assert "approval_requested" in html and "&quot;requires_approval&quot;: true" in html


@pytest.mark.django_db
def test_sign_in_attempts_are_limited_per_address(client, tenant, settings):
    settings.OPSGATE_LOGIN_RATE = "3/min"
    user = member(tenant=tenant, role="viewer")
    for _ in range(3):
        assert (
            client.post("/portal/login", {"username": user.username, "password": "wrong"}).status_code == 200
        )
    blocked = client.post("/portal/login", {"username": user.username, "password": "correct-horse-battery"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert "Too many sign-in attempts from here" in blocked.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is refused until then
