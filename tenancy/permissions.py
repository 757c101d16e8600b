"""Scopes per HTTP method, declared by each view; a method with no declaration is refused."""

from __future__ import annotations

from rest_framework import exceptions, permissions

from tenancy.context import AuthContext
from tenancy.errors import TenantAmbiguous


class ScopePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        method = "GET" if request.method == "HEAD" else request.method
        if not hasattr(view, method.lower()):
            return True  # no handler: DRF answers 405 and nothing runs
        if method in getattr(view, "public_methods", ()):
            return True
        required = getattr(view, "required_scopes", {}).get(method)
        context = request.auth
        if not isinstance(context, AuthContext):
            return False  # DRF turns this into 401 when no credentials were accepted
        if required is None:
            raise exceptions.PermissionDenied(f"{method} is not permitted on this endpoint.")
        if context.method == "public":
            return True  # PublicReadAuthentication only admits declared public reads
        if getattr(view, "tenant_required", True) and context.tenant is None:
            if context.tenant_ambiguous:
                raise TenantAmbiguous()
            raise exceptions.PermissionDenied("You are not a member of any tenant.")
        missing = [scope for scope in required if scope not in context.scopes]
        if missing:
            raise exceptions.PermissionDenied(f"Missing scope: {', '.join(missing)}")
        return True
