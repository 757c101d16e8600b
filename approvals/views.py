"""The operator inbox: every pending approval, decided in the browser through ``approval_resolve``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from approvals.errors import DuplicateApproval, NoPendingApproval, SelfApprovalForbidden
from approvals.models import Approval, ApprovalKind, ApprovalStatus, DecidedVia
from approvals.selectors import (
    COUNTDOWN_AMBER,
    COUNTDOWN_RED,
    RISK_RANK,
    InboxFilters,
    approval_subject,
    approvals_visible,
    expiry_urgency,
    inbox,
)
from approvals.services import approval_expire, approval_resolve
from core.errors import DomainError
from governance.gate import policy_settings
from runs.selectors import recent_events
from tenancy.portal import portal_page

INBOX_PAGE_SIZE = 25
RECENT_EVENTS_IN_LIST = 3
RECENT_EVENTS_ON_PAGE = 10
REASON_NEEDED_TO_APPROVE = frozenset({"high", "critical"})


def _filters(request) -> InboxFilters:
    """Unknown choices are ignored rather than refused: a stale bookmark still opens the inbox."""
    kind = request.GET.get("kind", "")
    risk = request.GET.get("risk", "")
    return InboxFilters(
        kind=kind if kind in ApprovalKind.values else "",
        risk=risk if risk in RISK_RANK else "",
        run=request.GET.get("run", "").strip()[:200],
        mine=request.GET.get("mine") == "1",
        expiring=request.GET.get("expiring") == "1",
    )


def _decision_context(request) -> dict:
    """What decides whether decision buttons show; the server re-checks everything on POST."""
    caller = request.portal
    return {
        "can_resolve": caller.can("approvals:resolve"),
        "allow_self": policy_settings(caller.tenant).allow_self_approval,
        "username": request.user.get_username(),
        "reason_risks": REASON_NEEDED_TO_APPROVE,
    }


def _item_context() -> dict:
    """What every shown approval's countdown needs: portal.js turns it amber and red at these."""
    return {
        "countdown_amber_seconds": int(COUNTDOWN_AMBER.total_seconds()),
        "countdown_red_seconds": int(COUNTDOWN_RED.total_seconds()),
    }


def _describe(approval: Approval, *, can_read_runs: bool, recent: list) -> None:
    """Adds what the item templates show besides the row: the recent journal, what the decision is
    about and how soon it expires."""
    approval.recent = recent
    approval.subject = approval_subject(approval=approval, can_read_runs=can_read_runs)
    approval.urgency = expiry_urgency(expires_at=approval.expires_at, now=timezone.now())


