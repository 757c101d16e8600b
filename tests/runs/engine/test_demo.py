"""The demo workflows run against the portal's own /demo/echo: no internet needed."""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.wsgi import get_wsgi_application
from rest_framework.test import APIClient

from automation.models import AutomationRule
from ops.demo import demo_load
from runs.models import Run, RunState, Step, Workflow


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def portal(settings):
    """The portal's WSGI app on 127.0.0.1 (``/demo/echo`` needs no database)."""
    settings.OPSGATE_DEMO_ENDPOINTS = True
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.OPSGATE_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_the_demo_echo_workflow_succeeds_and_the_approval_one_waits(
    portal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demo_load()
    echo = Run.objects.get(workflow__name="Demo: echo an order")
    assert echo.state == RunState.SUCCEEDED, echo.error
    assert Step.objects.get(run=echo, node_id="transform-1").output == "Echoed order A-1001"
    payout = Run.objects.get(workflow__name="Demo: approve a payout")
    assert (payout.state, payout.waiting_for) == (RunState.WAITING, "approval")
    assert payout.approvals.get().title == "Pay out 250?"
    agent = Run.objects.get(run_id="demo-agent-restart")
    assert (agent.status, agent.approvals.get().requested_by) == ("paused", "deploy-bot")
    assert AutomationRule.objects.get().name == "Demo: note a deploy"
    demo_load()  # loading again adds no workflows, runs or rules (the fourth run is the demo build)
    assert (Workflow.objects.count(), Run.objects.count(), AutomationRule.objects.count()) == (2, 4, 1)


@pytest.mark.django_db
def test_the_echo_endpoint_hides_credentials_and_is_off_by_default(settings):
    settings.OPSGATE_DEMO_ENDPOINTS = True
    body = APIClient().post("/demo/echo", {"a": 1}, format="json", HTTP_AUTHORIZATION="Bearer x").json()
    assert (body["method"], body["json"]) == ("POST", {"a": 1})
    assert "Authorization" not in body["headers"]
    settings.OPSGATE_DEMO_ENDPOINTS = False
    assert APIClient().get("/demo/echo").status_code == 404
