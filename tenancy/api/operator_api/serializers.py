from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import StrictCharField


class RegisterInput(serializers.Serializer):
    # Django's own username rule (letters, digits and @.+-_), so every stored name can sign in.
    username = StrictCharField(min_length=3, max_length=50, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField()
    password = StrictCharField(min_length=8, max_length=100, write_only=True, trim_whitespace=False)


class LoginInput(serializers.Serializer):
    """``OAuth2PasswordRequestForm`` fields; only username and password matter."""

    username = StrictCharField()
    password = StrictCharField(trim_whitespace=False)
    grant_type = StrictCharField(required=False, allow_blank=True)
    scope = StrictCharField(required=False, allow_blank=True)
    client_id = StrictCharField(required=False, allow_blank=True)
    client_secret = StrictCharField(required=False, allow_blank=True)


class TokenOutput(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Lifetime in seconds (our addition).")


class UserOutput(serializers.ModelSerializer):
    """The origin's ``UserResponse``; ``created_at``/``updated_at`` are the join and last login times."""

    created_at = serializers.DateTimeField(source="date_joined")
    updated_at = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "email",
            "is_active",
            "is_superuser",
            "created_at",
            "updated_at",
        ]

    def get_updated_at(self, user) -> str:
        return serializers.DateTimeField().to_representation(user.last_login or user.date_joined)


class TenantRef(serializers.Serializer):
    id = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()


class MeOutput(UserOutput):
    tenant = serializers.SerializerMethodField(help_text="The tenant this request acts in (our addition).")
    scopes = serializers.SerializerMethodField(help_text="The scopes this request holds (our addition).")
    auth_method = serializers.SerializerMethodField()

    class Meta(UserOutput.Meta):
        fields = [*UserOutput.Meta.fields, "tenant", "scopes", "auth_method"]

    @extend_schema_field(TenantRef(allow_null=True))
    def get_tenant(self, user):
        tenant = self.context["auth"].tenant
        return TenantRef(tenant).data if tenant else None

    def get_scopes(self, user) -> list[str]:
        return sorted(self.context["auth"].scopes)

    def get_auth_method(self, user) -> str:
        return self.context["auth"].method


class JwkOutput(serializers.Serializer):
    kty = serializers.CharField()
    alg = serializers.CharField()
    use = serializers.CharField()
    kid = serializers.CharField()
    n = serializers.CharField()
    e = serializers.CharField()


class JwksOutput(serializers.Serializer):
    keys = JwkOutput(many=True)
