"""Writes in governance: credentials."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

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


def credentials_rotate(*, batch: int = 200, progress=None) -> int:
    """Re-encrypts every credential under the newest key, a batch per transaction; returns how many."""
    done, last_pk = 0, 0
    while True:
        with transaction.atomic():
            rows = list(Credential.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch])
            for credential in rows:
                credential.value_encrypted = reencrypt(credential.value_encrypted)
                credential.rotated_at = timezone.now()
            Credential.objects.bulk_update(rows, ["value_encrypted", "rotated_at"])
        if not rows:
            return done
        done += len(rows)
        last_pk = rows[-1].pk
        if progress:
            progress(done)
