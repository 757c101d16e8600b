"""Writes in governance: credentials, their key rotation, and a tenant's policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from core.errors import ErrorDetail, Invalid
from core.tenant_scope import across_tenants
from governance.audit import audit_record, field_changes
from governance.crypto import encrypt, reencrypt
from governance.errors import CredentialExists
from governance.models import AutomationPolicy, Credential, CredentialKind
from governance.selectors import POLICY_EDITABLE_FIELDS, policy_fields
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

M = TypeVar("M", bound=Model)


def mask(value: str) -> str:
    """What a person may see of a secret: its last four characters, and only when it is long."""
    return f"••••{value[-4:]}" if len(value) >= 12 else "••••"


def credential_create(
    *,
    tenant: Tenant,
    name: str,
    value: str,
    user: User | None = None,
    kind: str = CredentialKind.API_KEY,
    provider: str = "",
    expires_at: datetime | None = None,
) -> Credential:
    """Stores ``value`` encrypted; ``CredentialExists`` (409) if the tenant already has ``name``."""
    credential = Credential(
        tenant=tenant,
        name=name,
        kind=kind,
        provider=provider,
        value_encrypted=encrypt(value),
        preview=mask(value),
        expires_at=expires_at,
        created_by=user,
    )
    try:
        with transaction.atomic():
            credential.save()
    except IntegrityError:
        raise CredentialExists(f"A credential named '{name}' already exists") from None
    return credential


def credential_set_value(*, credential: Credential, value: str) -> Credential:
    credential.value_encrypted = encrypt(value)
    credential.preview = mask(value)
    credential.save(update_fields=["value_encrypted", "preview", "updated_at"])
    return credential


def credential_delete(*, credential: Credential) -> None:
    credential.delete()


def rows_reencrypt(
    rows: QuerySet[M],
    reencrypt_row: Callable[[M], int],
    *,
    fields: list[str],
    batch: int = 200,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Key rotation's loop, for every app that keeps tokens under ``governance.crypto``'s keys.

    ``reencrypt_row(row)`` re-encrypts one row's tokens in place and says how many; the rows with
    any are saved (``fields``). One batch per transaction, its rows locked, so a long rotation holds
    no lock for long and a failure keeps the batches already done. Returns the number of tokens.
    """
    done, last_pk = 0, None
    while True:
        with transaction.atomic():
            page = rows.select_for_update().order_by("pk")
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            chunk = list(page[:batch])
            counts = [reencrypt_row(row) for row in chunk]
            changed = [row for row, count in zip(chunk, counts, strict=True) if count]
            rows.model._default_manager.bulk_update(changed, fields)
        if not chunk:
            return done
        done += sum(counts)
        last_pk = chunk[-1].pk
        if progress:
            progress(done)


def _credential_reencrypt(credential: Credential) -> int:
    credential.value_encrypted = reencrypt(credential.value_encrypted)
    credential.rotated_at = timezone.now()
    return 1


def credentials_rotate(*, batch: int = 200, progress: Callable[[int], object] | None = None) -> int:
    """Re-encrypts every credential under the newest key, a batch per transaction; returns how many."""
    credentials = across_tenants(Credential, reason="key rotation: every tenant's credentials")
    return rows_reencrypt(
        credentials,
        _credential_reencrypt,
        fields=["value_encrypted", "rotated_at"],
        batch=batch,
        progress=progress,
    )


def policy_update(
    *, tenant: Tenant, data: dict[str, Any], user: User | AnonymousUser | None
) -> AutomationPolicy:
    """Replaces the fields in ``data`` (the rest keep their value), validated by the model's
    ``full_clean`` as in the admin, and audited. Raises ``Invalid`` with one detail per field."""
    with transaction.atomic():
        policy, _ = AutomationPolicy.objects.select_for_update().get_or_create(tenant=tenant)
        before = policy_fields(policy)
        for name in POLICY_EDITABLE_FIELDS:
            if name in data:
                setattr(policy, name, data[name])
        try:
            policy.full_clean(exclude=["tenant", "updated_by"])
        except ValidationError as exc:
            raise Invalid(
                details=[
                    ErrorDetail(field, message, "invalid", "INVALID")
                    for field, messages in sorted(exc.message_dict.items())
                    for message in messages
                ]
            ) from None
        signed_in = user if user is not None and user.is_authenticated else None
        policy.updated_by = signed_in
        policy.save()
        changes = field_changes(before, policy_fields(policy))
        if changes:
            actor = signed_in.get_username() if signed_in is not None else "api"
            audit_record(tenant=tenant, actor=actor, action="policy.update", obj=policy, changes=changes)
    return policy
