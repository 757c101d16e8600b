"""Mounts every contract. Order matters: the contract catch-all comes last."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.contracts import CATCH_ALL_PATTERN
from core.views import contract_route_not_found
from governance.api.workflow_runs.policy import PolicyApi
from ops.demo_views import demo_echo

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask every page's site for /favicon.ico (the portal's pages also link it under /static/).
    path("favicon.ico", serve, {"path": "favicon.ico", "document_root": settings.BASE_DIR / "static"}),
    # the operator portal (server-rendered pages for people)
    path("", RedirectView.as_view(pattern_name="portal:inbox"), name="home"),
    path("portal/", include("config.portal_urls")),
    # API documentation: public, it holds no tenant data.
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # operator-api
    path("api/auth/", include("tenancy.api.operator_api.urls")),
    path("", include("governance.api.operator_api.urls")),
    path("", include("builds.api.operator_api.urls")),
    # run-journal-v0
    path("v1/", include("runs.api.run_journal.urls")),
    path("v1/", include("approvals.api.run_journal.urls")),
    # workflow-runs-v1, served under /v1/ and /api/v1/
    path("v1/", include("governance.api.workflow_runs.urls")),
    path("api/v1/", include("governance.api.workflow_runs.urls")),
    path("v1/", include("runs.api.workflow_runs.urls")),
    path("api/v1/", include("runs.api.workflow_runs.urls")),
    # automation-rule-execute
    path("api/v1/automation/", include("automation.api.urls")),
    # run-event policy gate (xyOps /api/app/...): run_event, then the Automation Manager
    path("api/app/", include("runs.api.run_event.urls")),
    path("api/app/", include("governance.api.run_event.urls")),
    # our additions under workflow-runs' /api/v1/ prefix
    path("api/v1/", include("tenancy.api.workflow_runs.urls")),
    path("api/v1/policy", PolicyApi.as_view()),
    # the demo workflows' local peer (only with OPSGATE_DEMO_ENDPOINTS)
    path("demo/echo", demo_echo),
    # URL misses under a contract's prefix answer in that contract's envelope.
    re_path(CATCH_ALL_PATTERN, contract_route_not_found),
]
