"""Who is calling, for which tenant, with which scopes: resolved once per request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS

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


def scopes_and_categories(rows) -> tuple[frozenset[str], frozenset[str] | None]:
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


def _in_model_order(model, names: set[str]) -> tuple[str, ...]:
    """``Model.from_db`` takes a subset of fields in the model's own field order."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)


def key_owner_grants(key: ApiKey):
    """``(user, tenant, [(role scopes, team categories), ...])`` for the key's owner in the key's
    tenant, or None when the owner belongs to no team there. One plain query on every API-key
    request: the user and tenant come back as deferred instances (other fields load on access)."""
    User = get_user_model()
    user_fields = _in_model_order(User, {"id", "username", "is_active", "is_staff", "is_superuser"})
    tenant_fields = _in_model_order(Tenant, {"id", "slug", "name"})
    rows = list(
        Membership.objects.filter(user_id=key.user_id, team__tenant_id=key.tenant_id).values_list(
            "role__scopes",
            "team__workflow_categories",
            *(f"user__{name}" for name in user_fields),
            *(f"team__tenant__{name}" for name in tenant_fields),
        )
    )
    if not rows:
        return None
    first, users = rows[0], len(user_fields)
    user = User.from_db(DEFAULT_DB_ALIAS, user_fields, first[2 : 2 + users])
    tenant = Tenant.from_db(DEFAULT_DB_ALIAS, tenant_fields, first[2 + users :])
    return user, tenant, [row[:2] for row in rows]


def key_context(*, key: ApiKey, grants, requested_tenant: str = "", view=None) -> AuthContext:
    """An API key's context: bound to its tenant, limited to its own scopes and to what its owner's
    current memberships there grant (``grants``: ``(role scopes, team categories)`` pairs)."""
    if requested_tenant and not _matches(key.tenant, requested_tenant):
        raise foreign_tenant_error(view)
    scopes, categories = scopes_and_categories(grants)
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
    scopes, categories = scopes_and_categories(rows)
    return AuthContext(tenant=tenant, scopes=scopes, method=method, categories=categories)
