"""The operator portal in a real Chromium: deciding, read-only views, races, the live inbox."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from approvals.models import Approval, ApprovalStatus
from tests.browser.conftest import screenshot, sign_in
from tests.factories import api_key_for, member
from tests.runs.journal_helpers import approval_request, event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def agent(tenant):
    """An agent's API key posting journal events, as agents do: over HTTP."""
    raw, _ = api_key_for(member(tenant=tenant, role="executor"), tenant)
    return {"X-API-Key": raw}


def post_events(base_url, headers, *bodies):
    for body in bodies:
        response = httpx.post(f"{base_url}/v1/events", json=body, headers=headers)
        assert response.status_code == 201, response.text


def request_approval(
    base_url, headers, run_id, event_id, *, requested_by="agent-7", risk="high", title="Pay 250"
):
    post_events(
        base_url,
        headers,
        event(run_id, at="2026-11-23T09:00:00Z", title="Prepared the payout"),
        approval_request(
            run_id,
            id=event_id,
            at="2026-11-23T09:01:00Z",
            title=title,
            risk_level=risk,
            approval={"status": "pending", "requested_by": requested_by, "reason": "Over the limit"},
        ),
    )


def test_an_operator_approves_a_request_posted_through_the_api(portal, new_page, tenant, agent):
    operator = member(tenant=tenant, role="operator")
    request_approval(portal, agent, "run_pay", "evt_pay")
    page = new_page(timezone_id="Europe/Berlin")
    sign_in(page, portal, operator.username)
    item = page.locator("li.item", has_text="Pay 250")
    expect(item).to_be_visible()
    expect(page.locator("#inbox-count")).to_have_text("1")
    # Times are shown in the browser's zone; the UTC value stays on hover.
    asked = item.locator("time").first
    expect(asked).to_have_attribute("title", "2026-11-23 09:01:00 UTC")
    expect(asked).not_to_have_text("2026-11-23 09:01:00 UTC")
    screenshot(page, "inbox")
    # A high-risk approval needs a reason: the browser says so before anything is sent.
    item.get_by_role("button", name="Approve").click()
    expect(item.locator(".reason-error")).to_be_visible()
    assert Approval.objects.get(event_id="evt_pay").status == ApprovalStatus.PENDING
    item.get_by_label("Reason (required)").fill("Invoice checked")
    item.get_by_role("button", name="Approve").click()
    expect(page.locator(".msg-success")).to_have_text("Approved: Pay 250.")
    expect(page.locator("#inbox-count")).to_have_text("0")
    expect(page.get_by_text("Nothing is waiting for a decision")).to_be_visible()
    status = httpx.get(f"{portal}/v1/runs/run_pay/status", headers=agent).json()
    assert status["status"] == "approved"
    page.goto(f"{portal}/portal/runs/run_pay")
    expect(page.get_by_text("Intact")).to_be_visible()
    expect(page.locator("section", has_text="Approvals").get_by_text("Invoice checked")).to_be_visible()
    screenshot(page, "run")


