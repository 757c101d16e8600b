"""Overdue approvals expire through the same path as decisions, by a scheduled sweep."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from approvals.models import Approval
from approvals.tasks import approvals_expire_overdue
from runs.journal.event_schema import utc_z
from runs.models import RunEvent
from tests.runs.journal_helpers import approval_request

PAST = "2026-02-14T13:00:00Z"


def request_expiring(client, event_id, expires_at, run_id="run_1"):
    body = approval_request(
        run_id, id=event_id, at=PAST, meta={"workflow": "w", "step": "ask", "expires_at": expires_at}
    )
    assert client.post("/v1/events", body, format="json").status_code == 201


@pytest.mark.django_db
def test_the_sweep_expires_an_overdue_approval_and_the_run(keyed_client):
    request_expiring(keyed_client, "evt_old", "2026-02-14T14:00:00Z")
    request_expiring(keyed_client, "evt_later", utc_z(timezone.now() + timedelta(hours=1)), run_id="run_2")
    assert approvals_expire_overdue() == 1
    approval = Approval.objects.get(event_id="evt_old")
    assert (approval.status, approval.decided_via) == ("expired", "timeout")
    assert keyed_client.get("/v1/runs/run_1/status").json() == {
        "run_id": "run_1",
        "status": "expired",
        "pending_approval": None,
    }
    marker = RunEvent.objects.filter(run__run_id="run_1").order_by("seq").last().payload
    assert (marker["meta"]["step"], marker["actor"], marker["title"]) == (
        "approval_expired",
        "system",
        "Approval expired",
    )
    assert Approval.objects.get(event_id="evt_later").status == "pending"
    assert approvals_expire_overdue() == 0  # nothing left to do, nothing done twice


@pytest.mark.django_db
def test_a_decided_approval_is_not_expired(keyed_client):
    request_expiring(keyed_client, "evt_old", "2026-02-14T14:00:00Z")
    keyed_client.post(
        "/v1/approvals/evt_old", {"decision": "approved", "approver_id": "alice"}, format="json"
    )
    assert approvals_expire_overdue() == 0
    assert Approval.objects.get(event_id="evt_old").status == "approved"


@pytest.mark.django_db
def test_an_expired_approval_cannot_be_decided(keyed_client):
    request_expiring(keyed_client, "evt_old", "2026-02-14T14:00:00Z")
    approvals_expire_overdue()
    response = keyed_client.post(
        "/v1/approvals/evt_old", {"decision": "approved", "approver_id": "alice"}, format="json"
    )
    # Expired is not resolved: the origin answers "not the currently pending approval".
    assert (response.status_code, response.json()["error"]["code"]) == (409, "NO_PENDING_APPROVAL")


@pytest.mark.django_db
def test_the_tenant_default_lifetime_applies_without_an_explicit_expiry(keyed_client, settings):
    settings.OPSGATE_APPROVAL_TTL_MINUTES = 30
    keyed_client.post("/v1/events", approval_request(id="evt_ttl", at=PAST), format="json")
    assert Approval.objects.get(event_id="evt_ttl").expires_at == datetime(2026, 2, 14, 13, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_the_sweep_is_scheduled_every_minute():
    schedule = Schedule.objects.get(func="approvals.tasks.approvals_expire_overdue")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 1, -1)


@pytest.mark.django_db
def test_an_inconsistent_run_does_not_clog_the_sweep(keyed_client, monkeypatch):
    monkeypatch.setattr("approvals.tasks.BATCH", 1)
    request_expiring(keyed_client, "evt_broken", "2026-02-14T13:30:00Z", run_id="run_broken")
    keyed_client.post("/v1/events", approval_request("run_broken", at="2026-02-14T13:01:00Z"), format="json")
    request_expiring(keyed_client, "evt_healthy", "2026-02-14T14:00:00Z", run_id="run_ok")
    assert approvals_expire_overdue() == 1
    assert Approval.objects.get(event_id="evt_healthy").status == "expired"
    assert Approval.objects.get(event_id="evt_broken").status == "pending"
