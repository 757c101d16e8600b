"""An http node that sends credentials needs its URL's origin written out: a template in the scheme,
host or port is refused when the graph is saved, and a rendered URL that left the saved origin fails
the step before anything is sent. Peers are real HTTP servers on 127.0.0.1 (another port is another
origin)."""

import pytest

from governance.services import credential_create
from runs.engine.origins import credentials_origin_problem, origin_is_templated, origin_part
from runs.models import Run, Step, Workflow
from tests.runs.engine.graphs import assert_save_refused, launch, linear, node
from tests.runs.engine.peer import Peer

SECRET = "tok-3e4f5a6b7c8d9e0f"
PROBLEM = (
    "Node 'call' config.url chooses its scheme, host or port with a template, and the node sends "
    "credentials: write the origin out (https://api.example.com/...); templates may follow in the path "
    "and the query"
)


@pytest.mark.parametrize(
    ("url", "templated"),
    [
        ("https://{{ input.host }}/x", True),
        ("https://api.example.com{{ input.suffix }}/x", True),  # ".evil.net": another host
        ("https://{{ input.user }}@api.example.com/x", True),  # "evil.net/?": another host
        ("https://api.example.com:{{ input.port }}/x", True),
        ("{{ input.scheme }}://api.example.com/x", True),
        ("{{ input.base }}/x", True),
        ("https://api.example.com{# / #}{{ input.x }}/", True),  # a comment hides the "/"
        ("https://api.example.com{%- if 1 %}{% endif %}/", True),
        ("https://api.example.com/{{ input.id }}", False),
        ("https://api.example.com?q={{ input.q }}", False),
        ("https://api.example.com#{{ input.f }}", False),
        ("https://api.example.com/a{{ 'b://c' }}", False),
        ("https://api.example.com/", False),
    ],
)
def test_a_template_before_the_path_chooses_the_origin(url, templated):
    assert origin_is_templated(url) is templated


def test_the_rendered_url_must_keep_the_saved_origin():
    saved = "https://API.example.com:443/items/{{ input.id }}"
    assert origin_part(saved) == "https://API.example.com:443"
    assert credentials_origin_problem(saved=saved, sent="https://api.example.com/items/7") is None
    assert credentials_origin_problem(saved=saved, sent="https://api.example.com:8443/items/7") == (
        "the URL renders to another origin than the saved one (https://API.example.com:443)"
    )
    assert credentials_origin_problem(saved=saved, sent="http://api.example.com/items/7") is not None
    assert credentials_origin_problem(saved=saved, sent="not a url") is not None
    assert credentials_origin_problem(saved="https://{{ h }}/", sent="https://api.example.com/") == (
        "the saved URL chooses its scheme, host or port with a template; credentials are sent only to an "
        "origin written out in the URL"
    )


AUTH = {"credentialName": "k"}
CREDENTIAL_USES = {
    "auth": {"auth": {"credentialName": "k"}},
    "header": {"headers": {"X-Api-Key": "{{ credentials.k }}"}},
    "derived header": {"headers": {"Authorization": "sig {{ credentials.k|reverse }}"}},
    "opted-in body": {
        "method": "POST",
        "body": "{{ credentials.k }}",
        "allow_credentials_in_url_and_body": True,
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("use", list(CREDENTIAL_USES))
@pytest.mark.parametrize(
    "url", ["https://{{ input.host }}/hook", "https://api.example.com{{ input.suffix }}/"]
)
def test_credentials_for_a_templated_origin_refuse_the_workflow(keyed_client, use, url):
    graph = linear(node("call", "http", {"url": url, **CREDENTIAL_USES[use]}))
    assert_save_refused(keyed_client, graph, PROBLEM)
    assert Workflow.objects.count() == 0
    started = keyed_client.post("/v1/runs", {"graph": graph}, format="json")
    assert started.status_code == 400 and PROBLEM in started.json()["error"]["details"]
    assert Run.objects.count() == 0


@pytest.mark.django_db
def test_a_templated_origin_without_credentials_and_a_templated_path_with_them_run(
    keyed_client, tenant, peer, capture
):
    credential_create(tenant=tenant, name="k", value=SECRET)
    graph = linear(
        node("open", "http", {"url": "{{ input.base }}/open"}),
        node(
            "call", "http", {"url": f"{peer.url}/items/{{{{ input.id }}}}", "auth": {"credentialName": "k"}}
        ),
    )
    run = launch(keyed_client, graph, capture, input={"base": peer.url, "id": "7"})
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    opened, called = peer.requests
    assert opened["path"] == "/open" and "Authorization" not in opened["headers"]
    assert called["path"] == "/items/7" and called["headers"]["Authorization"] == f"Bearer {SECRET}"


def _saved_around_validation(monkeypatch):
    """A graph stored before the check existed: the launch's graph check lets it through."""
    import runs.engine.launch

    monkeypatch.setattr(runs.engine.launch, "graph_problems", lambda graph: [])


@pytest.mark.django_db
@pytest.mark.parametrize("use", list(CREDENTIAL_USES))
@pytest.mark.parametrize("where", ["host", "port"])
def test_a_stored_templated_origin_sends_no_credential_to_the_host_the_input_names(
    keyed_client, tenant, peer, capture, monkeypatch, use, where
):
    credential_create(tenant=tenant, name="k", value=SECRET)
    _saved_around_validation(monkeypatch)
    with Peer() as collector:
        host, port = collector.url.split("//")[1].split(":")
        url, values = {
            "host": ("http://{{ input.host }}/hook", {"host": f"{host}:{port}"}),
            "port": ("http://127.0.0.1{{ input.port }}/hook", {"port": f":{port}"}),
        }[where]
        config = {"url": url, **CREDENTIAL_USES[use]}
        run = launch(keyed_client, linear(node("call", "http", config)), capture, input=values)
        assert collector.requests == []
    assert peer.requests == []
    step = Step.objects.get(run=run, node_id="call")
    assert step.state == "failed"
    assert step.error == (
        "Credentials not sent: the saved URL chooses its scheme, host or port with a template; "
        "credentials are sent only to an origin written out in the URL"
    )
    run.refresh_from_db()
    assert run.state == "failed"
