"""The portal's health page for tenant admins: ``governance.health``'s checks beside the tenant's
recent failures from every app (runs, automation executions) and, for superusers, the worker's."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_q.models import Failure

from automation.selectors import execution_failures_recent
from governance import health
from runs.read_model import status_filter
from runs.selectors import runs_visible
from tenancy.portal import portal_page

RECENT_FAILURES = 10


@require_GET
@portal_page("tenant:admin")
def health_page(request):
    caller = request.portal
    report = health.health_report(database_error=health.database_error())
    failed_runs = (
        runs_visible(tenant=caller.tenant, categories=caller.categories)
        .filter(status_filter("failed"))
        .only("run_id", "kind", "state", "status", "error", "workflow_name", "created_at", "finished_at")
        .order_by("-created_at", "-id")[:RECENT_FAILURES]
    )
    context = {
        "nav": "health",
        "report": report,
        "failed_runs": list(failed_runs),
        "failed_executions": execution_failures_recent(tenant=caller.tenant, limit=RECENT_FAILURES),
        # Worker task failures are not tenant-scoped (their arguments may name any tenant's rows).
        "task_failures": list(Failure.objects.order_by("-stopped")[:RECENT_FAILURES])
        if request.user.is_superuser
        else None,
    }
    return render(request, "portal/health.html", context)
