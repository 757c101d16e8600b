from rest_framework import serializers

from tenancy.models import ApiKey


class ApiKeyOutput(serializers.ModelSerializer):
    """Metadata only: the raw key is shown once at creation and its hash never leaves the database."""

    owner = serializers.CharField(source="user.username")

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "owner",
            "scopes",
            "expires_at",
            "revoked_at",
            "usage_limit",
            "usage_count",
            "last_used_at",
            "created_at",
        ]
