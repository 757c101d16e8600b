"""Who is calling, for which tenant, with which scopes: resolved once per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import Unauthenticated
from tenancy.errors import TenantNotFound
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
    tenant_ambiguous: bool = False  # several tenants and no X-Tenant-ID: refused where a tenant is needed


def _matches(tenant: Tenant, wanted: str) -> bool:
    if tenant.slug == wanted:
        return True
    try:
        return tenant.pk == uuid.UUID(wanted)
    except ValueError:
        return False


def _scopes_and_categories(rows) -> tuple[frozenset[str], frozenset[str] | None]:
    """Union of ``(role scopes, team categories)`` rows; any unrestricted team lifts the limit."""
    scopes: set[str] = set()
    categories: set[str] = set()
    unrestricted = False
    for role_scopes, team_categories in rows:
        scopes.update(role_scopes)
        if team_categories:
            categories.update(team_categories)
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
    memberships = Membership.objects.filter(user=user)
    if api_key is not None:
        tenant = api_key.tenant
        if requested_tenant and not _matches(tenant, requested_tenant):
            raise foreign_tenant_error(view)
        # Plain values, no model instances: this runs on every API-key request.
        rows = list(
            memberships.filter(team__tenant_id=tenant.pk).values_list(
                "role__scopes", "team__workflow_categories"
            )
        )
        if not rows:
            raise Unauthenticated("API key owner is no longer a member of the key's tenant")
        scopes, categories = _scopes_and_categories(rows)
        if api_key.scopes:
            scopes = scopes & frozenset(api_key.scopes)
        return AuthContext(
            tenant=tenant, scopes=scopes, method=method, categories=categories, api_key=api_key
        )

    mine = list(memberships.select_related("team__tenant", "role"))
    tenants = {m.team.tenant_id: m.team.tenant for m in mine}
    if requested_tenant:
        chosen = [t for t in tenants.values() if _matches(t, requested_tenant)]
        if not chosen:
            raise foreign_tenant_error(view)
        tenant = chosen[0]
    elif len(tenants) > 1:
        return AuthContext(tenant=None, scopes=frozenset(), method=method, tenant_ambiguous=True)
    else:
        tenant = next(iter(tenants.values()), None)
    if tenant is None:
        return AuthContext(tenant=None, scopes=frozenset(), method=method)
    rows = [(m.role.scopes, m.team.workflow_categories) for m in mine if m.team.tenant_id == tenant.pk]
    scopes, categories = _scopes_and_categories(rows)
    return AuthContext(tenant=tenant, scopes=scopes, method=method, categories=categories)
