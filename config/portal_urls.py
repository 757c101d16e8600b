"""The operator portal's pages, under /portal/ (namespace ``portal``)."""

from django.urls import path

from approvals import views as approvals
from automation import views as automation
from builds import views as builds
from ops.health_page import health_page
from runs import views as runs
from tenancy import views as tenancy

app_name = "portal"

urlpatterns = [
    path("", approvals.inbox_page, name="inbox"),
    path("inbox/items", approvals.inbox_items, name="inbox-items"),
    path("approvals/<int:pk>", approvals.approval_page, name="approval"),
    path("approvals/<int:pk>/decide", approvals.approval_decide, name="approval-decide"),
    path("runs", runs.runs_page, name="runs"),
    # Run ids are chosen by agents and may hold "/": they take the rest of the path.
    path("runs/<path:run_id>", runs.run_page, name="run"),
    path("run-cancel/<path:run_id>", runs.run_cancel_view, name="run-cancel"),
    path("builds/<path:run_id>", builds.build_page, name="build"),
    path("build-artifacts/<int:pk>", builds.build_artifact, name="build-artifact"),
    path("rules", automation.rules_page, name="rules"),
    path("rules/<uuid:rule_id>", automation.rule_page, name="rule"),
    path("rules/<uuid:rule_id>/execute", automation.rule_execute, name="rule-execute"),
    path("executions/<uuid:execution_id>", automation.execution_page, name="execution"),
    path("health", health_page, name="health"),
    path("tenant", tenancy.tenant_switch, name="tenant"),
    path("login", tenancy.login, name="login"),
    path("logout", tenancy.logout, name="logout"),
]
