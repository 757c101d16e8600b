"""Reading and changing a tenant's ``AutomationPolicy`` (the API's and the admin's one path)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ErrorDetail, Invalid
from governance.audit import audit_record, field_changes
from governance.models import AutomationPolicy, PolicyMode
from tenancy.models import Tenant

EDITABLE = (
    "mode",
    "require_human_approval_for",
    "allow_self_approval",
    "approval_lifetime_minutes",
    "on_deny",
    "category_risk_levels",
)


def policy_fields(policy: AutomationPolicy) -> dict:
    return {name: getattr(policy, name) for name in EDITABLE}


def policy_view(tenant: Tenant) -> dict:
    """The policy as the API shows it; a tenant without a row reads as mode ``off``."""
    row = AutomationPolicy.objects.filter(tenant=tenant).first()
    policy = row or AutomationPolicy(tenant=tenant, mode=PolicyMode.OFF)
    return {
        **policy_fields(policy),
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by.get_username() if row and row.updated_by else None,
    }


def policy_update(*, tenant: Tenant, data: dict, user) -> AutomationPolicy:
    """Replaces the fields in ``data`` (the rest keep their value), validated by the model's
    ``full_clean`` as in the admin, and audited. Raises ``Invalid`` with one detail per field."""
    with transaction.atomic():
        policy, _ = AutomationPolicy.objects.select_for_update().get_or_create(tenant=tenant)
        before = policy_fields(policy)
        for name in EDITABLE:
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
        policy.updated_by = user if getattr(user, "is_authenticated", False) else None
        policy.save()
        changes = field_changes(before, policy_fields(policy))
        if changes:
            actor = user.get_username() if policy.updated_by else "api"
            audit_record(tenant=tenant, actor=actor, action="policy.update", obj=policy, changes=changes)
    return policy
