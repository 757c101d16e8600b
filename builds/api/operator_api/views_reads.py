"""operator-api reads of build runs: ``GET /runs``, ``/runs/{run_id}/progress``,
``/dashboard/runs/{run_id}/status``, ``/runs/{run_id}/issues/index``, ``/project/issues/backlog``,
``/runs/{run_id}/errors`` and ``/runs/{run_id}/errors/summary``.

Each needs ``runs:read`` (anonymous only with ``OPSGATE_PUBLIC_READ=1``, on the default tenant).
A missing or another tenant's run is 404 "Run X not found" (the origin answers the issue and error
reads of an unknown run with empty bodies; we answer as for every other read of a run). ``limit`` and
``offset`` are read as FastAPI reads an ``int`` query parameter: anything pydantic cannot make an
integer is 422 naming ``["query", name]``; integers are clamped (limit to 1-100, offset to 0 and up),
never refused, within +-(2^31 - 1) (documented, and refused beyond as ``Query(ge=, le=)`` would).
"""

from __future__ import annotations

from typing import Annotated

from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic import Field, TypeAdapter, ValidationError
from rest_framework.response import Response

from builds.api.operator_api import outputs_reads as out
from builds.reads.dashboard import dashboard_status_get
from builds.reads.error_reports import run_error_summary_get, run_errors_list
from builds.reads.issue_index import project_backlog_list, run_issue_index_get
from builds.reads.progress import build_progress_get
from builds.reads.runs_list import build_runs_list
from builds.reads.shapes import LIMIT_DEFAULT, LIMIT_MAX, PageBounds
from core.api import OperatorApi
from core.errors import ErrorDetail, Invalid
from core.pagination import OFFSET_MAX

TAGS = ["builds"]
# Any integer a 32-bit column could hold is read (then clamped); beyond that is refused, so no
# query parameter reaches the database as an integer it cannot hold.
QUERY_INT_BOUND = OFFSET_MAX
_QUERY_INT = TypeAdapter(Annotated[int, Field(ge=-QUERY_INT_BOUND, le=QUERY_INT_BOUND)])
_QUERY_INT_SCHEMA = {"type": "integer", "minimum": -QUERY_INT_BOUND, "maximum": QUERY_INT_BOUND}
PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit",
        _QUERY_INT_SCHEMA,
        description=f"Default {LIMIT_DEFAULT}; clamped to 1-{LIMIT_MAX}.",
    ),
    OpenApiParameter("offset", _QUERY_INT_SCHEMA, description="Default 0; a negative offset reads as 0."),
]


def query_integers(request, defaults: dict[str, int]) -> dict[str, int]:
    """Each of ``defaults``' names read from the query string as pydantic reads an ``int``."""
    values: dict[str, int] = {}
    problems: list[ErrorDetail] = []
    for name, default in defaults.items():
        raw = request.query_params.get(name)
        if raw is None:
            values[name] = default
            continue
        try:
            values[name] = _QUERY_INT.validate_python(raw)
        except ValidationError as exc:
            problems += [
                ErrorDetail(path=name, message=error["msg"], type=error["type"], location="query")
                for error in exc.errors(include_url=False)
            ]
    if problems:
        raise Invalid(details=problems)
    return values


def page_bounds(request) -> PageBounds:
    values = query_integers(request, {"limit": LIMIT_DEFAULT, "offset": 0})
    return PageBounds.clamped(limit=values["limit"], offset=values["offset"])


class BuildReadApi(OperatorApi):
    required_scopes = {"GET": ("runs:read",)}
    public_read_methods = frozenset({"GET"})


class RunsListApi(BuildReadApi):
    """The tenant's build runs, newest first."""

    @extend_schema(parameters=PAGE_PARAMETERS, responses={200: out.RunsPageOutput}, tags=TAGS)
    def get(self, request):
        return Response(build_runs_list(tenant=request.auth.tenant, bounds=page_bounds(request)))


class RunProgressApi(BuildReadApi):
    @extend_schema(responses={200: out.RunProgressOutput}, tags=TAGS)
    def get(self, request, run_id):
        return Response(build_progress_get(tenant=request.auth.tenant, run_id=run_id))


class DashboardRunStatusApi(BuildReadApi):
    @extend_schema(responses={200: out.DashboardRunStatusOutput}, tags=TAGS)
    def get(self, request, run_id):
        return Response(dashboard_status_get(tenant=request.auth.tenant, run_id=run_id))


class RunIssueIndexApi(BuildReadApi):
    @extend_schema(responses={200: out.RunIssueIndexOutput}, tags=TAGS)
    def get(self, request, run_id):
        return Response(run_issue_index_get(tenant=request.auth.tenant, run_id=run_id))


class ProjectBacklogApi(BuildReadApi):
    """The tenant's issues across its build runs, worst and most recent first."""

    @extend_schema(parameters=PAGE_PARAMETERS, responses={200: out.ProjectBacklogOutput}, tags=TAGS)
    def get(self, request):
        return Response(project_backlog_list(tenant=request.auth.tenant, bounds=page_bounds(request)))


class RunErrorsApi(BuildReadApi):
    @extend_schema(responses={200: out.RunErrorsOutput}, tags=TAGS)
    def get(self, request, run_id):
        return Response(run_errors_list(tenant=request.auth.tenant, run_id=run_id))


class RunErrorSummaryApi(BuildReadApi):
    @extend_schema(responses={200: out.RunErrorSummaryOutput}, tags=TAGS)
    def get(self, request, run_id):
        return Response(run_error_summary_get(tenant=request.auth.tenant, run_id=run_id))
