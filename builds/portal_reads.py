"""What the portal's build page reads: a build run with its tiers and phases, the issue index, the
error reports and the artifacts (text ones with their opening shown inline), scoped by tenant and
by the categories a person may see. A fixed number of queries, however many phases the run has."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from builds.artifacts import artifact_storage, run_folder
from builds.errors import BuildRunNotFound
from builds.models import Artifact, BuildRun, ErrorReport, IssueOccurrence, Phase, Tier
from builds.states import PHASE_DONE
from core.tenant_scope import for_tenant
from runs.selectors import runs_visible
from tenancy.models import Tenant

INLINE_TEXT_BYTES = 16 * 1024  # the opening of a text artifact shown on the page
INLINE_TEXT_FILES = 40  # text artifacts past these are listed as downloads only
# Images the browser shows in an <img>; anything else (SVG included: it may carry script) downloads.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
TEXT_TYPES = frozenset({"application/json", "application/xml", "application/x-yaml", "application/yaml"})
SEVERITY_RANK = {"major": 2, "minor": 1}


@dataclass(frozen=True)
class TierView:
    tier: Tier
    phases: list[Phase]


@dataclass
class IssueEntry:
    """One issue key of the run: its occurrences folded together."""

    issue_key: str
    category: str
    severity: str  # the first occurrence's
    effective_severity: str  # the worst seen
    occurrence_count: int
    first_seen: datetime
    last_seen: datetime
    tiers: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    evidence_refs: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ArtifactView:
    artifact: Artifact
    kind: str  # "image", "text" or "file"
    text: str | None = None  # the opening of a text artifact, when shown inline
    truncated: bool = False
    missing: bool = False  # the row is there, its bytes are not


@dataclass(frozen=True)
class BuildPage:
    build: BuildRun
    tiers: list[TierView]
    phases_total: int
    phases_completed: int
    issues: list[IssueEntry]
    errors: list[ErrorReport]
    artifacts: list[ArtifactView]

    @property
    def percent_complete(self) -> float:
        """As the dashboard status computes it: phases COMPLETE or SKIPPED over all phases."""
        if not self.phases_total:
            return 0.0
        return round(self.phases_completed / self.phases_total * 100, 1)

    @property
    def images(self) -> list[ArtifactView]:
        return [view for view in self.artifacts if view.kind == "image"]

    @property
    def texts(self) -> list[ArtifactView]:
        return [view for view in self.artifacts if view.kind == "text"]

    @property
    def files(self) -> list[ArtifactView]:
        return [view for view in self.artifacts if view.kind == "file"]

    @property
    def token_utilization(self) -> float:
        return round(self.build.tokens_used / (self.build.token_cap or 1) * 100, 1)


def artifact_kind(media_type: str) -> str:
    media_type = media_type.split(";")[0].strip().lower()
    if media_type in INLINE_IMAGE_TYPES:
        return "image"
    if media_type.startswith("text/") or media_type in TEXT_TYPES:
        return "text"
    return "file"


def portal_build_get(*, tenant: Tenant, run_id: str, categories: frozenset[str] | None) -> BuildRun:
    """The tenant's build run ``run_id`` as a person who sees ``categories`` may see it (its run
    joined); ``BuildRunNotFound`` for missing, foreign and hidden runs alike."""
    visible = runs_visible(tenant=tenant, categories=categories).filter(run_id=run_id)
    build = for_tenant(BuildRun, tenant).select_related("run").filter(run__in=visible).first()
    if build is None:
        raise BuildRunNotFound(run_id)
    return build


def build_page_read(
    *, tenant: Tenant, run_id: str, categories: frozenset[str] | None, with_artifacts: bool
) -> BuildPage:
    build = portal_build_get(tenant=tenant, run_id=run_id, categories=categories)
    tiers = list(Tier.objects.filter(build=build).order_by("tier_index", "id"))
    phases = list(Phase.objects.filter(build=build).order_by("phase_index", "step_id"))
    by_tier: dict[int, list[Phase]] = {tier.pk: [] for tier in tiers}
    for phase in phases:
        by_tier.setdefault(phase.tier_id, []).append(phase)
    occurrences = list(
        for_tenant(IssueOccurrence, tenant)
        .filter(build=build)
        .select_related("phase", "tier")
        .order_by("created_at", "id")
    )
    errors = list(
        for_tenant(ErrorReport, tenant)
        .filter(build=build)
        .select_related("phase")
        .order_by("created_at", "id")
    )
    artifacts = _artifact_views(tenant=tenant, build=build) if with_artifacts else []
    return BuildPage(
        build=build,
        tiers=[TierView(tier=tier, phases=by_tier[tier.pk]) for tier in tiers],
        phases_total=len(phases),
        phases_completed=sum(1 for phase in phases if phase.state in PHASE_DONE),
        issues=issue_index(occurrences),
        errors=errors,
        artifacts=artifacts,
    )


def issue_index(occurrences: list[IssueOccurrence]) -> list[IssueEntry]:
    """The run's issues by key, worst first, then most recently seen."""
    entries: dict[str, IssueEntry] = {}
    for occurrence in occurrences:
        entry = entries.get(occurrence.issue_key)
        if entry is None:
            entry = entries[occurrence.issue_key] = IssueEntry(
                issue_key=occurrence.issue_key,
                category=occurrence.category,
                severity=occurrence.severity,
                effective_severity=occurrence.severity,
                occurrence_count=0,
                first_seen=occurrence.created_at,
                last_seen=occurrence.created_at,
            )
        entry.occurrence_count += 1
        entry.last_seen = max(entry.last_seen, occurrence.created_at)
        if SEVERITY_RANK.get(occurrence.severity, 0) > SEVERITY_RANK.get(entry.effective_severity, 0):
            entry.effective_severity = occurrence.severity
        _add_new(entry.tiers, [occurrence.tier.tier_id])
        _add_new(entry.phases, [occurrence.phase.phase_id])
        _add_new(entry.evidence_refs, [str(ref) for ref in occurrence.evidence_refs or []])
        _add_new(entry.descriptions, [occurrence.description] if occurrence.description else [])
    return sorted(
        entries.values(),
        key=lambda e: (-SEVERITY_RANK.get(e.effective_severity, 0), -e.last_seen.timestamp(), e.issue_key),
    )


