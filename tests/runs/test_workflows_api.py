"""workflow-runs-v1 workflows: CRUD, versions, filters, graph validation, export/import."""

import copy
import json

import pytest
from rest_framework.test import APIClient

from runs.models import Workflow, WorkflowVersion
from tests.factories import TeamFactory, api_client, api_key_for, member

RID = "req_wf"


def node(node_id, type_, config=None, x=0):
    return {"id": node_id, "type": type_, "position": {"x": x, "y": 0}, "data": {"config": config or {}}}


def edge(edge_id, source, target, **extra):
    return {"id": edge_id, "source": source, "target": target, **extra}


GRAPH = {
    "nodes": [
        node("start-1", "start"),
        node(
            "http-1",
            "http",
            {"method": "POST", "url": "https://discord.com/api/webhooks/X", "body": "{}"},
            x=300,
        ),
    ],
    "edges": [edge("edge-1", "start-1", "http-1")],
}


def workflow(**overrides):
    return {
        "name": "Discord Sale Alert",
        "graph": copy.deepcopy(GRAPH),
        "tags": ["notification"],
        **overrides,
    }


def post(client, body, prefix="/v1"):
    return client.post(f"{prefix}/workflows", body, format="json", HTTP_X_REQUEST_ID=RID)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_create_answers_the_contracts_201_body(keyed_client, tenant, prefix):
    response = post(keyed_client, workflow(description="Send notifications"), prefix)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "createdAt", "version"}
    assert (body["name"], body["version"]) == ("Discord Sale Alert", 1)
    stored = Workflow.objects.get(pk=body["id"], tenant=tenant)
    assert stored.graph == GRAPH
    detail = keyed_client.get(f"{prefix}/workflows/{body['id']}").json()
    assert (detail["graph"], detail["tags"], detail["description"]) == (
        GRAPH,
        ["notification"],
        "Send notifications",
    )


@pytest.mark.django_db
def test_put_replaces_the_definition_and_keeps_every_version(keyed_client):
    workflow_id = post(keyed_client, workflow()).json()["id"]
    changed = workflow(name="Renamed", tags=[], category="sales")
    changed["graph"]["nodes"][1]["data"]["config"]["url"] = "https://example.com/hook"
    response = keyed_client.put(f"/v1/workflows/{workflow_id}", changed, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["version"], body["tags"], body["category"]) == ("Renamed", 2, [], "sales")
    versions = list(WorkflowVersion.objects.filter(workflow_id=workflow_id).order_by("version"))
    assert [(v.version, v.name) for v in versions] == [(1, "Discord Sale Alert"), (2, "Renamed")]
    assert versions[0].graph == GRAPH  # the previous definition is kept as it was


@pytest.mark.django_db
def test_delete_removes_it(keyed_client):
    workflow_id = post(keyed_client, workflow()).json()["id"]
    assert keyed_client.delete(f"/v1/workflows/{workflow_id}").status_code == 204
    response = keyed_client.get(f"/v1/workflows/{workflow_id}", HTTP_X_REQUEST_ID=RID)
    assert (response.status_code, response.json()) == (
        404,
        {"error": {"code": "NOT_FOUND", "message": "Workflow not found", "requestId": RID}},
    )


@pytest.mark.django_db
def test_list_paginates_and_filters_by_name_tag_and_category(keyed_client, django_assert_max_num_queries):
    for i in range(5):
        post(
            keyed_client,
            workflow(name=f"Alert {i}", tags=["alerts", f"t{i}"], category="ops" if i % 2 else "sales"),
        )
    post(keyed_client, workflow(name="Payroll", tags=["money"], category="finance"))
    with django_assert_max_num_queries(6):
        page = keyed_client.get("/v1/workflows?limit=2&offset=1").json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (6, 2, 1, 2)
    assert "graph" not in page["items"][0]

    def names(query):
        return [w["name"] for w in keyed_client.get(f"/v1/workflows?{query}").json()["items"]]

    assert names("name=alert") == ["Alert 0", "Alert 1", "Alert 2", "Alert 3", "Alert 4"]
    assert names("tag=money") == ["Payroll"]
    assert names("tag=t3") == ["Alert 3"]
    assert names("category=ops") == ["Alert 1", "Alert 3"]


