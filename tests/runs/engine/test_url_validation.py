"""An http node's URL is checked in full when the graph is saved; a templated one once rendered,
and then a bad URL is a readable step failure, never a raw exception."""

import pytest

from runs.models import Run, RunState, Step, Workflow
from tests.runs.engine.graphs import assert_save_refused, launch, linear, node


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://api.example:99999/hook", "must be a valid URL: port 99999 is out of range (1-65535)"),
        ("https://api.example:0/hook", "must be a valid URL: port 0 is out of range (1-65535)"),
        ("https://api.example:http/", "must be a valid URL: Invalid port: 'http'"),
        ("http://[::1/", "must be a valid URL: Invalid port: ':1'"),
        ("ftp://files.example/x", "must be a valid URL: the scheme must be http or https"),
        ("https:///no-host", "must be a valid URL: it has no host"),
        (
            "https://bot:hunter2@api.example/",
            "must be a valid URL: a user name or password in the URL would be a secret in clear: "
            "use auth or a header",
        ),
        ("api.example/hook", "must be a valid URL"),
    ],
)
def test_a_bad_url_is_refused_when_the_workflow_is_saved(keyed_client, url, problem):
    graph = linear(node("call", "http", {"url": url}))
    assert_save_refused(keyed_client, graph, f"Node 'call' config.url {problem}")
    assert Workflow.objects.count() == 0
    started = keyed_client.post("/v1/runs", {"graph": graph}, format="json")
    assert (started.status_code, started.json()["error"]["details"]) == (
        400,
        [f"Node 'call' config.url {problem}"],
    )
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_a_good_url_is_accepted(keyed_client):
    graph = linear(node("call", "http", {"url": "https://api.example:8443/v1/hook?a=1"}))
    assert keyed_client.post("/v1/workflows", {"name": "W", "graph": graph}, format="json").status_code == 201


@pytest.mark.django_db
def test_a_templated_url_that_renders_to_a_bad_port_fails_its_step_cleanly(keyed_client, capture):
    graph = linear(node("call", "http", {"url": "http://127.0.0.1:{{ input.port }}/x"}))
    run = launch(keyed_client, graph, capture, input={"port": 99999})
    run.refresh_from_db()
    step = Step.objects.get(run=run, node_id="call")
    assert (run.state, step.state) == (RunState.FAILED, "failed")
    assert step.error == "url: must be a valid URL: port 99999 is out of range (1-65535)"
    assert run.error == step.error
    detail = keyed_client.get(f"/v1/runs/{run.run_id}").json()
    assert "Node 'call' config is invalid once rendered" in [log["msg"] for log in detail["logs"]]


@pytest.mark.django_db
def test_a_rendered_url_that_still_looks_templated_fails_cleanly_in_the_client(keyed_client, capture):
    """Rendering can produce ``{{`` (from the input), which the config check leaves to run time."""
    graph = linear(node("call", "http", {"url": "{{ input.url }}"}))
    run = launch(keyed_client, graph, capture, input={"url": "http://127.0.0.1:99999/{{x}}"})
    step = Step.objects.get(run=run, node_id="call")
    assert step.state == "failed"
    assert step.error == "Invalid URL: port 99999 is out of range (1-65535)"
