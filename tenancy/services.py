"""Every write in tenancy: tenants, memberships, users, API keys."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from core.errors import ErrorDetail, Invalid
from tenancy.errors import EmailTaken, UsernameTaken
from tenancy.keys import generate_raw_key, hash_key
from tenancy.models import ApiKey, Membership, Role, Team, Tenant
from tenancy.scopes import unknown_scopes

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def tenant_ensure(*, slug: str, name: str = "") -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": name or slug})
    return tenant


@transaction.atomic
def membership_ensure(*, tenant: Tenant, user: User, role: Role, team_slug: str = "default") -> Membership:
    """Puts ``user`` in the tenant's team ``team_slug`` (created if missing) with ``role``."""
    team, _ = Team.objects.get_or_create(tenant=tenant, slug=team_slug, defaults={"name": team_slug.title()})
    membership, created = Membership.objects.get_or_create(user=user, team=team, defaults={"role": role})
    if not created and membership.role_id != role.pk:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def user_register(*, username: str, email: str, password: str) -> User:
    """Open registration (operator-api): a user with no tenant until an admin adds them to a team.

    Raises ``UsernameTaken``/``EmailTaken`` (400, username checked first, as the origin) and
    ``Invalid`` when the password fails the configured validators.
    """
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise UsernameTaken()
    if user_model.objects.filter(email__iexact=email).exists():
        raise EmailTaken()
    candidate = user_model(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise Invalid(
            details=[
                ErrorDetail("password", message, "value_error", "WEAK_PASSWORD") for message in exc.messages
            ]
        ) from None
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # lost a race with an identical registration
        raise UsernameTaken() from None
    return candidate


@transaction.atomic
def api_key_create(
    *,
    tenant: Tenant,
    user: User,
    name: str,
    scopes: list[str] | tuple[str, ...] = (),
    expires_at: datetime | None = None,
    usage_limit: int | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its raw value, which is returned here once and never stored."""
    unknown = unknown_scopes(scopes)
    if unknown:
        raise Invalid(
            details=[
                ErrorDetail("scopes", f"Unknown scope: {s}", "value_error", "UNKNOWN_SCOPE") for s in unknown
            ]
        )
    raw, prefix = generate_raw_key()
    key = ApiKey.objects.create(
        tenant=tenant,
        user=user,
        name=name,
        prefix=prefix,
        key_hash=hash_key(raw),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        usage_limit=usage_limit,
    )
    return key, raw


def api_key_use(*, raw_key: str) -> ApiKey:
    """Counts one use of the key whose hash matches ``raw_key``, in one conditional UPDATE, so that
    concurrent requests can never pass its quota; raises ``AuthenticationFailed`` with the reason.

    Returns an unsaved-looking ``ApiKey`` carrying id, tenant_id, user_id, scopes and name (the hot path
    loads nothing else). A wrong secret never matches a hash, so it cannot spend anyone's quota.
    """
    now = timezone.now()
    key_hash = hash_key(raw_key)
    table = ApiKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET usage_count = usage_count + 1, last_used_at = %s "  # noqa: S608 - table name is ours
            "WHERE key_hash = %s AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s) "
            "AND (usage_limit IS NULL OR usage_count < usage_limit) "
            "RETURNING id, tenant_id, user_id, scopes, name",
            [now, key_hash, now],
        )
        row = cursor.fetchone()
    if row is not None:
        key_id, tenant_id, user_id, scopes, name = row
        scopes = json.loads(scopes) if isinstance(scopes, str) else scopes
        return ApiKey(
            id=key_id, tenant_id=tenant_id, user_id=user_id, scopes=scopes, key_hash=key_hash, name=name
        )
    known = ApiKey.objects.filter(key_hash=key_hash).values("revoked_at", "expires_at").first()
    if known is None:
        raise AuthenticationFailed("Invalid API key")
    if known["revoked_at"] is not None:
        raise AuthenticationFailed("API key has been revoked")
    if known["expires_at"] is not None and known["expires_at"] <= now:
        raise AuthenticationFailed("API key has expired")
    raise AuthenticationFailed("API key usage quota exceeded")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revokes once; revoking again keeps the first revocation time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key
