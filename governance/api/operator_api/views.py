"""operator-api section 2: ``GET /health``."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

import config
from core.api import OperatorApi
from governance import health
from governance.api.operator_api.serializers import HealthOutput
from governance.selectors import kill_switch_states


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
        database_ok = self.database_error is None
        worker = health.worker_state() if database_ok else {"state": "unknown", "clusters": 0, "queued": None}
        qdrant = health.qdrant_state()
        if not database_ok:
            status = "unhealthy"
        elif worker["state"] != "running" or qdrant not in ("disabled", "connected"):
            status = "degraded"
        else:
            status = "healthy"
        body = {
            "status": status,
            "timestamp": timezone.now(),
            "database_identity": health.database_identity(),
            "database": "connected" if database_ok else self.database_error,
            "qdrant": qdrant,
            "kill_switches": kill_switch_states()
            if database_ok
            else dict(settings.OPSGATE_KILL_SWITCH_DEFAULTS),
            "version": config.__version__,
            "service": "opsgate",
            "component": "api",
            "worker": worker,
        }
        return Response(HealthOutput(body).data, status=503 if status == "unhealthy" else 200)