def test_a_viewer_sees_the_item_but_no_decision_buttons(portal, new_page, tenant, agent):
    viewer = member(tenant=tenant, role="viewer")
    request_approval(portal, agent, "run_view", "evt_view")
    page = new_page()
    sign_in(page, portal, viewer.username)
    item = page.locator("li.item", has_text="Pay 250")
    expect(item).to_be_visible()
    expect(item.get_by_text("your role cannot decide it")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Reject")).to_have_count(0)


def test_a_requester_cannot_approve_their_own_high_risk_request(portal, new_page, tenant, agent):
    requester = member(tenant=tenant, role="operator")
    request_approval(portal, agent, "run_self", "evt_self", requested_by=requester.username)
    page = new_page()
    sign_in(page, portal, requester.username)
    item = page.locator("li.item", has_text="Pay 250")
    expect(item.get_by_text("You asked for this approval")).to_be_visible()
    expect(item.get_by_role("button", name="Approve")).to_have_count(0)
    assert Approval.objects.get(event_id="evt_self").status == ApprovalStatus.PENDING


def test_two_operators_deciding_the_same_item_one_wins_the_other_is_told(portal, new_page, tenant, agent):
    first, second = member(tenant=tenant, role="operator"), member(tenant=tenant, role="operator")
    request_approval(portal, agent, "run_race", "evt_race", risk="low")
    pages = []
    for operator in (first, second):
        page = new_page()
        sign_in(page, portal, operator.username)
        page.goto(f"{portal}/portal/approvals/{Approval.objects.get(event_id='evt_race').pk}")
        pages.append(page)
    pages[0].get_by_label("Reason (required to reject)").fill("Fine by me")
    pages[1].get_by_label("Reason (required to reject)").fill("Not today")
    pages[0].get_by_role("button", name="Approve").click()
    expect(pages[0].locator(".msg-success")).to_have_text("Approved: Pay 250.")
    pages[1].get_by_role("button", name="Reject").click()
    expect(pages[1].locator(".msg-warning")).to_contain_text("Already decided: approved by")
    approval = Approval.objects.get(event_id="evt_race")
    assert (approval.status, approval.resolved_by) == (ApprovalStatus.APPROVED, first.username)


def test_the_inbox_shows_a_new_request_without_a_reload(portal, new_page, tenant, agent):
    operator = member(tenant=tenant, role="operator")
    page = new_page()
    sign_in(page, portal, operator.username)
    expect(page.get_by_text("Nothing is waiting for a decision")).to_be_visible()
    page.evaluate("window.__notReloaded = true")
    page.mouse.move(5, 5)  # the pointer rests on the header
    request_approval(portal, agent, "run_new", "evt_new", title="Restart the database")
    expect(page.locator("li.item", has_text="Restart the database")).to_be_visible(timeout=8000)
    expect(page.locator("#inbox-count")).to_have_text("1")
    # Under the pointer the list holds still (no button moves under a click); the badge counts on.
    page.locator("li.item", has_text="Restart the database").hover()
    request_approval(portal, agent, "run_next", "evt_next", title="Rotate the keys", risk="low")
    expect(page.locator("#inbox-count")).to_have_text("2", timeout=8000)
    page.wait_for_timeout(1500)  # more than one poll
    expect(page.locator("li.item", has_text="Rotate the keys")).to_have_count(0)
    page.mouse.move(5, 5)
    expect(page.locator("li.item", has_text="Rotate the keys")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True  # the same document: it was not reloaded


def test_the_portal_fits_a_phone_and_shows_keyboard_focus(portal, new_page, tenant, agent):
    operator = member(tenant=tenant, role="operator")
    request_approval(portal, agent, "run_phone", "evt_phone")
    page = new_page(viewport={"width": 360, "height": 740})
    sign_in(page, portal, operator.username)
    for path in ("/portal/", "/portal/runs", "/portal/runs/run_phone", "/portal/rules"):
        page.goto(f"{portal}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            screenshot(page, "overflow")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360px (see overflow.png)"
    page.goto(f"{portal}/portal/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"


def test_a_rule_page_dry_run_shows_what_would_happen(portal, new_page, tenant):
    from automation.rule_validation import rule_validate
    from automation.services import rule_create
    from tests.automation.conftest import append_action, rule_body

    fields, _ = rule_validate(rule_body(name="Log deploys", actions=[append_action(title="Deployed")]))
    rule, _ = rule_create(tenant=tenant, fields=fields)
    operator = member(tenant=tenant, role="operator")
    page = new_page()
    sign_in(page, portal, operator.username)
    page.get_by_role("link", name="Automation").click()
    page.get_by_role("link", name="Log deploys").click()
    expect(page.get_by_role("heading", name="Log deploys")).to_be_visible()
    screenshot(page, "rule")
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator(".msg-info")).to_contain_text("Nothing was executed")
    expect(page.get_by_text("Dry run: nothing is executed")).to_be_visible()
    assert rule.executions.get().execution_context["dry_run"] is True


def test_the_countdown_turns_amber_under_an_hour_and_red_under_ten_minutes(portal, new_page, tenant):
    """The inbox renders each countdown's urgency; on a page left open, portal.js moves it on
    (the approval page does not poll, so the change to red is the script's own)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.portal.helpers import ask

    operator = member(tenant=tenant, role="operator")
    now = timezone.now()
    ask(tenant, "run_later", title="Later one", expires_at=now + timedelta(hours=3))
    ask(tenant, "run_soon", title="Soon one", expires_at=now + timedelta(minutes=30))
    ask(tenant, "run_urgent", title="Urgent one", expires_at=now + timedelta(minutes=5))
    edge = ask(tenant, "run_edge", title="Edge one", expires_at=now + timedelta(minutes=10, seconds=8))
    page = new_page()
    sign_in(page, portal, operator.username)
    later = page.locator("li.item", has_text="Later one").locator(".countdown")
    soon = page.locator("li.item", has_text="Soon one").locator(".countdown")
    urgent = page.locator("li.item", has_text="Urgent one").locator(".countdown")
    expect(later).to_have_text(re.compile(r"^expires in 2h 5\dm$"))
    expect(later).to_have_attribute("data-urgency", "none")
    expect(soon).to_have_text(re.compile(r"^Soon: expires in 2\dm \d+s$"))
    expect(soon).to_have_class("countdown countdown-amber")
    expect(urgent).to_have_text(re.compile(r"^Urgent: expires in 4m \d+s$"))
    expect(urgent).to_have_class("countdown countdown-red")
    colours = [c.evaluate("el => getComputedStyle(el).backgroundColor") for c in (later, soon, urgent)]
    assert len(set(colours)) == 3, colours  # none, amber and red look different too
    screenshot(page, "inbox-countdowns")

    page.goto(f"{portal}/portal/approvals/{edge.pk}")
    countdown = page.locator(".countdown")
    expect(countdown).to_have_class("countdown countdown-amber")
    expect(countdown).to_have_text(re.compile(r"^Soon: expires in 10m \d+s$"))
    expect(countdown).to_have_class("countdown countdown-red", timeout=15_000)
    expect(countdown).to_have_text(re.compile(r"^Urgent: expires in 9m \d+s$"))
    expect(countdown).to_have_attribute("data-urgency", "red")


def test_the_runs_list_stacks_its_columns_on_a_phone(portal, new_page, tenant, agent):
    operator = member(tenant=tenant, role="operator")
    request_approval(portal, agent, "run_phone_list_with_a_rather_long_identifier", "evt_list")
    page = new_page(viewport={"width": 360, "height": 740})
    sign_in(page, portal, operator.username)
    page.goto(f"{portal}/portal/runs")
    wrap = page.locator(".table-wrap")
    hidden = wrap.evaluate("el => el.scrollWidth - el.clientWidth")
    if hidden > 0:
        screenshot(page, "runs-overflow")
    assert hidden <= 0, f"the runs list hides {hidden}px to scroll sideways at 360px (see runs-overflow.png)"
    row = page.locator("tbody tr").first
    for label in ("Run", "Status", "Kind", "Workflow", "Started", "Events"):
        cell = row.locator(f'td[data-label="{label}"]')
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, (label, box)
        shown = cell.evaluate("el => getComputedStyle(el, '::before').content")
        assert shown == f'"{label}"', (label, shown)
    expect(row.locator('td[data-label="Events"]')).to_have_text("2")
    screenshot(page, "runs-phone")

    wide = new_page(viewport={"width": 1024, "height": 740})
    sign_in(wide, portal, operator.username)
    wide.goto(f"{portal}/portal/runs")
    expect(wide.get_by_role("columnheader", name="Events")).to_be_visible()
    assert wide.locator("td").first.evaluate("el => getComputedStyle(el).display") == "table-cell"
    assert wide.locator("td").first.evaluate("el => getComputedStyle(el, '::before').content") == "none"
