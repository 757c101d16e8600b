"""A run's issue index and the tenant's issue backlog, both folded from ``IssueOccurrence`` rows.

``GET /runs/{run_id}/issues/index`` is the origin's ``RunIssueIndex``: per issue key its category,
severity (the first report's), effective severity (the worst reported), first and last phase index,
occurrence count and the tiers and phases it was seen in (plus, our addition, its evidence).

``GET /project/issues/backlog`` is the origin's ``ProjectIssueBacklog`` for the tenant (``project_id``
is its slug), with the origin's ages counted as they are meant, on distinct values: ``age_in_runs``
is the number of runs the key was seen in, ``age_in_tiers`` the number of tiers (a tier belongs to
one run). The origin's rule then marks it: a minor issue seen in 3 runs or 2 tiers ``needs_cleanup``,
anything else ``open``. First and last mean in the order reported. Ordered by severity (major,
minor, then any other word), then most recently seen, then key; paginated like ``GET /runs``:
``issues_by_key`` holds the page in that order and ``issue_keys`` repeats the order as a list (JSON
objects promise none), with ``total``, ``limit`` and ``offset``. A fixed number of queries whatever
the page size.
"""

from __future__ import annotations

from typing import TypedDict

from django.db.models import Case, Count, IntegerField, Max, Min, OuterRef, Subquery, Value, When

from builds.models import IssueOccurrence
from builds.reads.shapes import PageBounds, iso
from builds.selectors import build_get
from core.tenant_scope import for_tenant
from tenancy.models import Tenant

SEVERITY_RANK = {"major": 2, "minor": 1}  # any other word ranks below both
NEEDS_CLEANUP_RUNS = 3
NEEDS_CLEANUP_TIERS = 2


class RunIssueEntry(TypedDict):
    category: str
    severity: str
    effective_severity: str
    first_phase_index: int
    last_phase_index: int
    occurrence_count: int
    seen_in_tiers: list[str]
    seen_in_phases: list[str]
    evidence_refs: list[str]


class RunIssueIndex(TypedDict):
    run_id: str
    issues_by_key: dict[str, RunIssueEntry]


class BacklogEntry(TypedDict):
    category: str
    base_severity: str
    age_in_runs: int
    age_in_tiers: int
    occurrence_count: int
    first_seen_run_id: str
    first_seen_at: str | None
    last_seen_run_id: str
    last_seen_at: str | None
    seen_in_tiers: list[str]
    status: str


class ProjectBacklog(TypedDict):
    project_id: str
    issues_by_key: dict[str, BacklogEntry]
    issue_keys: list[str]
    total: int
    limit: int
    offset: int


def _add_new(target: list[str], value: str) -> None:
    if value not in target:
        target.append(value)


def worse_severity(current: str, reported: str) -> str:
    return reported if SEVERITY_RANK.get(reported, 0) > SEVERITY_RANK.get(current, 0) else current


def run_issue_index_get(*, tenant: Tenant, run_id: str) -> RunIssueIndex:
    """Keys in the order first reported; ``BuildRunNotFound`` for a missing or foreign run."""
    build = build_get(tenant=tenant, run_id=run_id)
    occurrences = (
        for_tenant(IssueOccurrence, tenant).filter(build=build).select_related("phase", "tier").order_by("id")
    )
    index: dict[str, RunIssueEntry] = {}
    for occurrence in occurrences:
        phase_index = occurrence.phase.phase_index
        entry = index.get(occurrence.issue_key)
        if entry is None:
            entry = index[occurrence.issue_key] = {
                "category": occurrence.category,
                "severity": occurrence.severity,
                "effective_severity": occurrence.severity,
                "first_phase_index": phase_index,
                "last_phase_index": phase_index,
                "occurrence_count": 0,
                "seen_in_tiers": [],
                "seen_in_phases": [],
                "evidence_refs": [],
            }
        entry["occurrence_count"] += 1
        entry["last_phase_index"] = phase_index
        entry["effective_severity"] = worse_severity(entry["effective_severity"], occurrence.severity)
        _add_new(entry["seen_in_tiers"], occurrence.tier.tier_id)
        _add_new(entry["seen_in_phases"], occurrence.phase.phase_id)
        for ref in occurrence.evidence_refs or []:
            _add_new(entry["evidence_refs"], str(ref))
    return {"run_id": build.run.run_id, "issues_by_key": index}


def backlog_status(*, base_severity: str, age_in_runs: int, age_in_tiers: int) -> str:
    minor_and_lingering = base_severity == "minor" and (
        age_in_runs >= NEEDS_CLEANUP_RUNS or age_in_tiers >= NEEDS_CLEANUP_TIERS
    )
    return "needs_cleanup" if minor_and_lingering else "open"


def project_backlog_list(*, tenant: Tenant, bounds: PageBounds) -> ProjectBacklog:
    occurrences = for_tenant(IssueOccurrence, tenant)
    first_report = occurrences.filter(issue_key=OuterRef("issue_key")).order_by("id")
    keys = (
        occurrences.order_by()
        .values("issue_key")
        .annotate(
            first_id=Min("id"),
            last_id=Max("id"),
            occurrence_count=Count("id"),
            age_in_runs=Count("build", distinct=True),
            age_in_tiers=Count("tier", distinct=True),
            base_severity=Subquery(first_report.values("severity")[:1]),
        )
        .annotate(
            severity_rank=Case(
                *(When(base_severity=word, then=Value(rank)) for word, rank in SEVERITY_RANK.items()),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-severity_rank", "-last_id", "issue_key")
    )
    page = list(keys[bounds.offset : bounds.end])
    total = occurrences.values("issue_key").distinct().count()
    ends = {
        occurrence.pk: occurrence
        for occurrence in occurrences.filter(
            pk__in=[row["first_id"] for row in page] + [row["last_id"] for row in page]
        ).select_related("build__run")
    }
    tiers: dict[str, list[str]] = {}
    seen = (
        occurrences.filter(issue_key__in=[row["issue_key"] for row in page])
        .values("issue_key", "tier__tier_id")
        .annotate(first_id=Min("id"))
        .order_by("issue_key", "first_id")
    )
    for pair in seen:
        _add_new(tiers.setdefault(pair["issue_key"], []), pair["tier__tier_id"])
    backlog: dict[str, BacklogEntry] = {}
    for row in page:
        first, last = ends[row["first_id"]], ends[row["last_id"]]
        backlog[row["issue_key"]] = {
            "category": first.category,
            "base_severity": first.severity,
            "age_in_runs": row["age_in_runs"],
            "age_in_tiers": row["age_in_tiers"],
            "occurrence_count": row["occurrence_count"],
            "first_seen_run_id": first.build.run.run_id,
            "first_seen_at": iso(first.created_at),
            "last_seen_run_id": last.build.run.run_id,
            "last_seen_at": iso(last.created_at),
            "seen_in_tiers": tiers.get(row["issue_key"], []),
            "status": backlog_status(
                base_severity=first.severity,
                age_in_runs=row["age_in_runs"],
                age_in_tiers=row["age_in_tiers"],
            ),
        }
    return {
        "project_id": tenant.slug,
        "issues_by_key": backlog,
        "issue_keys": list(backlog),
        "total": total,
        "limit": bounds.limit,
        "offset": bounds.offset,
    }
