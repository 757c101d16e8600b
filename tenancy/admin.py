"""Tenancy in the Django admin. Staff who are not superusers see and edit only their tenants."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.html import format_html

from tenancy.keys import generate_raw_key, hash_key
from tenancy.models import ApiKey, Membership, Role, Team, Tenant
from tenancy.scopes import ALL_SCOPES, unknown_scopes


def admin_tenant_ids(user) -> list:
    """Tenants a staff user administers: those where one of their roles holds ``tenant:admin``."""
    return [
        m.team.tenant_id
        for m in Membership.objects.filter(user=user).select_related("team", "role")
        if "tenant:admin" in m.role.scopes
    ]


class TenantScopedAdmin(admin.ModelAdmin):
    """Filters rows and foreign-key choices to the staff user's tenants unless superuser."""

    tenant_lookup = "tenant"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.tenant_lookup}__in": admin_tenant_ids(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            tenant_ids = admin_tenant_ids(request.user)
            if db_field.related_model is Tenant:
                kwargs["queryset"] = Tenant.objects.filter(pk__in=tenant_ids)
            elif db_field.related_model is Team:
                kwargs["queryset"] = Team.objects.filter(tenant__in=tenant_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    tenant_lookup = "pk"
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


def _scopes_help() -> str:
    return "Scopes: " + ", ".join(ALL_SCOPES)


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["name", "description", "scopes"]
        help_texts = {"scopes": _scopes_help()}

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise forms.ValidationError("Enter a JSON list of scope strings.")
        unknown = unknown_scopes(scopes)
        if unknown:
            raise forms.ValidationError(f"Unknown scopes: {', '.join(unknown)}")
        return sorted(set(scopes))


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    list_display = ["name", "description", "builtin"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and not (obj and obj.builtin)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and not (obj and obj.builtin)

    def has_add_permission(self, request):
        return request.user.is_superuser


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    list_display = ["slug", "name", "tenant"]
    list_filter = ["tenant"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    tenant_lookup = "team__tenant"
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", "team__tenant"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "team__tenant", "role"]


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["tenant", "user", "name", "scopes", "expires_at", "usage_limit", "revoked_at"]
        help_texts = {"scopes": "Empty list: everything the owner may do. " + _scopes_help()}

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"] or []
        if not isinstance(scopes, list):
            raise forms.ValidationError("Enter a JSON list of scope strings.")
        unknown = unknown_scopes(scopes)
        if unknown:
            raise forms.ValidationError(f"Unknown scopes: {', '.join(unknown)}")
        return sorted(set(scopes))

    def clean(self):
        cleaned = super().clean()
        tenant, user = cleaned.get("tenant"), cleaned.get("user")
        if tenant and user and not Membership.objects.filter(user=user, team__tenant=tenant).exists():
            raise forms.ValidationError("The key's owner must be a member of one of the tenant's teams.")
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(TenantScopedAdmin):
    form = ApiKeyForm
    list_display = [
        "name",
        "prefix",
        "tenant",
        "user",
        "expires_at",
        "revoked_at",
        "usage_count",
        "last_used_at",
    ]
    list_filter = ["tenant"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["prefix", "usage_count", "last_used_at", "created_at"]
    autocomplete_fields = ["user"]
    list_select_related = ["tenant", "user"]

    def save_model(self, request, obj, form, change):
        if not change:
            raw, obj.prefix = generate_raw_key()
            obj.key_hash = hash_key(raw)
            request._opsgate_raw_key = raw
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_opsgate_raw_key", None)
        if raw:
            messages.warning(
                request,
                format_html("API key created. Copy it now, it will not be shown again: <code>{}</code>", raw),
            )
        return super().response_add(request, obj, post_url_continue)


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class TenantScopedUserAdmin(UserAdmin):
    """Staff who are not superusers see only members of their tenants (also in key-owner pickers)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(memberships__team__tenant__in=admin_tenant_ids(request.user)).distinct()

    def get_readonly_fields(self, request, obj=None):
        """Only superusers grant platform-wide power; tenant admins manage access through memberships."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly
