from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.utils import html

from core.fields import StrictCharField
from core.schema import NON_BLANK_TEXT
from governance.models import Credential, CredentialKind

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,99}$"


class StatedChoiceField(serializers.ChoiceField):
    """A form's empty ``kind=`` states a choice that is not one (400), as JSON's ``"kind": ""`` does;
    DRF would read it as "not sent" and store the default."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class CredentialInput(serializers.Serializer):
    name = serializers.RegexField(
        NAME_PATTERN, help_text="Letters, digits, '_' and '-', starting with a letter; at most 100."
    )
    value = StrictCharField(
        max_length=10_000,
        trim_whitespace=False,
        write_only=True,
        # blank (whitespace only) is refused, and the schema says so; NUL is refused by CharField
        validators=[RegexValidator(NON_BLANK_TEXT, "This field may not be blank.")],
    )
    kind = StatedChoiceField(choices=CredentialKind.choices, default=CredentialKind.API_KEY)
    provider = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CredentialOutput(serializers.ModelSerializer):
    """Metadata and a masked preview; the value never leaves the server through the API."""

    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Credential
        fields = ["name", "kind", "provider", "preview", "expires_at", "createdAt", "updatedAt"]
