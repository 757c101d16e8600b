"""Credentials are usable only where a secret belongs (an http node's auth and header values, its
url and body only when the node opts in). A template elsewhere is refused when the graph is saved
and again when it renders; what a template builds from a credential is masked as a whole."""

import pytest
from django.db import connection

from governance.services import credential_create
from runs.engine import launch as launch_module
from runs.engine import rendering as templates
from runs.engine.nodes import CREDENTIAL_PLACES
from runs.engine.rendering import MASK, TemplateRenderError, references_credentials, render_config
from runs.models import Run, Step, Workflow
from tests.runs.engine.graphs import assert_save_refused, launch, linear, node, transform

SECRET = "tok-9a8b7c6d5e4f3a2b"

# Every way the issue found of writing a credential down in a transformed shape, and some more.
TRANSFORMED = [
    "{{ credentials.k|reverse }}",
    "{{ credentials.k[::-1] }}",
    "{{ credentials.k[2:] }}",
    "{{ credentials.k|list }}",
    "{{ credentials.k|list|join('-') }}",
    "{{ credentials.k|replace('tok', 'x') }}",
    "{{ credentials.k|upper }}",
    "{{ credentials['k']|title }}",
    "{% set c = credentials %}{{ c.k|reverse }}",
    "{% for name, value in credentials.items() %}{{ value|reverse }}{% endfor %}",
    "{{ credentials }}",
]


def forms(secret):
    """The secret and the shapes TRANSFORMED would turn it into."""
    return [secret, secret[::-1], secret[2:], secret.upper(), secret.replace("tok", "x"), "-".join(secret)]


def problem(node_id, path):
    return f"Node '{node_id}' config.{path} uses credentials, {CREDENTIAL_PLACES}"


