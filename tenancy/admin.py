"""Tenancy in the Django admin. Staff who are not superusers see and edit only their tenants.

A tenant admin (a staff user whose role holds ``tenant:admin``) manages their tenants' teams,
memberships and API keys, and the user accounts that belong to no one else: users are shared
across tenants, so accounts that are superusers or members of another tenant stay out of reach.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.utils.html import format_html

from core.forms import StorableJSONField
from tenancy.admin_login import limit_admin_login
from tenancy.keys import generate_raw_key, hash_key
from tenancy.models import ApiKey, Membership, Role, Team, Tenant
from tenancy.scopes import ALL_SCOPES, unknown_scopes
from tenancy.services import api_key_revoke

TENANT_FILTER = admin.RelatedOnlyFieldListFilter  # lists only tenants in the scoped rows

limit_admin_login(admin.site)  # the admin's sign-in shares the portal's and the API's attempt limit


def admin_tenant_ids(user) -> list:
    """Tenants a staff user administers: those where one of their roles holds ``tenant:admin``."""
    return [
        m.team.tenant_id
        for m in Membership.objects.filter(user=user).select_related("team", "role")
        if "tenant:admin" in m.role.scopes
    ]


def manageable_users(user):
    """Accounts ``user`` may see, pick and edit: all for superusers; else non-superusers with no
    membership outside the tenants ``user`` administers (unaffiliated users can be onboarded)."""
    users = get_user_model().objects.all()
    if user.is_superuser:
        return users
    foreign = Membership.objects.exclude(team__tenant__in=admin_tenant_ids(user)).values("user")
    return users.filter(is_superuser=False).exclude(pk__in=foreign)


def clean_scope_list(value) -> list[str]:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise forms.ValidationError("Enter a JSON list of scope strings.")
    unknown = unknown_scopes(value)
    if unknown:
        raise forms.ValidationError(f"Unknown scopes: {', '.join(unknown)}")
    return sorted(set(value))


def _scopes_help() -> str:
    return "Scopes: " + ", ".join(ALL_SCOPES)


# Every admin JSON field refuses text no column can hold (``\u0000``) on its field, not with a 500.
JSON_FIELDS = {models.JSONField: {"form_class": StorableJSONField}}


class TenantScopedAdmin(admin.ModelAdmin):
    """Filters rows and foreign-key choices to the staff user's tenants unless superuser."""

    tenant_lookup = "tenant"
    formfield_overrides = JSON_FIELDS

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
            elif db_field.related_model is get_user_model():
                kwargs["queryset"] = manageable_users(request.user)
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


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["name", "description", "scopes"]
        help_texts = {"scopes": _scopes_help()}

    def clean_scopes(self):
        return clean_scope_list(self.cleaned_data["scopes"])


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    form = RoleForm
    formfield_overrides = JSON_FIELDS
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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is get_user_model() and not request.user.is_superuser:
            kwargs["queryset"] = manageable_users(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    list_display = ["slug", "name", "tenant"]
    list_filter = [("tenant", TENANT_FILTER)]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(TenantScopedAdmin):
    tenant_lookup = "team__tenant"
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", ("team__tenant", TENANT_FILTER)]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "team__tenant", "role"]


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["tenant", "user", "name", "scopes", "expires_at", "usage_limit"]
        help_texts = {"scopes": "Empty list: everything the owner may do. " + _scopes_help()}

    def clean_scopes(self):
        return clean_scope_list(self.cleaned_data["scopes"])

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
    list_filter = [("tenant", TENANT_FILTER)]
    search_fields = ["name", "prefix", "user__username"]
    # Revocation is final: only the "revoke" action sets it, nothing clears it.
    readonly_fields = ["prefix", "revoked_at", "usage_count", "last_used_at", "created_at"]
    autocomplete_fields = ["user"]
    list_select_related = ["tenant", "user"]
    actions = ["revoke"]

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(api_key=key)
        self.message_user(request, f"Revoked {queryset.count()} API key(s).")

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
    """Non-superusers see and edit only ``manageable_users`` (also what key-owner pickers offer)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=manageable_users(request.user).values("pk"))

    def get_readonly_fields(self, request, obj=None):
        """Only superusers grant platform-wide power; tenant admins manage access through memberships."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return readonly
