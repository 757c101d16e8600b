"""Graph builders for engine tests, and ``launch`` to run one through the API."""

import itertools


def node(node_id, type_, config=None):
    return {"id": node_id, "type": type_, "position": {"x": 0, "y": 0}, "data": {"config": config or {}}}


def edge(source, target, handle=None):
    data = {"id": f"{source}->{target}", "source": source, "target": target}
    if handle is not None:
        data["sourceHandle"] = handle
    return data


def graph(nodes, edges):
    return {"nodes": nodes, "edges": edges}


def linear(*nodes):
    """start -> nodes[0] -> nodes[1] -> ..."""
    chain = [node("start", "start"), *nodes]
    return graph(chain, [edge(a["id"], b["id"]) for a, b in itertools.pairwise(chain)])


def transform(node_id, output):
    return node(node_id, "transform", {"output": output})


def branching(condition_config, *, true_nodes, false_nodes):
    """start -> check -> (true: true_nodes chain, false: false_nodes chain)."""
    nodes = [node("start", "start"), node("check", "condition", condition_config), *true_nodes, *false_nodes]
    edges = [edge("start", "check")]
    for handle, chain in (("true", true_nodes), ("false", false_nodes)):
        if chain:
            edges.append(edge("check", chain[0]["id"], handle))
            edges += [edge(a["id"], b["id"]) for a, b in itertools.pairwise(chain)]
    return graph(nodes, edges)


def launch(client, graph_, capture, **body):
    """Starts ``graph_`` through ``POST /v1/runs`` and runs it (django-q2 is synchronous in tests)."""
    from runs.models import Run

    with capture(execute=True):
        response = client.post("/v1/runs", {"graph": graph_, **body}, format="json")
    assert response.status_code == 202, response.json()
    return Run.objects.get(run_id=response.json()["runId"])


def assert_save_refused(client, graph: dict, *problems: str) -> None:
    """Saving ``graph`` as a workflow answers 400 listing exactly ``problems``."""
    response = client.post(
        "/v1/workflows", {"name": "W", "graph": graph}, format="json", HTTP_X_REQUEST_ID="req_graph"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "VALIDATION_ERROR",
            "message": "Invalid workflow graph",
            "details": list(problems),
            "requestId": "req_graph",
        }
    }