def with_graph(mutate):
    graph = copy.deepcopy(GRAPH)
    mutate(graph)
    return graph


INVALID = [
    (
        "url",
        lambda g: g["nodes"][1]["data"]["config"].update(url="not a url"),
        ["Node 'http-1' config.url must be a valid URL"],
    ),
    (
        "missing endpoint",
        lambda g: g["edges"].append(edge("edge-2", "http-1", "missing-node")),
        ["Edge references non-existent node 'missing-node'"],
    ),
    (
        "no start",
        lambda g: g["nodes"].pop(0) and g["edges"].clear(),
        ["Workflow must have exactly one start node (found 0)"],
    ),
    (
        "two starts",
        lambda g: (
            g["nodes"].append(node("start-2", "start")) or g["edges"].append(edge("e9", "start-2", "http-1"))
        ),
        ["Workflow must have exactly one start node (found 2)"],
    ),
    (
        "duplicate id",
        lambda g: g["nodes"].append(node("http-1", "transform", {"output": 1})),
        ["Duplicate node id 'http-1'"],
    ),
    (
        "cycle",
        lambda g: (
            g["nodes"].append(node("t-1", "transform", {"output": 1}))
            or g["edges"].extend([edge("e2", "http-1", "t-1"), edge("e3", "t-1", "http-1")])
        ),
        ["Workflow contains a cycle: http-1 -> t-1 -> http-1"],
    ),
    (
        "unreachable",
        lambda g: g["nodes"].append(node("delay-1", "delay", {"seconds": 5})),
        ["Node 'delay-1' is not reachable from the start node"],
    ),
    (
        "unknown config key",
        lambda g: g["nodes"][1]["data"]["config"].update(verify_tls=False),
        ["Node 'http-1' config.verify_tls is not a known setting"],
    ),
    (
        "missing config",
        lambda g: g["nodes"][1]["data"]["config"].pop("url"),
        ["Node 'http-1' config.url is required"],
    ),
    (
        "start config must be empty",
        lambda g: g["nodes"][0]["data"]["config"].update(anything=1),
        ["Node 'start-1' config.anything is not a known setting"],
    ),
    (
        "condition handles",
        lambda g: (
            g["nodes"].append(
                node("c-1", "condition", {"left": "{{ input.x }}", "operator": "equals", "right": 1})
            )
            or g["edges"].extend([edge("e2", "http-1", "c-1"), edge("e3", "c-1", "start-1")])
        ),
        [
            "Edge 'e3' leads into the start node",
            "Edge 'e3' from condition node 'c-1' needs sourceHandle 'true' or 'false'",
            "Workflow contains a cycle: start-1 -> http-1 -> c-1 -> start-1",
        ],
    ),
    (
        "unknown node type",
        lambda g: g["nodes"][1].update(type="email"),
        [
            "graph.nodes.1.type: Input should be 'start', 'http', 'approval', 'condition', 'transform' or 'delay'"  # noqa: E501
        ],
    ),
    (
        "unknown edge key",
        lambda g: g["edges"][0].update(weight=3),
        ["graph.edges.0.weight: Extra inputs are not permitted"],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "mutate", "details"), INVALID, ids=[c[0] for c in INVALID])
def test_every_graph_problem_is_reported_with_the_envelopes_body(keyed_client, case, mutate, details):
    response = post(keyed_client, workflow(graph=with_graph(mutate)))
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Invalid workflow graph",
                "details": details,
                "requestId": RID,
            }
        },
    )
    assert not Workflow.objects.exists()


@pytest.mark.django_db
def test_all_problems_are_reported_together(keyed_client):
    def several(g):
        g["nodes"][1]["data"]["config"].update(url="nope")
        g["edges"].append(edge("edge-2", "http-1", "missing-node"))

    details = post(keyed_client, workflow(graph=with_graph(several))).json()["error"]["details"]
    assert details == [
        "Node 'http-1' config.url must be a valid URL",
        "Edge references non-existent node 'missing-node'",
    ]


