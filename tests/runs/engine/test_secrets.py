"""Credentials reach the peer but nothing else: step outputs, errors, logs, journal events and
responses carry the mask; the raw value lives only in the encrypted column."""

import pytest
from django.db import connection

from governance.services import credential_create
from runs.engine.rendering import MASK
from runs.engine.secrets import credential_names
from runs.models import Run, Step
from tests.runs.engine.graphs import linear, node, transform

SECRET = "tok-3f9c2b7d1e8a4c6b"


def test_every_way_of_naming_a_credential_is_found():
    graph = linear(
        node("a", "http", {"url": "https://x.test", "auth": {"credentialName": "bearer"}}),
        transform("b", "{{ credentials.plain }} {{ credentials['with-dash'] }} {{ credentials[\"dq\"] }}"),
    )
    assert credential_names(graph) == {"bearer", "plain", "with-dash", "dq"}


@pytest.mark.django_db
def test_the_secret_is_used_but_never_stored_or_shown(
    keyed_client, tenant, peer, django_capture_on_commit_callbacks
):
    credential_create(tenant=tenant, name="deploy", value=SECRET)
    graph = linear(
        node(
            "call",
            "http",
            {
                "method": "POST",
                "url": f"{peer.url}/echo",
                "auth": {"credentialName": "deploy"},
                "headers": {
                    "X-Copy": "{{ credentials.deploy }}",
                    "X-Rev": "{{ credentials.deploy|reverse }}",
                },
                "body": "token={{ credentials.deploy }}",
                "allow_credentials_in_url_and_body": True,
            },
        ),
        transform("leak", "{{ steps.call.output.body.headers['X-Copy'] }} / {{ steps.call.output.body }}"),
        node(
            "fail",
            "http",
            {
                "url": f"{peer.url}/status/500?t={{{{ credentials.deploy }}}}",
                "allow_credentials_in_url_and_body": True,
            },
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = keyed_client.post("/v1/runs", {"graph": graph}, format="json")
    run = Run.objects.get(run_id=response.json()["runId"])
    received = peer.requests[0]
    assert received["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert received["headers"]["X-Copy"] == SECRET and received["body"] == f"token={SECRET}"
    assert received["headers"]["X-Rev"] == SECRET[::-1]
    assert peer.requests[1]["path"] == f"/status/500?t={SECRET}"
    leak = Step.objects.get(run=run, node_id="leak").output
    assert leak.startswith(f"{MASK} / ") and SECRET[::-1] not in leak and MASK in leak
    failed = Step.objects.get(run=run, node_id="fail")
    assert failed.state == "failed" and failed.error.startswith(f"{MASK} answered 500: ")
    assert failed.output["url"] == MASK

    responses = [
        keyed_client.get(f"/v1/runs/{run.run_id}"),
        keyed_client.get(f"/v1/runs/{run.run_id}/journal"),
        keyed_client.get(f"/v1/runs/{run.run_id}/events"),
        keyed_client.get(f"/v1/runs/{run.run_id}/status"),
    ]
    for reply in responses:
        assert reply.status_code == 200
        for form in (SECRET, SECRET[::-1]):
            assert form not in reply.content.decode()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                for form in (SECRET, SECRET[::-1]):
                    assert form not in repr(row), table
