"""Governance rows: kill switches, credentials, each tenant's automation policy and the gate's
decisions, the audit log."""

from django.conf import settings
from django.core.exceptions import ValidationError
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


RISK_LEVELS = ("low", "medium", "high", "critical")


class PolicyMode(models.TextChoices):
    OFF = "off", "Off (no gate)"
    ADVISORY = "advisory", "Advisory (allow, record the advice)"
    ENFORCED = "enforced", "Enforced (deny without human approval)"


class OnDeny(models.TextChoices):
    ERROR = "error", "Refuse the launch"
    REQUEST_APPROVAL = "request_approval", "Refuse, and hold the launch for an operator's approval"


def _default_approval_levels() -> list[str]:
    return ["high", "critical"]


class AutomationPolicy(models.Model):
    """A tenant's policy gate (docs/architecture.md): one row per tenant; none means mode ``off``.

    ``category_risk_levels`` maps a workflow category to its risk level: the last fallback before
    ``medium`` when neither the request nor the workflow names one (xyOps' category risk).
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="automation_policy")
    mode = models.CharField(max_length=16, choices=PolicyMode.choices, default=PolicyMode.ADVISORY)
    require_human_approval_for = models.JSONField(
        default=_default_approval_levels, blank=True, help_text=f"Risk levels among {', '.join(RISK_LEVELS)}."
    )
    allow_self_approval = models.BooleanField(
        default=False, help_text="May the person who asked for an approval decide it themselves?"
    )
    approval_lifetime_minutes = models.PositiveIntegerField(
        default=24 * 60, help_text="How long a launch held for approval stays open."
    )
    on_deny = models.CharField(max_length=20, choices=OnDeny.choices, default=OnDeny.ERROR)
    category_risk_levels = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "automation policies"

    def __str__(self) -> str:
        return f"{self.tenant} ({self.mode})"

    def clean(self) -> None:
        """The one validation for the admin and ``PUT /api/v1/policy``."""
        errors = {}
        levels = self.require_human_approval_for
        if not isinstance(levels, list) or any(level not in RISK_LEVELS for level in levels):
            errors["require_human_approval_for"] = f"A list of risk levels among: {', '.join(RISK_LEVELS)}."
        elif len(set(levels)) != len(levels):
            errors["require_human_approval_for"] = "Each risk level at most once."
        by_category = self.category_risk_levels
        if not isinstance(by_category, dict) or any(
            not isinstance(k, str) or not k or v not in RISK_LEVELS for k, v in by_category.items()
        ):
            errors["category_risk_levels"] = (
                f"An object mapping category names to a risk level among: {', '.join(RISK_LEVELS)}."
            )
        if not 1 <= (self.approval_lifetime_minutes or 0) <= 60 * 24 * 30:
            errors["approval_lifetime_minutes"] = "Between 1 minute and 30 days (43200)."
        if errors:
            raise ValidationError(errors)


class PolicyDecision(models.Model):
    """Every decision the gate made (the origin kept the last 100 in memory; we keep them all)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    decision_id = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)
    task_title = models.CharField(max_length=500, blank=True)
    username = models.CharField(max_length=200, blank=True)
    risk_level = models.CharField(max_length=16)
    mode = models.CharField(max_length=16)
    requires_human_approval = models.BooleanField()
    human_approved = models.BooleanField()
    allowed = models.BooleanField()
    reason = models.CharField(max_length=500)
    run_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "-at"], name="policy_decision_recent")]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.reason}"


class AuditEntry(models.Model):
    """Who changed what (policies, rules), hash-chained per tenant like the journal."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["tenant", "-at"], name="audit_recent")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
