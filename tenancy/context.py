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


def key_context(
    *, key: ApiKey, memberships: list[Membership], requested_tenant: str = "", view=None
) -> AuthContext:
    """An API key's context: bound to its tenant, limited to its own scopes and to what its owner's
    current ``memberships`` in that tenant grant (the caller loads them, with the role and team)."""
    if requested_tenant and not _matches(key.tenant, requested_tenant):
        raise foreign_tenant_error(view)
    scopes, categories = _scopes_and_categories(
        (m.role.scopes, m.team.workflow_categories) for m in memberships
    )
    if key.scopes:
        scopes = scopes & frozenset(key.scopes)
    return AuthContext(tenant=key.tenant, scopes=scopes, method="api_key", categories=categories, api_key=key)


def resolve_context(*, user, method: str, requested_tenant: str = "", view=None) -> AuthContext:
    """A person's tenant and scopes, from their current memberships (one query). A user in several
    tenants picks one with ``X-Tenant-ID`` (slug or id); without it, tenant-bound endpoints refuse."""
    memberships = Membership.objects.filter(user=user)
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
