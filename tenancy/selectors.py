"""Every read in tenancy, always scoped by tenant."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from core.tenant_scope import for_tenant
from tenancy.errors import ApiKeyNotFound
from tenancy.models import ApiKey, Tenant


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return for_tenant(ApiKey, tenant).select_related("user").order_by("-created_at", "id")


def api_key_get(*, tenant: Tenant, key_id: uuid.UUID) -> ApiKey:
    """Raises ``ApiKeyNotFound`` for a missing key and for another tenant's key alike."""
    key = api_key_list(tenant=tenant).filter(pk=key_id).first()
    if key is None:
        raise ApiKeyNotFound()
    return key
