"""What the launch gate needs to know about approvals, without importing them.

Approvals sit above runs on the import ladder (an approval points at a run), yet the gate must
check a cited approval and name the approval a held launch waits for. The approvals app registers
its answers here from its ``AppConfig.ready``, as journal subscribers do in ``runs.journal.append``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from runs.models import Run
from tenancy.models import Tenant


@dataclass(frozen=True)
class ApprovalFacts:
    """One approval, as far as the gate cares: its status, and whether that status is "approved"."""

    status: str
    approved: bool


ApprovalFind = Callable[[Tenant, str], ApprovalFacts | None]
HoldApprovalId = Callable[[Run], str]


@dataclass(frozen=True)
class ApprovalLookup:
    find: ApprovalFind  # (tenant, approval event id) -> its facts, or None when it does not exist
    hold_approval_id: HoldApprovalId  # a held run -> the event id of the approval it waits for, or ""


_lookup: list[ApprovalLookup] = []


def approval_lookup_register(*, find: ApprovalFind, hold_approval_id: HoldApprovalId) -> None:
    """Called once by the approvals app at ready time; a later call replaces the earlier one."""
    _lookup[:] = [ApprovalLookup(find=find, hold_approval_id=hold_approval_id)]


def approval_lookup() -> ApprovalLookup:
    if not _lookup:
        raise ImproperlyConfigured("No approval lookup registered: is the approvals app installed?")
    return _lookup[0]
