"""The two ways to read tenant-owned rows, so a read that spans tenants is always a named choice.

``for_tenant(Model or queryset, tenant)`` is the normal read: only that tenant's rows, and never
every tenant's rows by accident (a missing tenant is an error, not "no filter").
``across_tenants(Model or queryset, reason=...)`` marks the few reads that must span tenants
(sweeps, a lookup where a secret token decides): greppable, and a reason is required.
A test keeps selectors and background tasks on these two (tests/test_tenant_scope.py).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

TENANT_FIELD = "tenant"
TENANT_MODEL = "tenancy.Tenant"


def _queryset(source: type[models.Model] | models.QuerySet) -> models.QuerySet:
    if isinstance(source, models.QuerySet):
        return source
    if isinstance(source, type) and issubclass(source, models.Model):
        return source._default_manager.all()
    raise TypeError(f"Expected a model or a queryset, got {source!r}")


def is_tenant_owned(model: type[models.Model]) -> bool:
    """A model with a ``tenant`` foreign key (or one-to-one) to ``tenancy.Tenant``."""
    try:
        field = model._meta.get_field(TENANT_FIELD)
    except FieldDoesNotExist:
        return False
    related = getattr(field, "related_model", None)
    return related is not None and related._meta.label == TENANT_MODEL


def tenant_owned_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if is_tenant_owned(model)]


def for_tenant(source: type[models.Model] | models.QuerySet, tenant) -> models.QuerySet:
    """The rows of ``tenant`` (a Tenant or its id). Refuses a missing tenant and models that no
    tenant owns: either would silently read every tenant's rows."""
    queryset = _queryset(source)
    if tenant is None or tenant == "":
        raise ValueError("for_tenant needs a tenant: without one it would read every tenant's rows")
    if not is_tenant_owned(queryset.model):
        raise TypeError(f"{queryset.model.__name__} has no tenant; scope it through its parent")
    return queryset.filter(**{TENANT_FIELD: tenant})


def across_tenants(source: type[models.Model] | models.QuerySet, *, reason: str) -> models.QuerySet:
    """Every tenant's rows, for a read that must span tenants; ``reason`` says why (it is what a
    reviewer greps for)."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("across_tenants needs a reason")
    return _queryset(source)
