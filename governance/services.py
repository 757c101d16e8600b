"""Writes in governance: credentials."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from core.tenant_scope import across_tenants
from governance.crypto import encrypt, reencrypt
from governance.errors import CredentialExists
from governance.models import Credential
from tenancy.models import Tenant


def mask(value: str) -> str:
    """What a person may see of a secret: its last four characters, and only when it is long."""
    return f"••••{value[-4:]}" if len(value) >= 12 else "••••"


def credential_create(*, tenant: Tenant, name: str, value: str, user=None, **metadata) -> Credential:
    """Stores ``value`` encrypted; ``CredentialExists`` (409) if the tenant already has ``name``."""
    credential = Credential(
        tenant=tenant,
        name=name,
        value_encrypted=encrypt(value),
        preview=mask(value),
        created_by=user,
        **metadata,
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
    rows: QuerySet,
    reencrypt_row: Callable[[Model], int],
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
            page = list(page[:batch])
            counts = [reencrypt_row(row) for row in page]
            changed = [row for row, count in zip(page, counts, strict=True) if count]
            rows.model._default_manager.bulk_update(changed, fields)
        if not page:
            return done
        done += sum(counts)
        last_pk = page[-1].pk
        if progress:
            progress(done)


def _credential_reencrypt(credential: Credential) -> int:
    credential.value_encrypted = reencrypt(credential.value_encrypted)
    credential.rotated_at = timezone.now()
    return 1


def credentials_rotate(*, batch: int = 200, progress=None) -> int:
    """Re-encrypts every credential under the newest key, a batch per transaction; returns how many."""
    credentials = across_tenants(Credential, reason="key rotation: every tenant's credentials")
    return rows_reencrypt(
        credentials,
        _credential_reencrypt,
        fields=["value_encrypted", "rotated_at"],
        batch=batch,
        progress=progress,
    )
