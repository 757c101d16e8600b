"""DRF authentication: ``X-API-Key``, ``Authorization: Bearer <JWT>``, the browser session, and the
anonymous public read that ``OPSGATE_PUBLIC_READ=1`` allows. Each sets ``request.auth`` to an
``AuthContext``."""

from __future__ import annotations

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions

from tenancy.context import TENANT_HEADER, AuthContext, key_context, key_owner_grants, resolve_context
from tenancy.models import Tenant
from tenancy.services import api_key_use
from tenancy.tokens import decode_access_token

WWW_AUTHENTICATE = 'Bearer realm="opsgate"'


def _view(request):
    return (getattr(request, "parser_context", None) or {}).get("view")


def _requested_tenant(request) -> str:
    return request.headers.get(TENANT_HEADER, "").strip()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``X-API-Key: ogk_...`` (header name in any case). Counts usage and refuses keys that are
    unknown, revoked, expired, over quota, or whose owner is disabled or left the tenant."""

    def authenticate(self, request):
        raw = request.headers.get("X-API-Key")
        if raw is None:
            return None
        key = api_key_use(raw_key=raw.strip())
        grants = key_owner_grants(key)
        if grants is None:
            raise exceptions.AuthenticationFailed("API key owner is no longer a member of the key's tenant")
        user, tenant, rows = grants
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User account is disabled")
        key.user, key.tenant = user, tenant
        context = key_context(
            key=key, grants=rows, requested_tenant=_requested_tenant(request), view=_view(request)
        )
        return user, context

    def authenticate_header(self, request):
        return WWW_AUTHENTICATE


class JwtAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` with a token from ``/api/auth/login``."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if not token:
            raise exceptions.AuthenticationFailed("Could not validate credentials")
        try:
            claims = decode_access_token(token)
            user = get_user_model().objects.get(pk=claims["user_id"])
        except (
            jwt.InvalidTokenError,
            KeyError,
            TypeError,
            ValueError,
            get_user_model().DoesNotExist,
        ):
            raise exceptions.AuthenticationFailed("Could not validate credentials") from None
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User account is disabled")
        context = resolve_context(
            user=user,
            method="jwt",
            requested_tenant=_requested_tenant(request),
            view=_view(request),
        )
        return user, context

    def authenticate_header(self, request):
        return WWW_AUTHENTICATE


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's Django session (CSRF enforced on unsafe methods, as DRF does)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        context = resolve_context(
            user=user,
            method="session",
            requested_tenant=_requested_tenant(request),
            view=_view(request),
        )
        return user, context


class PublicReadAuthentication(authentication.BaseAuthentication):
    """Anonymous reads a contract marks "Auth: None", only with ``OPSGATE_PUBLIC_READ=1`` (DEBUG only),
    served on the default tenant. Must come last: any credential sent is checked first."""

    def authenticate(self, request):
        view = _view(request)
        method = "GET" if request.method == "HEAD" else request.method
        if not settings.OPSGATE_PUBLIC_READ or method not in getattr(view, "public_read_methods", ()):
            return None
        tenant = Tenant.objects.filter(slug=settings.OPSGATE_DEFAULT_TENANT).first()
        if tenant is None:
            return None
        scopes = frozenset(getattr(view, "required_scopes", {}).get(method, ()))
        return AnonymousUser(), AuthContext(tenant=tenant, scopes=scopes, method="public")
