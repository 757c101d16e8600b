"""``manage.py demo`` says truthfully what it did, and its pending approvals expire some hours ahead."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from approvals.models import Approval
from automation.models import AutomationRule
from ops.demo import DEMO_AGENT_RUN, DEMO_RULE
from runs.models import Run, RunState
from tenancy.models import Membership

pytestmark = pytest.mark.django_db


def demo(capture) -> str:
    out = StringIO()
    with capture(execute=True):  # the worker's tasks run inline (sync), once the load commits
        call_command("demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> list:
    """Every run and approval as stored, to show a reload writes nothing."""
    runs = list(Run.objects.order_by("run_id").values_list("run_id", "state", "updated_at"))
    approvals = list(Approval.objects.order_by("event_id").values_list("event_id", "status", "expires_at"))
    return [runs, approvals, AutomationRule.objects.count()]


def test_a_reload_says_it_started_nothing_and_changes_nothing(django_capture_on_commit_callbacks):
    first = demo(django_capture_on_commit_callbacks)
    run_ids = dict(Run.objects.filter(workflow__isnull=False).values_list("workflow__name", "run_id"))
    for name, run_id in run_ids.items():
        assert f"workflow: {name} (created, run {run_id} started)" in first
    assert "nothing changed" not in first
    assert "added: tenant demo, user admin" in first
    before = snapshot()

    second = demo(django_capture_on_commit_callbacks)

    assert "Demo tenant: demo (already loaded: nothing changed)" in second
    assert "started)" not in second and "added:" not in second
    for name, run_id in run_ids.items():
        assert f"workflow: {name} (run {run_id} was started by an earlier load; none started now)" in second
    assert snapshot() == before


def test_a_reload_names_what_it_had_to_add_again(django_capture_on_commit_callbacks):
    demo(django_capture_on_commit_callbacks)
    AutomationRule.objects.filter(name=DEMO_RULE).delete()
    Membership.objects.filter(user__username="viewer").delete()

    again = demo(django_capture_on_commit_callbacks)

    assert "nothing changed" not in again
    assert f"added: viewer's viewer role in the ops team, rule '{DEMO_RULE}'" in again
    assert Membership.objects.filter(user__username="viewer", role__name="viewer").count() == 1
    assert "none started now" in again  # the runs are still the first load's
    assert AutomationRule.objects.filter(name=DEMO_RULE).count() == 1


def test_the_demo_s_pending_approvals_expire_some_hours_ahead(django_capture_on_commit_callbacks):
    loaded_at = timezone.now()
    demo(django_capture_on_commit_callbacks)

    payout = Run.objects.get(workflow__name="Demo: approve a payout")
    assert (payout.state, payout.waiting_for) == (RunState.WAITING, "approval")
    pending = Approval.objects.filter(status="pending")
    assert {a.run.run_id for a in pending} == {DEMO_AGENT_RUN, payout.run_id}
    for approval in pending:
        assert approval.expires_at is not None, approval.event_id
        ahead = approval.expires_at - loaded_at
        assert timedelta(hours=3) < ahead < timedelta(hours=5), (approval.event_id, ahead)


def test_the_demo_has_a_build_run_in_progress_with_artifacts(django_capture_on_commit_callbacks, client):
    from builds.models import BuildRun, ErrorReport, IssueOccurrence
    from builds.states import RUN_ENDED
    from ops.demo import DEMO_BUILD_RUN

    first = demo(django_capture_on_commit_callbacks)

    assert f"build run {DEMO_BUILD_RUN}" in first
    build = BuildRun.objects.get(run__run_id=DEMO_BUILD_RUN)
    assert build.state not in RUN_ENDED and build.tokens_used > 0
    assert list(build.tiers.values_list("tier_id", flat=True)) == ["T1", "T2"]
    states = dict(build.phases.values_list("phase_id", "state"))
    assert states == {"P1": "COMPLETE", "P2": "GATE", "P3": "EXECUTING", "P4": "QUEUED"}
    assert IssueOccurrence.objects.filter(build=build).exists()
    assert ErrorReport.objects.filter(build=build).exists()
    media = dict(build.run.artifacts.values_list("path", "media_type"))
    assert media["screenshots/checkout_page.png"] == "image/png"
    assert media["phases/P3/probe_pytest.log"].startswith("text/")
    assert "run_summary.md" in media
    assert build.run.event_count > 1  # each report is in the run's journal
    client.login(username="operator", password="opsgate-operator")
    page = client.get(f"/portal/builds/{DEMO_BUILD_RUN}").content.decode()
    assert "Checkout page" in page and "checkout_api_no_idempotency_key" in page and "<img" in page

    again = demo(django_capture_on_commit_callbacks)
    assert "already loaded: nothing changed" in again
    assert BuildRun.objects.filter(run__run_id=DEMO_BUILD_RUN).count() == 1
