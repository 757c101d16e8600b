"""Reads in governance (kill switches, credentials, a tenant's policy), scoped by tenant where rows
belong to one."""

from django.conf import settings
from django.db.models import QuerySet

from core.tenant_scope import for_tenant
from governance.crypto import decrypt
from governance.errors import CredentialNotFound
from governance.models import AutomationPolicy, Credential, KillSwitch, PolicyMode
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


# The policy's fields that the API and the admin change (the rest is bookkeeping).
POLICY_EDITABLE_FIELDS = (
    "mode",
    "require_human_approval_for",
    "allow_self_approval",
    "approval_lifetime_minutes",
    "on_deny",
    "category_risk_levels",
)


def policy_fields(policy: AutomationPolicy) -> dict:
    return {name: getattr(policy, name) for name in POLICY_EDITABLE_FIELDS}


def policy_view(tenant: Tenant) -> dict:
    """The policy as the API shows it; a tenant without a row reads as mode ``off``."""
    row = for_tenant(AutomationPolicy, tenant).first()
    policy = row or AutomationPolicy(tenant=tenant, mode=PolicyMode.OFF)
    return {
        **policy_fields(policy),
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by.get_username() if row and row.updated_by else None,
    }
