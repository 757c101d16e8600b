"""A URLconf for envelope tests: one view per contract base class that raises on demand."""

from django.urls import path
from rest_framework import serializers

import config.urls
from core import api
from core.errors import Conflict, Forbidden, NotFound


class ProbeInput(serializers.Serializer):
    name = serializers.CharField()


def _raise(kind: str):
    if kind == "validation":
        ProbeInput(data={}).is_valid(raise_exception=True)
    if kind == "not_found":
        raise NotFound("Run not found")
    if kind == "conflict":
        raise Conflict("Already decided")
    if kind == "coded_conflict":
        raise Conflict("Event ID already exists for this run", code="DUPLICATE_EVENT_ID")
    if kind == "forbidden":
        raise Forbidden("Missing scope: runs:start")
    raise RuntimeError("database password is hunter2")


def _probe_views(base):
    class Raising(base):
        public_methods = frozenset({"GET"})
        authentication_classes = []

        def get(self, request, kind):
            _raise(kind)

    class NeedsScope(base):
        required_scopes = {"GET": ("runs:read",)}

        def get(self, request):
            return None

        def post(self, request):  # declares no scopes: must be refused
            return None

    return Raising.as_view(), NeedsScope.as_view()


BASES = {
    "operator_api": api.OperatorApi,
    "run_journal": api.RunJournalApi,
    "workflow_runs": api.WorkflowRunsApi,
    "automation_rules": api.AutomationRulesApi,
    "run_event": api.RunEventApi,
}

urlpatterns = []
for name, base in BASES.items():
    raising, needs_scope = _probe_views(base)
    urlpatterns += [
        path(f"probe/{name}/raise/<str:kind>", raising),
        path(f"probe/{name}/auth", needs_scope),
    ]


def plain_crash(request):
    raise RuntimeError("plain view crashed with secret hunter2")


urlpatterns += [path("v1/plain-crash", plain_crash), *config.urls.urlpatterns]
