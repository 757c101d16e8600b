"""Reads in governance, scoped by tenant where rows belong to one."""

from django.conf import settings
from django.db.models import QuerySet

from core.tenant_scope import for_tenant
from governance.crypto import decrypt
from governance.errors import CredentialNotFound
from governance.models import Credential, KillSwitch
from tenancy.models import Tenant


def kill_switch_states() -> dict[str, bool]:
    """Every known switch: its row's override, else its environment default."""
    states = dict(settings.OPSGATE_KILL_SWITCH_DEFAULTS)
    for key, enabled in KillSwitch.objects.filter(enabled__isnull=False).values_list("key", "enabled"):
        if key in states:
            states[key] = enabled
    return states


def credential_list(*, tenant: Tenant) -> QuerySet[Credential]:
    return for_tenant(Credential, tenant).defer("value_encrypted").order_by("name", "pk")


def credential_get(*, tenant: Tenant, name: str) -> Credential:
    """Raises ``CredentialNotFound`` for a missing name and for another tenant's alike."""
    credential = for_tenant(Credential, tenant).filter(name=name).first()
    if credential is None:
        raise CredentialNotFound(f"Credential '{name}' not found")
    return credential


def credential_value(*, tenant: Tenant, name: str) -> str:
    """The clear value, for the code that sends it (an automation webhook). Raises
    ``CredentialNotFound``, or ``InvalidToken`` when no configured key opens it."""
    return decrypt(credential_get(tenant=tenant, name=name).value_encrypted)