def _inbox_context(request) -> dict:
    caller = request.portal
    filters = _filters(request)
    approvals = inbox(
        tenant=caller.tenant,
        categories=caller.categories,
        filters=filters,
        team_categories=caller.team_categories,
    )
    page = Paginator(approvals, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    can_read_runs = caller.can("runs:read")
    journals = (
        recent_events(tenant=caller.tenant, run_pks={a.run_id for a in page}, per_run=RECENT_EVENTS_IN_LIST)
        if can_read_runs
        else {}
    )
    for approval in page:
        _describe(approval, can_read_runs=can_read_runs, recent=journals.get(approval.run_id, []))
    query = request.GET.urlencode()
    return {
        "nav": "inbox",
        "page_obj": page,
        "filters": filters,
        "kinds": ApprovalKind.choices,
        "risks": list(RISK_RANK),
        "poll_url": reverse("portal:inbox-items") + (f"?{query}" if query else ""),
        "poll_seconds": settings.OPSGATE_PORTAL_POLL_SECONDS,
        "back": reverse("portal:inbox") + (f"?{query}" if query else ""),  # where a decision returns
        **_decision_context(request),
        **_item_context(),
    }


@require_GET
@portal_page("approvals:read")
def inbox_page(request):
    return render(request, "portal/inbox.html", _inbox_context(request))


@require_GET
@portal_page("approvals:read")
def inbox_items(request):
    """The list alone, for the page's poll (portal.js)."""
    return render(request, "portal/_inbox_items.html", _inbox_context(request))


@require_GET
@portal_page("approvals:read")
def approval_page(request, pk: int):
    caller = request.portal
    approval = get_object_or_404(
        approvals_visible(tenant=caller.tenant, categories=caller.categories).select_related("run"), pk=pk
    )
    can_read_runs = caller.can("runs:read")
    recent = (
        recent_events(tenant=caller.tenant, run_pks=[approval.run_id], per_run=RECENT_EVENTS_ON_PAGE).get(
            approval.run_id, []
        )
        if can_read_runs
        else []
    )
    _describe(approval, can_read_runs=can_read_runs, recent=recent)
    context = {"nav": "inbox", "approval": approval, "back": request.get_full_path()}
    return render(
        request, "portal/approval.html", {**context, **_decision_context(request), **_item_context()}
    )


def _already_decided(approval: Approval) -> str:
    if approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        who = approval.resolved_by or "someone else"
        return f"Already decided: {approval.get_status_display().lower()} by {who}. Nothing was changed."
    if approval.status == ApprovalStatus.EXPIRED:
        return "Already decided: this request expired before anyone decided it. Nothing was changed."
    if approval.status == ApprovalStatus.CANCELLED:
        return "Already decided: this request was withdrawn when its run ended. Nothing was changed."
    return "Not decided: this request is no longer the one its run is waiting for. Nothing was changed."


def _back(request, approval: Approval) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:approval", args=[approval.pk])


@require_POST
@portal_page("approvals:resolve")
def approval_decide(request, pk: int):
    """Approve or reject. Every outcome is a message on the page the person came from; a lost race
    ("already decided") is a warning, never an error page."""
    caller = request.portal
    approval = get_object_or_404(approvals_visible(tenant=caller.tenant, categories=caller.categories), pk=pk)
    back = _back(request, approval)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "").strip()
    if decision not in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        messages.error(request, "Choose Approve or Reject.")
        return redirect(back)
    if approval.status != ApprovalStatus.PENDING:
        messages.warning(request, _already_decided(approval))
        return redirect(back)
    if approval.is_overdue:
        if approval_expire(approval_id=approval.pk):
            messages.warning(
                request, "This request expired before it was decided; it can no longer be decided."
            )
        else:  # someone decided it in the meantime
            approval.refresh_from_db()
            messages.warning(request, _already_decided(approval))
        return redirect(back)
    if not reason and (
        decision == ApprovalStatus.REJECTED or approval.risk_level in REASON_NEEDED_TO_APPROVE
    ):
        needed = (
            "reject"
            if decision == ApprovalStatus.REJECTED
            else f"approve a {approval.risk_level}-risk request"
        )
        messages.error(request, f"Give a reason to {needed}. Nothing was decided.")
        return redirect(back)
    try:
        approval_resolve(
            tenant=caller.tenant,
            event_id=approval.event_id,
            run_pk=approval.run_id,  # event ids are unique per run only
            decision=decision,
            approver_id=request.user.get_username(),
            reason=reason or None,
            user=request.user,
            acting_for_others=False,
            via=DecidedVia.PORTAL,
        )
    except (DuplicateApproval, NoPendingApproval):
        approval.refresh_from_db()
        messages.warning(request, _already_decided(approval))
    except SelfApprovalForbidden:
        messages.error(
            request,
            "You asked for this approval, and the tenant policy does not let anyone decide their own "
            "request. Another operator has to decide it.",
        )
    except DomainError as exc:
        messages.error(request, f"Not decided: {exc.message}")
    else:
        verb = "Approved" if decision == ApprovalStatus.APPROVED else "Rejected"
        messages.success(request, f"{verb}: {approval.title or approval.event_id}.")
    return redirect(back)
