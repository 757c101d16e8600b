"""Portal pages for runs: the list with filters, a run's page (timeline, steps, logs, policy, approvals),
and cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from runs.engine.cancel import run_is_active
from runs.journal.verify import journal_verify
from runs.models import Run, RunEvent, RunKind, Workflow
from runs.read_model import CONTRACT_STATUSES, run_view, status_filter, status_words
from runs.selectors import run_get, runs_visible
from runs.services import run_cancel
from tenancy.portal import portal_page

RUNS_PAGE_SIZE = 50
TIMELINE_LIMIT = 300
VERIFY_ON_PAGE_LIMIT = (
    2000  # re-hashing longer journals (under the run's lock) belongs to the verify endpoint
)
WORKFLOW_CHOICES_LIMIT = 200
LIST_FIELDS = (
    "pk",
    "run_id",
    "kind",
    "state",
    "status",
    "waiting_for",
    "pending_approval",
    "workflow_name",
    "created_at",
    "finished_at",
    "last_event_at",
    "event_count",
)


def _run_visible(caller, run_id: str) -> Run:
    return run_get(
        tenant=caller.tenant,
        run_id=run_id,
        categories=caller.categories,
        missing=Http404("No Run matches the given query."),  # get_object_or_404's words
    )


@require_GET
@portal_page("runs:read")
def runs_page(request):
    caller = request.portal
    runs = runs_visible(tenant=caller.tenant, categories=caller.categories)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    workflow = request.GET.get("workflow", "")
    search = request.GET.get("q", "").strip()[:200]
    workflows = Workflow.objects.filter(tenant=caller.tenant).only("id", "name").order_by("name")
    if caller.categories is not None:
        workflows = workflows.filter(category__in=caller.categories)
    workflows = list(workflows[:WORKFLOW_CHOICES_LIMIT])
    if status in CONTRACT_STATUSES:
        runs = runs.filter(status_filter(status))
    if kind in RunKind.values:
        runs = runs.filter(kind=kind)
    if workflow and workflow in {str(w.pk) for w in workflows}:
        runs = runs.filter(workflow_id=workflow)
    if search:
        runs = runs.filter(run_id__icontains=search)
    page = Paginator(runs.only(*LIST_FIELDS).order_by("-created_at", "-id"), RUNS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for run in page:
        run.words = status_words(run)
    filtered = any((status, kind, workflow, search))
    context = {
        "nav": "runs",
        "page_obj": page,
        "statuses": CONTRACT_STATUSES,
        "kinds": RunKind.choices,
        "workflows": workflows,
        "chosen": {"status": status, "kind": kind, "workflow": workflow, "q": search},
        "filtered": filtered,
    }
    return render(request, "portal/runs.html", context)


@require_GET
@portal_page("runs:read")
def run_page(request, run_id: str):
    caller = request.portal
    run = _run_visible(caller, run_id)
    view = run_view(run)
    latest = list(
        RunEvent.objects.filter(run=run)
        .order_by("-timestamp", "-seq")
        .only("event_id", "timestamp", "seq", "type", "actor", "payload", "integrity_warning")[
            :TIMELINE_LIMIT
        ]
    )
    context = {
        "nav": "runs",
        "run": run,
        "view": view,
        "words": status_words(run),
        "timeline": list(reversed(latest)),
        "timeline_cut": run.event_count > len(latest),
        "verdict": journal_verify(run) if 0 < run.event_count <= VERIFY_ON_PAGE_LIMIT else None,
        "steps": list(run.steps.order_by("index")) if run.kind == RunKind.WORKFLOW else [],
        "approvals": list(run.approvals.order_by("requested_at", "pk")),
        "can_cancel": caller.can("runs:cancel") and run_is_active(run),
    }
    return render(request, "portal/run.html", context)


@require_POST
@portal_page("runs:cancel")
def run_cancel_view(request, run_id: str):
    caller = request.portal
    run = _run_visible(caller, run_id)
    try:
        run_cancel(tenant=caller.tenant, run_id=run.run_id, user=request.user)
    except DomainError as exc:
        messages.warning(request, f"Not cancelled: {exc.message}.")
    else:
        messages.success(request, f"Run {run.run_id} cancelled.")
    return redirect("portal:run", run_id=run.run_id)
