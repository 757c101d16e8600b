"""Our addition under /api/v1/: list, read and revoke the tenant's API keys (scope ``tenant:admin``)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import WorkflowRunsApi
from core.pagination import LimitOffsetPage, page_parameters, page_schema
from tenancy.api.workflow_runs.serializers import ApiKeyOutput
from tenancy.selectors import api_key_get, api_key_list
from tenancy.services import api_key_revoke


class ApiKeyListApi(WorkflowRunsApi):
    required_scopes = {"GET": ("tenant:admin",)}

    @extend_schema(
        responses={200: page_schema(ApiKeyOutput, name="ApiKeyPage")},
        parameters=page_parameters(),
        tags=["api-keys"],
    )
    def get(self, request):
        page = LimitOffsetPage()
        keys = page.paginate_queryset(api_key_list(tenant=request.auth.tenant), request, self)
        return page.get_paginated_response(ApiKeyOutput(keys, many=True).data)


class ApiKeyDetailApi(WorkflowRunsApi):
    required_scopes = {"GET": ("tenant:admin",), "DELETE": ("tenant:admin",)}

    @extend_schema(responses={200: ApiKeyOutput}, tags=["api-keys"])
    def get(self, request, key_id):
        return Response(ApiKeyOutput(api_key_get(tenant=request.auth.tenant, key_id=key_id)).data)

    @extend_schema(responses={200: ApiKeyOutput}, tags=["api-keys"], description="Revokes the key.")
    def delete(self, request, key_id):
        key = api_key_revoke(api_key=api_key_get(tenant=request.auth.tenant, key_id=key_id))
        return Response(ApiKeyOutput(key).data)
