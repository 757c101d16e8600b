"""A workflow run's lease: a conditional UPDATE that lets one worker at a time advance a run, until
``lease_until`` (``settings.OPSGATE_RUN_LEASE_SECONDS`` from its last step start). A worker that dies
lets the lease lapse, and ``runs_sweep`` hands the run to another."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from runs.models import ACTIVE_RUN_STATES, Run


def lease_seconds() -> int:
    return settings.OPSGATE_RUN_LEASE_SECONDS


def lease_take(run_pk: int, token: str) -> bool:
    """Takes the run's lease for ``token`` if it is free or lapsed and the run has not ended."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = (
        Run.objects.filter(free, pk=run_pk, state__in=ACTIVE_RUN_STATES)
        .order_by()
        .update(lease_token=token, lease_until=now + timedelta(seconds=lease_seconds()))
    )
    return taken == 1


def lease_release(run_pk: int, token: str) -> None:
    """Frees the run's lease if ``token`` still holds it (a no-op once another worker took it over)."""
    Run.objects.filter(pk=run_pk, lease_token=token).update(lease_token="", lease_until=None)
