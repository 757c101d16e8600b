"""workflow-runs-v1 templates: published for every tenant, installed as a copy, never with secrets."""

import copy

import pytest

from runs.models import Template, Workflow
from tests.factories import api_client
from tests.runs.test_workflows_api import GRAPH, workflow

RID = "req_tpl"


def publish(client, workflow_id, **extra):
    return client.post(
        "/v1/templates", {"workflowId": workflow_id, **extra}, format="json", HTTP_X_REQUEST_ID=RID
    )


@pytest.fixture
def published(keyed_client):
    workflow_id = keyed_client.post("/v1/workflows", workflow(), format="json").json()["id"]
    response = publish(keyed_client, workflow_id, description="Post a sale to Discord")
    assert response.status_code == 201
    return response.json()


@pytest.mark.django_db
def test_publishing_copies_the_definition(published, tenant):
    assert (published["name"], published["description"], published["sourceVersion"]) == (
        "Discord Sale Alert",
        "Post a sale to Discord",
        1,
    )
    assert published["publisher"] == tenant.slug
    assert published["graph"] == GRAPH


@pytest.mark.django_db
def test_every_tenant_sees_and_installs_a_copy(published):
    other = api_client()
    listing = other.get("/v1/templates").json()
    assert [t["id"] for t in listing["items"]] == [published["id"]]
    assert "graph" not in listing["items"][0]
    assert other.get(f"/v1/templates/{published['id']}").json()["graph"] == GRAPH
    installed = other.post(f"/v1/templates/{published['id']}/install")
    assert installed.status_code == 201
    copy_ = Workflow.objects.get(pk=installed.json()["id"])
    assert copy_.tenant.slug != published["publisher"]
    assert (copy_.graph, copy_.version) == (GRAPH, 1)


@pytest.mark.django_db
def test_a_graph_with_a_stored_secret_or_a_literal_auth_header_is_not_published(
    keyed_client, settings, tmp_path
):
    settings.OPSGATE_ENCRYPTION_KEY_FILE = tmp_path / "k"
    keyed_client.post("/v1/credentials", {"name": "discord", "value": "hook-secret-123456"}, format="json")
    graph = copy.deepcopy(GRAPH)
    config = graph["nodes"][1]["data"]["config"]
    config["url"] = "https://discord.com/api/webhooks/hook-secret-123456"
    config["headers"] = {"Authorization": "Bearer abc", "X-Trace": "ok"}
    workflow_id = keyed_client.post("/v1/workflows", workflow(graph=graph), format="json").json()["id"]
    response = publish(keyed_client, workflow_id)
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "TEMPLATE_CARRIES_SECRETS",
                "message": "A published graph may reference credentials by name only",
                "details": [
                    "nodes.1.data.config.url: contains the value of a stored credential",
                    "node http-1.headers.Authorization: must use {{ credentials.<name> }}, not a literal",
                ],
                "requestId": RID,
            }
        },
    )
    assert not Template.objects.exists()
    config["url"] = "https://discord.com/api/webhooks/x"
    config["headers"] = {"Authorization": "Bearer {{ credentials.discord }}"}
    keyed_client.put(f"/v1/workflows/{workflow_id}", workflow(graph=graph), format="json")
    assert publish(keyed_client, workflow_id).status_code == 201


@pytest.mark.django_db
def test_publishing_needs_the_scope_and_a_workflow_of_ones_own(keyed_client, tenant):
    workflow_id = keyed_client.post("/v1/workflows", workflow(), format="json").json()["id"]
    assert publish(api_client(tenant=tenant, role="operator"), workflow_id).status_code == 403
    assert publish(api_client(), workflow_id).status_code == 404  # another tenant's workflow
    assert not Template.objects.exists()


@pytest.mark.django_db
def test_an_unknown_template_is_404(keyed_client):
    response = keyed_client.get("/v1/templates/00000000-0000-0000-0000-000000000000", HTTP_X_REQUEST_ID=RID)
    assert (response.status_code, response.json()) == (
        404,
        {"error": {"code": "NOT_FOUND", "message": "Template not found", "requestId": RID}},
    )
