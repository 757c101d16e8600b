"""The inbox shows what a decision is about: the request's own fields as key/value lines (the demo
payout's amount), reason and details when they differ, the raw event one click away, every value
escaped; the countdown's amber and red thresholds; the runs list's cells labelled for a phone."""

import html as html_lib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from approvals.models import Approval
from approvals.selectors import expiry_urgency
from runs.journal.append import journal_append
from runs.journal.event_schema import event_parse, event_payload, utc_z
from runs.models import Run
from tenancy.models import Role
from tests.factories import member
from tests.portal.helpers import ask, signed_in
from tests.runs.journal_helpers import approval_request

pytestmark = pytest.mark.django_db

RAW_EVENT_OPEN = '<details class="raw-event"><summary>Raw event</summary>'


def payload_section(page: str, approval: Approval) -> str:
    match = re.search(
        rf'<section class="payload" aria-labelledby="payload-{approval.pk}">(.*?)</section>', page, re.S
    )
    assert match, f"no payload section for approval {approval.pk}"
    return match.group(1)


def without_raw_event(section: str) -> str:
    before, _, after = section.partition(RAW_EVENT_OPEN)
    return before + after.partition("</details>")[2]


def raw_event(section: str) -> str:
    assert RAW_EVENT_OPEN in section, "the raw event is not behind its disclosure"
    return section.partition(RAW_EVENT_OPEN)[2].partition("</details>")[0]


