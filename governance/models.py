"""Governance rows."""

from django.conf import settings
from django.db import models

from tenancy.models import Tenant


class KillSwitch(models.Model):
    """An operator-api kill switch. ``enabled`` overrides its environment default; empty follows it.

    The known switches are seeded by a migration; their defaults live in
    ``settings.OPSGATE_KILL_SWITCH_DEFAULTS`` (read from the contract's environment variables).
    """

    key = models.SlugField(max_length=64, unique=True)
    env_var = models.CharField(max_length=64, help_text="The environment variable holding the default.")
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(
        null=True, blank=True, help_text="On/off; leave empty to follow the environment default."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "kill switches"

    def __str__(self) -> str:
        return self.key


class CredentialKind(models.TextChoices):
    API_KEY = "api_key", "API key"
    OAUTH2 = "oauth2", "OAuth 2"


class Credential(models.Model):
    """A tenant's secret for workflows (``{{ credentials.<name> }}``). Only the Fernet token of the
    value is stored; reads return metadata and a masked preview, never the value."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=CredentialKind.choices, default=CredentialKind.API_KEY)
    provider = models.CharField(max_length=100, blank=True)
    value_encrypted = models.TextField(editable=False)
    preview = models.CharField(max_length=32, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="credential_name_unique_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name