def assert_nowhere(*values):
    """Not one row of any table holds any of ``values``."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                for value in values:
                    assert value not in repr(row), table


@pytest.mark.parametrize("template", TRANSFORMED)
def test_every_use_of_the_name_is_a_reference(template):
    assert references_credentials(template)


@pytest.mark.parametrize(
    "text",
    [
        "plain credentials, no template",
        "{{ input.credentials }}",  # the run's input, not the secrets
        "{% raw %}{{ credentials.k }}{% endraw %}",
        "{{ steps.call.output.body }}",
    ],
)
def test_what_cannot_reach_a_secret_is_not_a_reference(text):
    assert not references_credentials(text)


@pytest.mark.django_db
@pytest.mark.parametrize("template", TRANSFORMED)
def test_a_credential_in_a_transform_is_refused_when_the_workflow_is_saved(keyed_client, template):
    graph = linear(transform("leak", {"value": [template]}))
    assert_save_refused(keyed_client, graph, problem("leak", "output.value.0"))
    assert Workflow.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("config", "path"),
    [
        ({"url": "https://x.test/?k={{ credentials.k|reverse }}"}, "url"),
        ({"url": "https://x.test/", "method": "POST", "body": "{{ credentials.k|upper }}"}, "body"),
        (
            {"url": "https://x.test/", "method": "POST", "json_body": {"a": ["{{ credentials.k }}"]}},
            "json_body.a.0",
        ),
        (
            {
                "url": "https://x.test/",
                "allow_credentials_in_url_and_body": "yes",
                "body": "{{ credentials.k }}",
            },
            "body",
        ),
    ],
)
def test_an_http_url_or_body_needs_the_opt_in(keyed_client, config, path):
    graph = linear(node("call", "http", config))
    response = keyed_client.post("/v1/runs", {"graph": graph}, format="json")
    assert response.status_code == 400
    assert problem("call", path) in response.json()["error"]["details"]
    assert Run.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("type_", "config", "path"),
    [
        ("condition", {"left": "{{ credentials.k|length }}", "operator": "equals", "right": 19}, "left"),
        ("approval", {"title": "ok", "reason": "{{ credentials.k[:4] }}"}, "reason"),
    ],
)
def test_other_node_types_cannot_use_credentials(keyed_client, type_, config, path):
    response = keyed_client.post("/v1/runs", {"graph": linear(node("n", type_, config))}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [problem("n", path)]


@pytest.mark.django_db
def test_a_credential_in_a_transform_of_an_older_run_fails_at_render_time(
    keyed_client, tenant, capture, monkeypatch
):
    """A run queued before this rule (its graph never checked for it) still cannot leak."""
    credential_create(tenant=tenant, name="k", value=SECRET)
    monkeypatch.setattr(launch_module, "graph_problems", lambda graph: [])
    run = launch(keyed_client, linear(transform("leak", "{{ credentials.k|reverse }}")), capture)
    run.refresh_from_db()
    step = Step.objects.get(run=run, node_id="leak")
    assert (run.state, step.state) == ("failed", "failed")
    assert step.error == f"config.output uses credentials, {CREDENTIAL_PLACES}"
    assert step.output is None
    assert_nowhere(*forms(SECRET))


def test_a_template_outside_the_allowed_places_renders_without_credentials(monkeypatch):
    """The second line of defence: even if a reference went unnoticed, the secret is not there."""
    monkeypatch.setattr(templates, "references_credentials", lambda text: False)
    context = templates.template_context(input={}, steps={}, credentials={"k": SECRET})
    with pytest.raises(TemplateRenderError, match="'credentials' is undefined"):
        render_config(
            {"output": "{{ credentials.k }}"}, context=context, credentials_allowed=lambda p: True, places=""
        )


def test_render_reports_what_it_built_from_credentials():
    context = templates.template_context(input={"id": 7}, steps={}, credentials={"k": SECRET})
    rendered = render_config(
        {"url": "https://x.test/{{ input.id }}", "headers": {"X-Rev": "v={{ credentials.k|reverse }}"}},
        context=context,
        credentials_allowed=lambda path: path[0] == "headers",
        places="",
    )
    assert rendered.value == {"url": "https://x.test/7", "headers": {"X-Rev": f"v={SECRET[::-1]}"}}
    assert rendered.secret_fields == {("headers", "X-Rev"): f"v={SECRET[::-1]}"}


@pytest.mark.django_db
def test_a_header_built_from_a_credential_is_sent_and_masked_as_a_whole(keyed_client, tenant, peer, capture):
    credential_create(tenant=tenant, name="k", value=SECRET)
    headers = {
        "X-Rev": "{{ credentials.k|reverse }}",
        "X-Up": "Key {{ credentials.k|upper }}",
        "X-Plain": "hi",
    }
    g = linear(
        node("call", "http", {"url": f"{peer.url}/echo", "headers": headers}),
        transform("copy", "{{ steps.call.output.body.headers }}"),
    )
    run = launch(keyed_client, g, capture)
    run.refresh_from_db()
    assert run.state == "succeeded"
    sent = peer.requests[0]["headers"]
    assert (sent["X-Rev"], sent["X-Up"], sent["X-Plain"]) == (SECRET[::-1], f"Key {SECRET.upper()}", "hi")
    echoed = Step.objects.get(run=run, node_id="call").output["body"]["headers"]
    assert (echoed["X-Rev"], echoed["X-Up"], echoed["X-Plain"]) == (MASK, MASK, "hi")
    for reply in (
        keyed_client.get(f"/v1/runs/{run.run_id}"),
        keyed_client.get(f"/v1/runs/{run.run_id}/journal"),
    ):
        assert reply.status_code == 200
        assert SECRET[::-1] not in reply.content.decode() and SECRET.upper() not in reply.content.decode()
    assert_nowhere(SECRET, SECRET[::-1], SECRET.upper())


@pytest.mark.django_db
def test_a_failing_credential_template_does_not_quote_the_secret(keyed_client, tenant, peer, capture):
    credential_create(tenant=tenant, name="k", value=SECRET)
    headers = {"X-Bad": "{{ '{0:{1}}'.format(1, credentials.k|reverse) }}"}  # ValueError quoting its spec
    run = launch(
        keyed_client, linear(node("call", "http", {"url": f"{peer.url}/", "headers": headers})), capture
    )
    step = Step.objects.get(run=run, node_id="call")
    assert step.state == "failed"
    assert step.error == (
        "config.headers.X-Bad could not be rendered (ValueError; the details are not shown because "
        "the template uses credentials)"
    )
    assert peer.requests == []
    assert_nowhere(SECRET, SECRET[::-1])


@pytest.mark.django_db
def test_the_opt_in_lets_url_and_body_use_credentials_and_masks_them(keyed_client, tenant, peer, capture):
    credential_create(tenant=tenant, name="k", value=SECRET)
    config = {
        "method": "POST",
        "url": f"{peer.url}/token?key={{{{ credentials.k }}}}",
        "body": "secret={{ credentials.k|reverse }}",
        "allow_credentials_in_url_and_body": True,
    }
    saved = keyed_client.post(
        "/v1/workflows", {"name": "Token", "graph": linear(node("call", "http", config))}, format="json"
    )
    assert saved.status_code == 201, saved.json()
    run = launch(keyed_client, linear(node("call", "http", config)), capture)
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert (peer.requests[0]["path"], peer.requests[0]["body"]) == (
        f"/token?key={SECRET}",
        f"secret={SECRET[::-1]}",
    )
    output = Step.objects.get(run=run, node_id="call").output
    assert output["url"] == MASK
    assert output["body"]["body"] == MASK  # the server echoed the body built from the secret
    assert_nowhere(SECRET, SECRET[::-1])


@pytest.mark.django_db
def test_a_header_carrying_a_credential_does_not_follow_a_redirect_to_another_origin(
    keyed_client, tenant, peer, capture
):
    from tests.runs.engine.peer import Peer

    credential_create(tenant=tenant, name="k", value=SECRET)
    headers = {
        "X-Api-Key": "{{ credentials.k }}",
        "X-Signed": "sig {{ credentials.k|reverse }}",
        "X-Plain": "hi",
    }
    with Peer() as other:  # another port on 127.0.0.1: another origin
        config = {
            "url": f"{peer.url}/redirect?to={other.url}/landed",
            "headers": headers,
            "auth": {"credentialName": "k"},
        }
        run = launch(keyed_client, linear(node("call", "http", config)), capture)
        run.refresh_from_db()
        assert run.state == "succeeded"
        first = peer.requests[0]["headers"]
        assert (first["X-Api-Key"], first["X-Signed"], first["Authorization"]) == (
            SECRET,
            f"sig {SECRET[::-1]}",
            f"Bearer {SECRET}",
        )
        (landed,) = other.requests
        assert landed["path"] == "/landed"
        assert landed["headers"]["X-Plain"] == "hi"
        assert not {"X-Api-Key", "X-Signed", "Authorization"} & set(landed["headers"])


@pytest.mark.django_db
def test_a_header_carrying_a_credential_follows_a_same_origin_redirect(keyed_client, tenant, peer, capture):
    credential_create(tenant=tenant, name="k", value=SECRET)
    config = {"url": f"{peer.url}/redirect?to=/landed", "headers": {"X-Api-Key": "{{ credentials.k }}"}}
    launch(keyed_client, linear(node("call", "http", config)), capture)
    assert [r["headers"].get("X-Api-Key") for r in peer.requests] == [SECRET, SECRET]
