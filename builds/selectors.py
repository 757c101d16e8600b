"""Reads of build runs, always scoped by tenant: another tenant's run is the same 404 as a missing one."""

from __future__ import annotations

from django.db.models import Q

from builds.errors import BuildRunNotFound, PhaseNotFound
from builds.models import Artifact, BuildRun, Phase, Tier
from core.tenant_scope import for_tenant
from runs.models import Run
from runs.selectors import run_get
from tenancy.models import Tenant


def build_get(*, tenant: Tenant, run_id: str) -> BuildRun:
    """The tenant's build run ``run_id`` (its ``Run`` joined), or ``BuildRunNotFound``."""
    build = for_tenant(BuildRun, tenant).select_related("run").filter(run__run_id=run_id).first()
    if build is None:
        raise BuildRunNotFound(run_id)
    return build


def phase_get(*, tenant: Tenant, run_id: str, phase_id: str) -> Phase:
    """The phase ``phase_id`` of the tenant's build run ``run_id``, or ``PhaseNotFound``."""
    builds = for_tenant(BuildRun, tenant).filter(run__run_id=run_id)
    phase = (
        Phase.objects.select_related("build__run", "tier", "step")
        .filter(build__in=builds, phase_id=phase_id)
        .first()
    )
    if phase is None:
        raise PhaseNotFound(phase_id, run_id)
    return phase


def artifact_run_get(*, tenant: Tenant, run_id: str) -> Run:
    """The tenant's run ``run_id`` (of any kind) whose artifacts are asked for, or ``BuildRunNotFound``."""
    return run_get(tenant=tenant, run_id=run_id, missing=BuildRunNotFound(run_id))


def artifact_list(*, tenant: Tenant, run: Run) -> list[Artifact]:
    """The run's artifacts by path (the rows, never a walk of the storage)."""
    return list(for_tenant(Artifact, tenant).filter(run=run).order_by("path"))


def browser_artifact_list(*, tenant: Tenant, run: Run) -> list[Artifact]:
    """The run's screenshots (image media types) and HTML files (``.html``/``.htm``), by path."""
    browser = Q(media_type__startswith="image/") | Q(path__iendswith=".html") | Q(path__iendswith=".htm")
    return list(for_tenant(Artifact, tenant).filter(browser, run=run).order_by("path"))


def build_detail_get(*, tenant: Tenant, run_id: str) -> tuple[BuildRun, list[Tier], list[Phase]]:
    """The tenant's build run ``run_id`` with its tiers (in the order created) and its phases (in
    phase order): three queries whatever the run's size. ``BuildRunNotFound`` otherwise."""
    build = build_get(tenant=tenant, run_id=run_id)
    tiers = list(Tier.objects.filter(build_id=build.pk).order_by("id"))
    phases = list(Phase.objects.filter(build_id=build.pk).order_by("phase_index", "step_id"))
    return build, tiers, phases
