"""operator-api section 8: register, login, me, JWKS."""

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, Throttled
from rest_framework.response import Response

from core.api import OperatorApi
from core.errors import Forbidden, Unauthenticated
from tenancy.api.operator_api.serializers import (
    JwksOutput,
    LoginInput,
    MeOutput,
    RegisterInput,
    TokenOutput,
    UserOutput,
)
from tenancy.services import user_register
from tenancy.throttles import LoginRateThrottle
from tenancy.tokens import issue_access_token, jwks


class RegisterApi(OperatorApi):
    public_methods = frozenset({"POST"})
    authentication_classes = []

    @extend_schema(request=RegisterInput, responses={201: UserOutput}, tags=["auth"], auth=[])
    def post(self, request):
        if not settings.OPSGATE_ALLOW_REGISTRATION:
            raise Forbidden("Registration is closed")
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class LoginApi(OperatorApi):
    public_methods = frozenset({"POST"})
    authentication_classes = []
    throttle_classes = [LoginRateThrottle]

    def throttled(self, request, wait):
        exc = Throttled(wait)
        exc.detail = ErrorDetail("Too many login attempts. Please try again later.", code="throttled")
        raise exc

    @extend_schema(request=LoginInput, responses={200: TokenOutput}, tags=["auth"], auth=[])
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise Unauthenticated("Incorrect username or password")
        token, lifetime = issue_access_token(user)
        return Response({"access_token": token, "token_type": "bearer", "expires_in": lifetime})


class MeApi(OperatorApi):
    required_scopes = {"GET": ()}
    tenant_required = False

    @extend_schema(responses={200: MeOutput}, tags=["auth"])
    def get(self, request):
        return Response(MeOutput(request.user, context={"auth": request.auth}).data)


class JwksApi(OperatorApi):
    public_methods = frozenset({"GET"})
    authentication_classes = []

    @extend_schema(responses={200: JwksOutput}, tags=["auth"], auth=[])
    def get(self, request):
        return Response(jwks())
