from rest_framework import serializers

from governance.models import Credential, CredentialKind

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,99}$"


class CredentialInput(serializers.Serializer):
    name = serializers.RegexField(
        NAME_PATTERN, help_text="Letters, digits, '_' and '-', starting with a letter; at most 100."
    )
    value = serializers.CharField(max_length=10_000, trim_whitespace=False, write_only=True)
    kind = serializers.ChoiceField(choices=CredentialKind.choices, default=CredentialKind.API_KEY)
    provider = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_value(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value  # NUL characters are refused by CharField itself


class CredentialOutput(serializers.ModelSerializer):
    """Metadata and a masked preview; the value never leaves the server through the API."""

    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Credential
        fields = ["name", "kind", "provider", "preview", "expires_at", "createdAt", "updatedAt"]
