"""The portal's caller: a signed-in person, the tenant they work in now, and their scopes there.

The tenant is chosen in the session (the tenant switcher) among the user's memberships; every page
is resolved afresh from current memberships, so removing someone from a team takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tenancy.context import scopes_and_categories
from tenancy.models import Membership, Team, Tenant

SESSION_TENANT = "portal_tenant"


@dataclass(frozen=True)
class PortalCaller:
    """``request.portal`` on every portal page. ``categories`` is None when no team limits them."""

    user: object
    tenant: Tenant
    scopes: frozenset[str]
    categories: frozenset[str] | None
    tenants: tuple[Tenant, ...]
    teams: tuple[Team, ...]  # the user's teams in ``tenant``

    def can(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def team_categories(self) -> frozenset[str]:
        """Workflow categories some team of the user is explicitly assigned (the "my teams" filter)."""
        return frozenset(c for team in self.teams for c in team.workflow_categories)


def portal_caller(request) -> PortalCaller | None:
    """The caller in the session's tenant (or their first one); None when they belong to no tenant.
    One query."""
    mine = list(
        Membership.objects.filter(user=request.user).select_related("team__tenant", "role").order_by("pk")
    )
    tenants = sorted({m.team.tenant_id: m.team.tenant for m in mine}.values(), key=lambda t: t.slug)
    if not tenants:
        return None
    wanted = request.session.get(SESSION_TENANT)
    tenant = next((t for t in tenants if str(t.pk) == wanted), tenants[0])
    here = [m for m in mine if m.team.tenant_id == tenant.pk]
    scopes, categories = scopes_and_categories([(m.role.scopes, m.team.workflow_categories) for m in here])
    return PortalCaller(
        user=request.user,
        tenant=tenant,
        scopes=scopes,
        categories=categories,
        tenants=tuple(tenants),
        teams=tuple({m.team_id: m.team for m in here}.values()),
    )


def portal_page(scope: str | None = None):
    """Signs the person in (redirect to the login page), resolves ``request.portal`` and refuses
    with a 403 page when ``scope`` is missing in the current tenant."""

    def decorate(view):
        @login_required
        @wraps(view)
        def page(request, *args, **kwargs):
            caller = portal_caller(request)
            if caller is None:
                return render(request, "portal/no_tenant.html", status=403)
            request.portal = caller
            if scope and not caller.can(scope):
                return render(request, "portal/forbidden.html", {"scope": scope}, status=403)
            return view(request, *args, **kwargs)

        return page

    return decorate


def portal_context(request) -> dict:
    """Template context processor: ``portal`` (the caller) on portal pages."""
    caller = getattr(request, "portal", None)
    return {"portal": caller} if caller is not None else {}
