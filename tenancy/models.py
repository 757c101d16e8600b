"""Tenants own everything; users reach a tenant through team memberships whose roles carry scopes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Tenant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Role(models.Model):
    """A named set of scopes. Built-in roles are seeded by a migration and not editable in the admin."""

    name = models.SlugField(max_length=50, unique=True)
    description = models.CharField(max_length=200, blank=True)
    scopes = models.JSONField(default=list)
    builtin = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="teams")
    slug = models.SlugField(max_length=63)
    name = models.CharField(max_length=200)
    # Empty: every workflow category; else only these (xyOps category privileges).
    workflow_categories = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant__slug", "slug"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="team_slug_unique_per_tenant")]

    def __str__(self) -> str:
        return f"{self.tenant.slug}/{self.slug}"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="membership_unique_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} as {self.role}"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not revoked, not expired, and under its usage quota."""
        now = now or timezone.now()
        return self.filter(
            Q(revoked_at__isnull=True),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(usage_limit__isnull=True) | Q(usage_count__lt=F("usage_limit")),
        )


class ApiKey(models.Model):
    """An API key: only its public prefix and the SHA-256 of the whole key are stored.

    Its power is re-checked on every request against its owner's current roles in its tenant; an
    empty ``scopes`` means "all the owner has", a list narrows it further.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveBigIntegerField(null=True, blank=True)
    usage_count = models.PositiveBigIntegerField(default=0, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
