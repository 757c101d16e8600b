"""operator-api section 2: ``GET /health``."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import OperatorApi
from governance import health
from governance.api.operator_api.serializers import HealthOutput


class HealthApi(OperatorApi):
    """200 healthy/degraded, 503 unhealthy (database unreachable).

    Authenticated like every endpoint (anonymous only with ``OPSGATE_PUBLIC_READ=1``), except that
    when the database is down no credential can be checked: then anyone gets the 503, which is
    what a load balancer needs and reveals nothing but the outage.
    """

    required_scopes = {"GET": ()}
    public_read_methods = frozenset({"GET"})
    tenant_required = False

    def initial(self, request, *args, **kwargs):
        self.database_error = health.database_error()
        if self.database_error is None:
            return super().initial(request, *args, **kwargs)
        # Skip authentication (it needs the database); still negotiate the response format.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        return None

    @extend_schema(responses={200: HealthOutput, 503: HealthOutput}, tags=["health"])
    def get(self, request):
        body = health.health_report(database_error=self.database_error)
        status = body["status"]
        return Response(HealthOutput(body).data, status=503 if status == "unhealthy" else 200)
