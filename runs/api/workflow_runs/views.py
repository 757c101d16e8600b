"""workflow-runs-v1 workflows: CRUD, export and import. Thin: the rules live in runs.workflows."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api import WorkflowRunsApi
from core.errors import ErrorDetail, Invalid
from core.pagination import LimitOffsetPage, page_parameters, page_schema
from runs.api.workflow_runs.serializers import (
    TemplateOutput,
    TemplatePublishInput,
    TemplateSummaryOutput,
    WorkflowCreatedOutput,
    WorkflowExport,
    WorkflowInput,
    WorkflowOutput,
    WorkflowSummaryOutput,
)
from runs.selectors import workflow_get
from runs.services import (
    template_install,
    template_publish,
    workflow_create,
    workflow_delete,
    workflow_replace,
)
from runs.workflow_templates import template_get, template_list
from runs.workflows import workflow_list


def _definition(request) -> dict:
    data = WorkflowInput(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class WorkflowListApi(WorkflowRunsApi):
    required_scopes = {"GET": ("workflows:read",), "POST": ("workflows:write",)}

    @extend_schema(
        responses={200: page_schema(WorkflowSummaryOutput, name="WorkflowPage")},
        parameters=[
            *page_parameters(),
            OpenApiParameter("name", str, description="name contains (any case)"),
            OpenApiParameter("tag", str),
            OpenApiParameter("category", str),
        ],
        tags=["workflows"],
    )
    def get(self, request):
        workflows = workflow_list(
            tenant=request.auth.tenant,
            categories=request.auth.categories,
            name=request.query_params.get("name", ""),
            tag=request.query_params.get("tag", ""),
            category=request.query_params.get("category", ""),
        )
        page = LimitOffsetPage()
        rows = page.paginate_queryset(workflows, request, self)
        return page.get_paginated_response(WorkflowSummaryOutput(rows, many=True).data)

    @extend_schema(request=WorkflowInput, responses={201: WorkflowCreatedOutput}, tags=["workflows"])
    def post(self, request):
        workflow = workflow_create(
            tenant=request.auth.tenant,
            definition=_definition(request),
            user=request.user,
            categories=request.auth.categories,
        )
        return Response(WorkflowCreatedOutput(workflow).data, status=201)


class WorkflowDetailApi(WorkflowRunsApi):
    required_scopes = {
        "GET": ("workflows:read",),
        "PUT": ("workflows:write",),
        "DELETE": ("workflows:write",),
    }

    def _workflow(self, request, workflow_id):
        return workflow_get(
            tenant=request.auth.tenant, workflow_id=workflow_id, categories=request.auth.categories
        )

    @extend_schema(responses={200: WorkflowOutput}, tags=["workflows"])
    def get(self, request, workflow_id):
        return Response(WorkflowOutput(self._workflow(request, workflow_id)).data)

    @extend_schema(request=WorkflowInput, responses={200: WorkflowOutput}, tags=["workflows"])
    def put(self, request, workflow_id):
        workflow = workflow_replace(
            workflow=self._workflow(request, workflow_id),
            definition=_definition(request),
            user=request.user,
            categories=request.auth.categories,
        )
        return Response(WorkflowOutput(workflow).data)

    @extend_schema(responses={204: None}, tags=["workflows"])
    def delete(self, request, workflow_id):
        workflow_delete(workflow=self._workflow(request, workflow_id))
        return Response(status=204)


class WorkflowExportApi(WorkflowRunsApi):
    required_scopes = {"GET": ("workflows:read",)}

    @extend_schema(responses={200: WorkflowExport}, tags=["workflows"])
    def get(self, request, workflow_id):
        workflow = workflow_get(
            tenant=request.auth.tenant, workflow_id=workflow_id, categories=request.auth.categories
        )
        meta = {
            "name": workflow.name,
            "version": 1,
            "exportedAt": timezone.now().isoformat().replace("+00:00", "Z"),
        }
        if workflow.description:
            meta["description"] = workflow.description
        return Response({**workflow.graph, "meta": meta})


class WorkflowImportApi(WorkflowRunsApi):
    """The origin's export format in; a new workflow out (named from ``meta.name``)."""

    required_scopes = {"POST": ("workflows:write",)}

    @extend_schema(request=WorkflowExport, responses={201: WorkflowCreatedOutput}, tags=["workflows"])
    def post(self, request):
        if not isinstance(request.data, dict):
            raise Invalid(details=[ErrorDetail("", "Expected a workflow JSON object")])
        graph = {k: v for k, v in request.data.items() if k not in ("meta", "metadata")}
        meta = next((request.data[k] for k in ("meta", "metadata") if request.data.get(k) is not None), {})
        if not isinstance(meta, dict):
            raise Invalid(details=[ErrorDetail("meta", "Expected an object with the workflow's name")])
        definition = {
            "name": str(meta.get("name") or "Untitled")[:200],
            "description": str(meta.get("description") or ""),
            "category": "",
            "tags": [],
            "targets": [],
            "graph": graph,
        }
        workflow = workflow_create(
            tenant=request.auth.tenant,
            definition=definition,
            user=request.user,
            categories=request.auth.categories,
        )
        return Response(WorkflowCreatedOutput(workflow).data, status=201)


class TemplateListApi(WorkflowRunsApi):
    required_scopes = {"GET": ("templates:read",), "POST": ("templates:publish",)}

    @extend_schema(
        responses={200: page_schema(TemplateSummaryOutput, name="TemplatePage")},
        parameters=page_parameters(),
        tags=["templates"],
    )
    def get(self, request):
        page = LimitOffsetPage()
        rows = page.paginate_queryset(template_list(), request, self)
        return page.get_paginated_response(TemplateSummaryOutput(rows, many=True).data)

    @extend_schema(request=TemplatePublishInput, responses={201: TemplateOutput}, tags=["templates"])
    def post(self, request):
        data = TemplatePublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        workflow = workflow_get(
            tenant=request.auth.tenant,
            workflow_id=data.validated_data["workflowId"],
            categories=request.auth.categories,
        )
        template = template_publish(
            tenant=request.auth.tenant,
            workflow=workflow,
            user=request.user,
            name=data.validated_data["name"],
            description=data.validated_data["description"],
        )
        return Response(TemplateOutput(template).data, status=201)


class TemplateDetailApi(WorkflowRunsApi):
    required_scopes = {"GET": ("templates:read",)}

    @extend_schema(responses={200: TemplateOutput}, tags=["templates"])
    def get(self, request, template_id):
        return Response(TemplateOutput(template_get(template_id=template_id)).data)


class TemplateInstallApi(WorkflowRunsApi):
    required_scopes = {"POST": ("templates:read", "workflows:write")}

    @extend_schema(request=None, responses={201: WorkflowCreatedOutput}, tags=["templates"])
    def post(self, request, template_id):
        workflow = template_install(
            template=template_get(template_id=template_id),
            tenant=request.auth.tenant,
            user=request.user,
            categories=request.auth.categories,
        )
        return Response(WorkflowCreatedOutput(workflow).data, status=201)