def _add_new(target: list[str], values: list[str]) -> None:
    for value in values:
        if value not in target:
            target.append(value)


def _artifact_views(*, tenant: Tenant, build: BuildRun) -> list[ArtifactView]:
    storage = artifact_storage()
    folder = run_folder(build.run)
    views, inline_left = [], INLINE_TEXT_FILES
    for artifact in for_tenant(Artifact, tenant).filter(run=build.run).order_by("path"):
        kind = artifact_kind(artifact.media_type)
        if kind != "text" or inline_left <= 0:
            views.append(ArtifactView(artifact=artifact, kind=kind))
            continue
        inline_left -= 1
        try:
            with storage.open(f"{folder}/{artifact.path}", "rb") as handle:
                opening = handle.read(INLINE_TEXT_BYTES + 1)
        except (FileNotFoundError, OSError):
            views.append(ArtifactView(artifact=artifact, kind=kind, missing=True))
            continue
        views.append(
            ArtifactView(
                artifact=artifact,
                kind=kind,
                text=opening[:INLINE_TEXT_BYTES].decode("utf-8", errors="replace"),
                truncated=len(opening) > INLINE_TEXT_BYTES,
            )
        )
    return views


def portal_artifact_get(*, tenant: Tenant, pk: int, categories: frozenset[str] | None) -> Artifact:
    """The tenant's artifact ``pk`` of a run the person may see (its run joined); ``Artifact.DoesNotExist``
    for missing, foreign and hidden ones alike."""
    visible = runs_visible(tenant=tenant, categories=categories)
    return for_tenant(Artifact, tenant).select_related("run").get(pk=pk, run__in=visible)
