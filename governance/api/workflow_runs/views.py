"""workflow-runs-v1 credentials: store encrypted, read metadata only."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import WorkflowRunsApi
from core.pagination import LimitOffsetPage, page_parameters, page_schema
from governance.api.workflow_runs.serializers import CredentialInput, CredentialOutput
from governance.selectors import credential_get, credential_list
from governance.services import credential_create, credential_delete


class CredentialListApi(WorkflowRunsApi):
    required_scopes = {"GET": ("credentials:read",), "POST": ("credentials:write",)}

    @extend_schema(
        responses={200: page_schema(CredentialOutput, name="CredentialPage")},
        parameters=page_parameters(),
        tags=["credentials"],
    )
    def get(self, request):
        page = LimitOffsetPage()
        rows = page.paginate_queryset(credential_list(tenant=request.auth.tenant), request, self)
        return page.get_paginated_response(CredentialOutput(rows, many=True).data)

    @extend_schema(request=CredentialInput, responses={201: CredentialOutput}, tags=["credentials"])
    def post(self, request):
        data = CredentialInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = credential_create(tenant=request.auth.tenant, user=request.user, **data.validated_data)
        return Response(CredentialOutput(credential).data, status=201)


class CredentialDetailApi(WorkflowRunsApi):
    required_scopes = {"GET": ("credentials:read",), "DELETE": ("credentials:write",)}

    @extend_schema(responses={200: CredentialOutput}, tags=["credentials"])
    def get(self, request, name):
        return Response(CredentialOutput(credential_get(tenant=request.auth.tenant, name=name)).data)

    @extend_schema(responses={204: None}, tags=["credentials"])
    def delete(self, request, name):
        credential_delete(credential=credential_get(tenant=request.auth.tenant, name=name))
        return Response(status=204)