def text(fragment: str) -> str:
    """What a person reads: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def item(page: str, approval: Approval) -> str:
    match = re.search(
        rf'<li class="item [^"]*" data-approval="{approval.pk}".*?</li>\s*(?=<li|</ul>)', page, re.S
    )
    assert match, f"approval {approval.pk} is not listed"
    return match.group(0)


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    """The demo as ``manage.py demo`` loads it (the worker's tasks run inline once it commits)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", stdout=StringIO(), stderr=StringIO())
    return signed_in(get_user_model().objects.get(username="operator"))


def test_the_demo_payout_shows_its_amount_in_the_payload_section(demo):
    payout = Approval.objects.get(run__workflow__name="Demo: approve a payout", status="pending")
    for url in ("/portal/", f"/portal/approvals/{payout.pk}"):
        response = demo.get(url)
        assert response.status_code == 200
        section = payload_section(response.content.decode(), payout)
        fields = without_raw_event(section)
        assert "<dt>amount:</dt> <dd>250</dd>" in fields, url
        assert "Input of the run amount: 250 order: A-1001" in text(fields), url
        assert "Sent with the request step: approval-1 workflow: Demo: approve a payout" in text(fields)
        # The envelope is no longer the payload: it waits behind a disclosure.
        assert "requires_approval" not in fields and "run_id" not in fields
        assert "&quot;requires_approval&quot;: true" in raw_event(section)
        assert "&quot;amount&quot;" not in raw_event(section)  # the amount is the run's, not the event's


def test_a_reason_the_same_as_the_details_is_said_once(demo):
    payout = Approval.objects.get(run__workflow__name="Demo: approve a payout", status="pending")
    assert (payout.reason, payout.details) == ("Payouts need a person", "Payouts need a person")
    listed = item(demo.get("/portal/").content.decode(), payout)
    shown = without_raw_event(listed)
    assert text(shown).count("Payouts need a person") == 1
    assert '<p class="why">Payouts need a person</p>' in shown and "<dt>Details</dt>" not in shown


def test_reason_and_details_both_show_when_they_differ(demo):
    restart = Approval.objects.get(run__run_id="demo-agent-restart", status="pending")
    expected = (
        "<dt>Reason</dt><dd>Clears the lag</dd>\n"
        "  <dt>Details</dt><dd>Restarting drops read traffic to the primary for about a minute.</dd>"
    )
    for url in ("/portal/", f"/portal/approvals/{restart.pk}"):
        page = demo.get(url).content.decode()
        assert expected in page, url
    fields = text(without_raw_event(payload_section(page, restart)))
    assert "Sent with the request step: check workflow: db-maintenance" in fields
    assert "Input of the run" not in fields  # an agent's run has no input


def hostile_request(tenant) -> Approval:
    """An agent's request whose every free-text value is markup, with nested run input."""
    body = approval_request(
        "run_hostile",
        id="evt_hostile",
        at=utc_z(timezone.now() - timedelta(seconds=5)),
        title="<script>alert('title')</script>",
        details="<script>alert('details')</script>",
        confidence=0.8,
        evidence=[{"kind": "log", "label": "<script>alert('label')</script>", "ref": "s3://logs/1"}],
        approval={"status": "pending", "requested_by": "agent", "reason": "<b>bold reason</b>"},
    )
    journal_append(tenant=tenant, payloads=[event_payload(event_parse(body))])
    Run.objects.filter(tenant=tenant, run_id="run_hostile").update(
        input={
            "<script>key</script>": "<script>alert('value')</script>",
            "payee": {"name": "ACME", "bank": {"iban": "DE00 1234", "address": {"city": "Berlin"}}},
            "lines": [{"sku": "A-1", "qty": 2}],
            "tags": ["urgent", "eu"],
            "note": None,
            "approved_before": True,
            "memo": "",
            "call": {"auth": {"headers": {"Authorization": "Bearer ••••"}}},  # as the engine masks
        }
    )
    return Approval.objects.get(tenant=tenant, event_id="evt_hostile")


def test_every_value_is_escaped_and_nested_values_read_as_indented_fields(tenant, operator):
    approval = hostile_request(tenant)
    for url in ("/portal/", f"/portal/approvals/{approval.pk}"):
        page = signed_in(operator).get(url).content.decode()
        assert "<script>alert" not in page and "<script>key" not in page and "<b>bold" not in page, url
        section = payload_section(page, approval)
        fields = without_raw_event(section)
        assert (
            "<dt>&lt;script&gt;key&lt;/script&gt;:</dt> <dd>&lt;script&gt;alert(&#x27;value&#x27;)" in fields
        )
        assert "&lt;b&gt;bold reason&lt;/b&gt;" in page
        read = text(fields)
        # Nested objects are indented field lists, three levels deep; deeper ones are compact JSON.
        assert 'payee: bank: address: {"city": "Berlin"} iban: DE00 1234 name: ACME' in read
        assert "<code>{&quot;city&quot;: &quot;Berlin&quot;}</code>" in fields
        assert "lines: #1: qty: 2 sku: A-1" in read
        assert 'tags: ["urgent", "eu"]' in read
        assert "note: null" in read and "approved_before: true" in read and 'memo: ""' in read
        # A masked secret stays the mask, even inside compact JSON (no \u2022 escapes).
        assert 'call: auth: headers: {"Authorization": "Bearer ••••"}' in read and "\\u2022" not in page
        assert (
            "Sent with the request confidence: 0.8 evidence: #1: kind: log "
            "label: <script>alert('label')</script> ref: s3://logs/1" in read
        )
        assert "&lt;script&gt;alert(&#x27;label&#x27;)" in raw_event(section)


def test_the_run_input_stays_hidden_from_a_role_that_cannot_read_runs(tenant):
    Role.objects.create(name="approvals-reader", scopes=["approvals:read"])
    reader = member(tenant=tenant, role="approvals-reader")
    approval = ask(tenant, "run_pay")
    Run.objects.filter(pk=approval.run_id).update(input={"amount": 250})
    page = signed_in(reader).get(f"/portal/approvals/{approval.pk}").content.decode()
    fields = without_raw_event(payload_section(page, approval))
    assert "amount" not in page
    assert "The run's input is not shown: your role cannot read runs." in fields


def test_a_request_with_nothing_beyond_its_title_says_so(tenant, operator):
    body = approval_request(
        "run_bare", id="evt_bare", at=utc_z(timezone.now()), meta=None, approval={"status": "pending"}
    )
    journal_append(tenant=tenant, payloads=[event_payload(event_parse(body))])
    approval = Approval.objects.get(tenant=tenant, event_id="evt_bare")
    section = payload_section(signed_in(operator).get("/portal/").content.decode(), approval)
    assert "Nothing beyond the title and reason above." in section
    assert "&quot;run_bare&quot;" in raw_event(section)


@pytest.mark.parametrize(
    ("left", "level", "flag"),
    [
        (timedelta(hours=3), "", ""),
        (timedelta(hours=1), "", ""),
        (timedelta(minutes=59, seconds=59), "amber", "Soon"),
        (timedelta(minutes=10), "amber", "Soon"),
        (timedelta(minutes=9, seconds=59), "red", "Urgent"),
        (timedelta(seconds=1), "red", "Urgent"),
        (timedelta(0), "expired", "Expired"),
    ],
)
def test_the_countdown_is_amber_under_an_hour_and_red_under_ten_minutes(left, level, flag):
    now = timezone.now()
    urgency = expiry_urgency(expires_at=now + left, now=now)
    assert (urgency.level, urgency.flag) == (level, flag)
    assert expiry_urgency(expires_at=None, now=now).level == ""


def countdown(page: str, approval: Approval) -> str:
    match = re.search(r'<span class="countdown[^"]*"[^>]*>.*?</span>', item(page, approval), re.S)
    assert match, "no countdown"
    return match.group(0)


def test_the_inbox_renders_each_countdown_s_urgency_and_the_thresholds_portal_js_uses(tenant, operator):
    now = timezone.now()
    later = ask(tenant, "run_later", expires_at=now + timedelta(hours=3))
    soon = ask(tenant, "run_soon", expires_at=now + timedelta(minutes=30))
    urgent = ask(tenant, "run_urgent", expires_at=now + timedelta(minutes=5))
    page = signed_in(operator).get("/portal/").content.decode()
    for approval, classes, urgency, words in (
        (later, "countdown", "none", "expires"),
        (soon, "countdown countdown-amber", "amber", "Soon: expires"),
        (urgent, "countdown countdown-red", "red", "Urgent: expires"),
    ):
        span = countdown(page, approval)
        assert span.startswith(f'<span class="{classes}" '), span
        assert f'data-urgency="{urgency}"' in span
        assert 'data-amber-seconds="3600" data-red-seconds="600"' in span
        assert text(span).startswith(f"{words} 20"), span  # then the UTC time portal.js localises


def test_the_runs_list_labels_every_cell_for_the_phone_layout(tenant, operator):
    ask(tenant, "run_listed")
    page = signed_in(operator).get("/portal/runs").content.decode()
    assert '<table class="stack-table" role="table">' in page
    row = re.search(r'<tbody role="rowgroup">\s*<tr role="row">(.*?)</tr>', page, re.S).group(1)
    labels = re.findall(r'<td role="cell" data-label="([^"]+)"', row)
    assert labels == ["Run", "Status", "Kind", "Workflow", "Started", "Events"]
