"""A cron rule fires on schedule under a real ``qcluster`` (PostgreSQL: the worker is another
process on the test database)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from automation.models import AutomationExecution, AutomationRule
from automation.rule_validation import rule_validate
from automation.services import rule_create
from runs.models import RunEvent
from tests.automation.conftest import append_action, rule_body
from tests.factories import TenantFactory
from tests.runs.engine.cluster import QCluster, wait_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker process needs PostgreSQL"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cron_rule_runs_on_schedule_under_a_real_worker():
    tenant = TenantFactory()
    fields, problems = rule_validate(
        rule_body(
            trigger_type="recurring",
            trigger_config={"schedule_type": "custom_cron", "cron_expression": "* * * * *"},
            actions=[append_action(run_id="cron-log", title="Tick")],
        )
    )
    assert problems == []
    rule, _ = rule_create(tenant=tenant, fields=fields)
    schedule = AutomationRule.objects.get(pk=rule.pk).schedule
    due = timezone.now() + timedelta(seconds=2)  # due within seconds, not at the next minute
    schedule.next_run = due
    schedule.save(update_fields=["next_run"])
    cluster = QCluster().start()
    try:
        execution = wait_for(
            lambda: AutomationExecution.objects.filter(rule=rule, status="completed").first(),
            timeout=75,
            what="the scheduled execution",
            cluster=cluster,
        )
    finally:
        cluster.stop()
    assert execution.execution_context["scheduled_execution"] is True
    assert execution.trigger_data["trigger"] == "schedule"
    assert RunEvent.objects.filter(run__run_id="cron-log", payload__title="Tick").count() == 1
    schedule.refresh_from_db()
    assert schedule.next_run > due and schedule.next_run.second == 0  # moved on to a later whole minute
    rule.refresh_from_db()
    assert rule.execution_count == 1