@pytest.mark.django_db
def test_a_bad_body_is_400(keyed_client):
    response = post(keyed_client, {"graph": GRAPH})
    assert (response.status_code, response.json()["error"]["details"]) == (
        400,
        ["name: This field is required."],
    )


@pytest.mark.django_db
def test_a_put_with_a_bad_graph_changes_nothing(keyed_client):
    workflow_id = post(keyed_client, workflow()).json()["id"]
    bad = workflow(graph={"nodes": [], "edges": []})
    assert keyed_client.put(f"/v1/workflows/{workflow_id}", bad, format="json").status_code == 400
    stored = Workflow.objects.get(pk=workflow_id)
    assert (stored.version, stored.graph) == (1, GRAPH)


def canonical(document: dict) -> str:
    """The round-trip comparison: keys sorted, the export timestamp (which must differ) left out."""
    document = copy.deepcopy(document)
    document.get("meta", {}).pop("exportedAt", None)
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


@pytest.mark.django_db
def test_export_then_import_round_trips_the_json(keyed_client):
    graph = with_graph(lambda g: g["nodes"][1]["data"].update(label="Notify"))
    graph["edges"][0].update(sourceHandle=None, type="default")
    workflow_id = post(keyed_client, workflow(graph=graph, description="Sale alerts")).json()["id"]
    exported = keyed_client.get(f"/v1/workflows/{workflow_id}/export").json()
    assert exported["meta"]["name"] == "Discord Sale Alert" and exported["meta"]["version"] == 1
    assert {k: exported[k] for k in ("nodes", "edges")} == graph
    imported = keyed_client.post("/v1/workflows/import", exported, format="json")
    assert imported.status_code == 201
    again = keyed_client.get(f"/v1/workflows/{imported.json()['id']}/export").json()
    assert canonical(again) == canonical(exported)


@pytest.mark.django_db
def test_importing_an_invalid_workflow_json_is_400(keyed_client):
    response = keyed_client.post("/v1/workflows/import", {"nodes": [], "edges": []}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == ["Workflow must have exactly one start node (found 0)"]


@pytest.mark.django_db
def test_scopes_guard_reading_and_writing(tenant):
    viewer = api_client(tenant=tenant, role="viewer")
    assert viewer.get("/v1/workflows").status_code == 200
    assert post(viewer, workflow()).status_code == 403
    assert not Workflow.objects.exists()


@pytest.mark.django_db
def test_another_tenants_workflow_is_404(keyed_client):
    outsider = api_client()
    workflow_id = post(outsider, workflow()).json()["id"]
    for method in ("get", "delete"):
        assert getattr(keyed_client, method)(f"/v1/workflows/{workflow_id}").status_code == 404
    assert keyed_client.put(f"/v1/workflows/{workflow_id}", workflow(), format="json").status_code == 404
    assert keyed_client.get("/v1/workflows").json()["total"] == 0
    assert Workflow.objects.get(pk=workflow_id).version == 1


@pytest.mark.django_db
def test_team_category_limits_apply(tenant):
    billing = member(team=TeamFactory(tenant=tenant, workflow_categories=["billing"]), role="editor")
    raw, _ = api_key_for(billing, tenant)
    limited = APIClient()
    limited.credentials(HTTP_X_API_KEY=raw)
    assert post(limited, workflow(category="billing")).status_code == 201
    response = post(limited, workflow(category="ops"))
    assert (response.status_code, response.json()["error"]["message"]) == (
        403,
        "Your teams may not use this workflow category",
    )
    ops = Workflow.objects.create(tenant=tenant, name="Ops only", category="ops", graph=GRAPH)
    assert limited.get(f"/v1/workflows/{ops.pk}").status_code == 404
    assert [w["name"] for w in limited.get("/v1/workflows").json()["items"]] == ["Discord Sale Alert"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "meta", [{"meta": None, "metadata": [None, None]}, {"meta": "Untitled"}, {"metadata": 3}]
)
def test_importing_with_a_meta_that_is_not_an_object_is_400(keyed_client, meta):
    response = keyed_client.post("/v1/workflows/import", {"nodes": [], "edges": [], **meta}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == ["meta: Expected an object with the workflow's name"]
    assert not Workflow.objects.exists()
