"""Reads of approvals, scoped by tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone

from approvals.models import Approval, ApprovalStatus
from approvals.readable import Field, readable_fields
from core.tenant_scope import for_tenant
from runs.errors import InconsistentRunState
from runs.models import Run
from runs.selectors import reads_storage
from tenancy.models import Tenant

PENDING_FIELDS = (
    "event_id",
    "run__run_id",
    "requested_at",
    "requested_by",
    "title",
    "details",
    "reason",
    "risk_level",
)


@reads_storage
def pending_approvals(*, tenant: Tenant) -> list[dict]:
    """Open approvals, by request time then event id. Fails loud (``InconsistentRunState``) when any
    run of the tenant has an inconsistent journal, as the contract asks."""
    broken = (
        for_tenant(Run, tenant)
        .filter(inconsistency__isnull=False)
        .order_by("run_id")
        .values_list("inconsistency", flat=True)
        .first()
    )
    if broken is not None:
        raise InconsistentRunState(broken)
    return list(
        for_tenant(Approval, tenant)
        .filter(status=ApprovalStatus.PENDING)
        .order_by("requested_at", "event_id")
        .values(*PENDING_FIELDS)
    )


RISK_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
EXPIRING_SOON = timedelta(hours=1)


@dataclass(frozen=True)
class InboxFilters:
    kind: str = ""
    risk: str = ""
    run: str = ""
    mine: bool = False  # runs of workflows in categories the person's teams are assigned
    expiring: bool = False  # expires within EXPIRING_SOON

    @property
    def active(self) -> bool:
        return any((self.kind, self.risk, self.run, self.mine, self.expiring))


def approvals_visible(*, tenant: Tenant, categories: frozenset[str] | None) -> QuerySet[Approval]:
    """Every approval of the tenant whose run the person may see (``runs.selectors.runs_visible``)."""
    approvals = for_tenant(Approval, tenant)
    if categories is not None:
        approvals = approvals.filter(run__workflow__category__in=categories)
    return approvals


def inbox(
    *,
    tenant: Tenant,
    categories: frozenset[str] | None,
    filters: InboxFilters,
    team_categories: frozenset[str] = frozenset(),
) -> QuerySet[Approval]:
    """Pending approvals of every kind, riskiest first, then newest."""
    approvals = approvals_visible(tenant=tenant, categories=categories).filter(status=ApprovalStatus.PENDING)
    if filters.kind:
        approvals = approvals.filter(kind=filters.kind)
    if filters.risk:
        approvals = approvals.filter(risk_level=filters.risk)
    if filters.run:
        approvals = approvals.filter(run__run_id=filters.run)
    if filters.mine:
        approvals = approvals.filter(run__workflow__category__in=team_categories)
    if filters.expiring:
        approvals = approvals.filter(expires_at__isnull=False, expires_at__lte=timezone.now() + EXPIRING_SOON)
    rank = Case(*(When(risk_level=k, then=Value(v)) for k, v in RISK_RANK.items()), default=Value(0))
    return (
        approvals.annotate(risk_rank=rank)
        .select_related("run")
        .defer("run__graph", "run__journal_state")  # the input is what a decision is about: shown
        .order_by("-risk_rank", "-requested_at", "-pk")
    )


def inbox_count(*, tenant: Tenant, categories: frozenset[str] | None) -> int:
    return (
        approvals_visible(tenant=tenant, categories=categories).filter(status=ApprovalStatus.PENDING).count()
    )


# The event's envelope: shown elsewhere on the item (title, reason, risk, expiry) or only in the raw
# event. Everything else the request carries is what the requester sent for the decision.
ENVELOPE_FIELDS = frozenset(
    {
        "id",
        "run_id",
        "timestamp",
        "type",
        "actor",
        "title",
        "details",
        "risk_level",
        "requires_approval",
        "approval",
        "meta",  # its fields count one by one, below
    }
)
ENVELOPE_META = frozenset({"expires_at"})


@dataclass(frozen=True)
class ApprovalSubject:
    """What a decision is about, as the inbox shows it instead of the raw event."""

    reason: str  # the reason, or the details when there is no reason or both say the same
    details: str  # only when it says something the reason does not
    request: tuple[Field, ...]  # what the request sent besides its title, reason and risk
    run_input: tuple[Field, ...]  # the input the run was started with (a payout's amount)
    run_input_hidden: bool  # the run has input, and the person's role may not read runs

    @property
    def empty(self) -> bool:
        return not (self.request or self.run_input or self.run_input_hidden)


def _sent_with_request(payload: dict) -> dict:
    sent = {k: v for k, v in payload.items() if k not in ENVELOPE_FIELDS and v not in (None, [], {})}
    meta = payload.get("meta") or {}
    if isinstance(meta, dict):
        sent.update({k: v for k, v in meta.items() if k not in ENVELOPE_META and v is not None})
    return sent


def approval_subject(*, approval: Approval, can_read_runs: bool) -> ApprovalSubject:
    """Read from what is stored (the journal event as written, masks and all, and the run's input),
    so it shows nothing the raw event and the run would not. The run's input stays hidden from a
    role that may not read runs, as the run's journal does."""
    reason, details = approval.reason.strip(), approval.details.strip()
    if not reason or reason == details:
        reason, details = reason or details, ""
    run_input = approval.run.input if isinstance(approval.run.input, dict) else {}
    payload = approval.payload if isinstance(approval.payload, dict) else {}
    return ApprovalSubject(
        reason=reason,
        details=details,
        request=readable_fields(_sent_with_request(payload)),
        run_input=readable_fields(run_input) if can_read_runs else (),
        run_input_hidden=bool(run_input) and not can_read_runs,
    )


# The portal's countdown: amber under an hour left, red under ten minutes. portal.js applies the
# same thresholds every second, read from the data attributes the page renders with these.
COUNTDOWN_AMBER = EXPIRING_SOON
COUNTDOWN_RED = timedelta(minutes=10)
URGENCY_FLAGS = {"amber": "Soon", "red": "Urgent", "expired": "Expired"}  # said in words, not colour only


@dataclass(frozen=True)
class ExpiryUrgency:
    level: str  # "", "amber", "red" or "expired"

    @property
    def flag(self) -> str:
        return URGENCY_FLAGS.get(self.level, "")


def expiry_urgency(*, expires_at: datetime | None, now: datetime) -> ExpiryUrgency:
    if expires_at is None:
        return ExpiryUrgency("")
    left = expires_at - now
    if left <= timedelta(0):
        return ExpiryUrgency("expired")
    if left < COUNTDOWN_RED:
        return ExpiryUrgency("red")
    return ExpiryUrgency("amber" if left < COUNTDOWN_AMBER else "")
