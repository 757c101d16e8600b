"""``GET/PUT /api/v1/policy``: the tenant's policy gate (our addition; validated as the admin does)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import WorkflowRunsApi
from core.fields import StrictBooleanField
from core.schema import UniqueListField
from governance.models import RISK_LEVELS, OnDeny, PolicyMode
from governance.selectors import policy_view
from governance.services import policy_update


class PolicyInput(serializers.Serializer):
    """Fields left out keep their value."""

    mode = serializers.ChoiceField(choices=PolicyMode.values, required=False)
    require_human_approval_for = UniqueListField(
        child=serializers.ChoiceField(choices=RISK_LEVELS), required=False
    )
    allow_self_approval = StrictBooleanField(required=False)
    approval_lifetime_minutes = serializers.IntegerField(
        required=False, min_value=1, max_value=60 * 24 * 30, help_text="Between 1 minute and 30 days."
    )
    on_deny = serializers.ChoiceField(choices=OnDeny.values, required=False)
    category_risk_levels = serializers.DictField(
        child=serializers.ChoiceField(choices=RISK_LEVELS), required=False
    )


class PolicyOutput(PolicyInput):
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_null=True)


class PolicyApi(WorkflowRunsApi):
    required_scopes = {"GET": ("governance:read",), "PUT": ("policy:write",)}

    @extend_schema(responses={200: PolicyOutput}, tags=["policy"])
    def get(self, request):
        return Response(PolicyOutput(policy_view(request.auth.tenant)).data)

    @extend_schema(request=PolicyInput, responses={200: PolicyOutput}, tags=["policy"])
    def put(self, request):
        data = PolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy_update(tenant=request.auth.tenant, data=data.validated_data, user=request.user)
        return Response(PolicyOutput(policy_view(request.auth.tenant)).data)
