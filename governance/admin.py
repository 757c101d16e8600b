from django import forms
from django.conf import settings
from django.contrib import admin

from core.forms import SchemaJSONWidget
from governance.crypto import encrypt
from governance.models import (
    RISK_LEVELS,
    AuditEntry,
    AutomationPolicy,
    Credential,
    KillSwitch,
    PolicyDecision,
)
from governance.selectors import POLICY_EDITABLE_FIELDS, policy_fields
from governance.services import credential_set_value, mask, policy_update
from tenancy.admin import TenantScopedAdmin

admin.site.site_header = admin.site.site_title = "Opsgate administration"
admin.site.index_title = "Site administration"

# The policy's JSON fields in the editor: choice lists of the risk levels the model's ``clean`` accepts.
POLICY_EDITOR_SCHEMAS = {
    "require_human_approval_for": {
        "type": "array",
        "title": "Risk levels that need a human approval",
        "items": {"type": "string", "enum": list(RISK_LEVELS)},
    },
    "category_risk_levels": {
        "type": "object",
        "title": "Risk level by workflow category",
        "keys": {},
        "additionalProperties": {"type": "string", "enum": list(RISK_LEVELS)},
    },
}


@admin.register(KillSwitch)
class KillSwitchAdmin(admin.ModelAdmin):
    list_display = ["key", "enabled", "environment_default", "env_var", "updated_at"]
    readonly_fields = ["key", "env_var", "description", "updated_at"]
    fields = ["key", "description", "env_var", "enabled", "updated_at"]

    @admin.display(boolean=True)
    def environment_default(self, obj):
        return settings.OPSGATE_KILL_SWITCH_DEFAULTS.get(obj.key)

    def has_add_permission(self, request):
        return False  # the known switches are seeded; unknown keys would do nothing

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


class CredentialForm(forms.ModelForm):
    """The value is write-only: typed to set or replace it, never shown."""

    value = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Type a new value to set or replace the secret; leave empty to keep it.",
    )

    class Meta:
        model = Credential
        fields = ["tenant", "name", "kind", "provider", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("value"):
            self.add_error("value", "A new credential needs a value.")
        return cleaned


@admin.register(Credential)
class CredentialAdmin(TenantScopedAdmin):
    form = CredentialForm
    list_display = ["name", "tenant", "kind", "provider", "preview", "expires_at", "updated_at"]
    list_filter = [("tenant", admin.RelatedOnlyFieldListFilter), "kind"]
    search_fields = ["name", "provider"]
    readonly_fields = ["preview", "created_at", "updated_at", "rotated_at"]
    list_select_related = ["tenant"]

    def save_model(self, request, obj, form, change):
        value = form.cleaned_data.get("value")
        if not change:
            obj.value_encrypted, obj.preview, obj.created_by = encrypt(value), mask(value), request.user
            super().save_model(request, obj, form, change)
        else:
            super().save_model(request, obj, form, change)
            if value:
                credential_set_value(credential=obj, value=value)


@admin.register(AutomationPolicy)
class AutomationPolicyAdmin(TenantScopedAdmin):
    """One policy per tenant; the model's ``clean`` validates as ``PUT /api/v1/policy`` does."""

    list_display = ["tenant", "mode", "on_deny", "allow_self_approval", "updated_at", "updated_by"]
    fields = ["tenant", *POLICY_EDITABLE_FIELDS, "updated_at", "updated_by"]
    readonly_fields = ["updated_at", "updated_by"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in POLICY_EDITOR_SCHEMAS:
            kwargs["widget"] = SchemaJSONWidget(schema=POLICY_EDITOR_SCHEMAS[db_field.name])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = policy_update(tenant=obj.tenant, data=policy_fields(obj), user=request.user)
        obj.pk = saved.pk


class ReadOnlyAdmin(TenantScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicyDecision)
class PolicyDecisionAdmin(ReadOnlyAdmin):
    list_display = ["at", "tenant", "task_title", "risk_level", "mode", "allowed", "reason", "username"]
    list_filter = ["allowed", "mode", "risk_level"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "tenant", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
