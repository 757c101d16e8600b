"""Who is calling, for which tenant, with which scopes: resolved once per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import Unauthenticated
from tenancy.errors import TenantAmbiguous, TenantNotFound
from tenancy.models import ApiKey, Membership, Tenant

TENANT_HEADER = "X-Tenant-ID"


@dataclass(frozen=True)
class AuthContext:
    """``request.auth`` for every API call. ``categories`` is None when no team limits them."""

    tenant: Tenant | None
    scopes: frozenset[str]
    method: str  # "api_key" | "jwt" | "session" | "public"
    categories: frozenset[str] | None = None
    api_key: ApiKey | None = None


def _matches(tenant: Tenant, wanted: str) -> bool:
    if tenant.slug == wanted:
        return True
    try:
        return tenant.pk == uuid.UUID(wanted)
    except ValueError:
        return False


def _scopes_and_categories(
    memberships: list[Membership],
) -> tuple[frozenset[str], frozenset[str] | None]:
    scopes: set[str] = set()
    categories: set[str] = set()
    unrestricted = False
    for membership in memberships:
        scopes.update(membership.role.scopes)
        if membership.team.workflow_categories:
            categories.update(membership.team.workflow_categories)
        else:
            unrestricted = True
    return frozenset(scopes), (None if unrestricted else frozenset(categories))


def foreign_tenant_error(view) -> Exception:
    """A tenant the caller cannot use: 401 where the contract says so (automation), else 404."""
    if getattr(view, "foreign_tenant_unauthenticated", False):
        return Unauthenticated("Tenant ID not found")
    return TenantNotFound()


def resolve_context(
    *, user, method: str, requested_tenant: str = "", api_key: ApiKey | None = None, view=None
):
    """The caller's tenant and scopes, from their current memberships (one query).

    An API key is bound to its tenant and limited to its own scopes; a key whose owner has left
    every team of that tenant no longer authenticates. A user in several tenants picks one with
    ``X-Tenant-ID`` (slug or id).
    """
    memberships = list(Membership.objects.filter(user=user).select_related("team__tenant", "role"))
    if api_key is not None:
        tenant = api_key.tenant
        if requested_tenant and not _matches(tenant, requested_tenant):
            raise foreign_tenant_error(view)
        mine = [m for m in memberships if m.team.tenant_id == tenant.pk]
        if not mine:
            raise Unauthenticated("API key owner is no longer a member of the key's tenant")
        scopes, categories = _scopes_and_categories(mine)
        if api_key.scopes:
            scopes = scopes & frozenset(api_key.scopes)
        return AuthContext(
            tenant=tenant, scopes=scopes, method=method, categories=categories, api_key=api_key
        )

    tenants = {m.team.tenant_id: m.team.tenant for m in memberships}
    if requested_tenant:
        chosen = [t for t in tenants.values() if _matches(t, requested_tenant)]
        if not chosen:
            raise foreign_tenant_error(view)
        tenant = chosen[0]
    elif len(tenants) > 1:
        raise TenantAmbiguous()
    else:
        tenant = next(iter(tenants.values()), None)
    if tenant is None:
        return AuthContext(tenant=None, scopes=frozenset(), method=method)
    scopes, categories = _scopes_and_categories([m for m in memberships if m.team.tenant_id == tenant.pk])
    return AuthContext(tenant=tenant, scopes=scopes, method=method, categories=categories)
