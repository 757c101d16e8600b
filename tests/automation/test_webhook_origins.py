"""A webhook's credentials go only to the origin written in its saved URL: a template before the
path (``https://{{ trigger.host }}/``) is refused when credentials ride along, a masked secret is kept
only for the unchanged URL, and a rendered URL that left the saved origin is not sent credentials.
Peers are real HTTP servers on 127.0.0.1 (another port is another origin)."""

import json

import pytest

from automation.models import AutomationExecution, AutomationRule
from automation.rule_validation import rule_validate
from automation.services import rule_create
from automation.webhook_secrets import SEALED, SecretsRefused, actions_seal
from governance.crypto import decrypt, encrypt
from governance.services import credential_create
from tests.automation.conftest import rule_body
from tests.automation.test_webhook_secrets import RULES, TOKEN, bearer, create, stored_text, webhook
from tests.factories import TenantFactory
from tests.runs.engine.peer import Peer

NAMED = "key-named-7c1d2e3f4a5b"


def templated_problem(index=0):
    return {
        "path": ["actions", index, "config", "url"],
        "message": "chooses its scheme, host or port with a template, and the webhook sends credentials: "
        "write the origin out (https://hooks.example.com/...)",
        "code": "templated_origin",
    }


def named(url):
    return webhook(url, {"type": "bearer", "credential_name": "hook_key"}, retry_attempts=0)


def execute(client, rule_id, capture, **execution_data):
    with capture(execute=True):
        response = client.post(
            f"{RULES}/{rule_id}/execute",
            {"automation_rule_id": rule_id, "execution_data": execution_data},
            format="json",
        )
    assert response.status_code == 201, response.json()
    return AutomationExecution.objects.get(pk=response.json()["data"]["execution_id"])


TEMPLATED_ORIGINS = [  # what the URL check lets through (it refuses spaces, and braces in a path)
    "https://{{trigger.host}}/hook",
    "https://{{trigger.tenant}}.hooks.example.com/hook",
    "https://hooks.example.com{{trigger.suffix}}/hook",  # ".evil.net" makes it another host
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", TEMPLATED_ORIGINS)
@pytest.mark.parametrize("action", [bearer, named], ids=["sealed", "credential_name"])
def test_credentials_for_a_templated_origin_are_refused_when_the_rule_is_saved(keyed_client, url, action):
    response = keyed_client.post(RULES, rule_body(actions=[action(url)]), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["details"] == [templated_problem()]
    assert not AutomationRule.objects.exists()


@pytest.mark.django_db
def test_an_edit_cannot_template_the_origin_of_a_webhook_with_credentials(keyed_client, peer):
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook", token="tok-given-again-123"))["rule_id"]
    before = stored_text(rule_id)
    actions = [bearer("https://{{trigger.host}}/hook", token="tok-given-again-123")]
    response = keyed_client.put(f"{RULES}/{rule_id}", {"actions": actions}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [templated_problem()]
    assert stored_text(rule_id) == before


@pytest.mark.django_db
def test_a_templated_host_without_credentials_is_accepted_and_called(keyed_client, peer, capture):
    rule_id = create(
        keyed_client,
        bearer(f"{peer.url}/hook"),
        webhook("http://{{trigger.host}}/open", None, order=2, retry_attempts=0),
    )["rule_id"]
    execution = execute(keyed_client, rule_id, capture, host=peer.url.split("//")[1])
    assert execution.status == "completed", execution.logs
    first, second = peer.requests
    assert first["path"] == "/hook" and first["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert second["path"] == "/open" and "Authorization" not in second["headers"]


@pytest.mark.django_db
def test_a_stored_template_after_the_origin_still_sends_the_credentials(keyed_client, peer, capture):
    """The send-time check compares origins only: a path or query rendered from the trigger is fine."""
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    rule = AutomationRule.objects.get(pk=rule_id)
    rule.actions[0]["config"]["url"] = f"{peer.url}/hook/{{{{ trigger.id }}}}?at={{{{ trigger.at }}}}"
    AutomationRule.objects.filter(pk=rule_id).update(actions=rule.actions)
    execution = execute(keyed_client, rule_id, capture, id="42", at="now")
    assert execution.status == "completed", execution.logs
    (received,) = peer.requests
    assert received["path"] == "/hook/42?at=now"
    assert received["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.django_db
@pytest.mark.parametrize("action", [bearer, named], ids=["sealed", "credential_name"])
def test_a_stored_templated_origin_sends_no_credentials_to_the_host_the_trigger_names(
    tenant, keyed_client, peer, capture, action
):
    """A rule stored before the check (or written around it): the send-time check refuses."""
    credential_create(tenant=tenant, name="hook_key", value=NAMED)
    rule_id = create(keyed_client, action(f"{peer.url}/hook"))["rule_id"]
    rule = AutomationRule.objects.get(pk=rule_id)
    rule.actions[0]["config"]["url"] = "http://{{ trigger.host }}/hook"
    AutomationRule.objects.filter(pk=rule_id).update(actions=rule.actions)
    with Peer() as collector:
        execution = execute(keyed_client, rule_id, capture, host=collector.url.split("//")[1])
        assert collector.requests == []
    assert peer.requests == []
    assert execution.status == "failed"
    assert execution.error_message == (
        "Credentials not sent: the saved URL chooses its scheme, host or port with a template; "
        "credentials are sent only to an origin written out in the URL"
    )


@pytest.mark.django_db
def test_a_stored_suffix_on_the_host_cannot_move_the_secret_to_another_port(keyed_client, peer, capture):
    """``http://127.0.0.1:<port>{{ x }}/``: x = "@127.0.0.1:<other>" makes the first part a user name."""
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    rule = AutomationRule.objects.get(pk=rule_id)
    rule.actions[0]["config"]["url"] = f"{peer.url}{{{{ trigger.suffix }}}}/hook"
    AutomationRule.objects.filter(pk=rule_id).update(actions=rule.actions)
    with Peer() as collector:
        suffix = "@" + collector.url.split("//")[1]
        execution = execute(keyed_client, rule_id, capture, suffix=suffix)
        assert collector.requests == []
    assert execution.status == "failed" and execution.error_message.startswith("Credentials not sent")
    assert peer.requests == []


@pytest.mark.django_db
def test_a_masked_secret_does_not_follow_the_url_to_another_path_of_the_same_host(
    keyed_client, peer, capture
):
    """A shared host (webhook.site, a tenant's own paths) is one origin with many owners."""
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    before = stored_text(rule_id)
    actions = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]["actions"]
    actions[0]["config"]["url"] = f"{peer.url}/someone-elses-bin"
    response = keyed_client.put(f"{RULES}/{rule_id}", {"actions": actions}, format="json")
    assert response.status_code == 400
    assert [d["code"] for d in response.json()["error"]["details"]] == ["secret_masked"]
    assert stored_text(rule_id) == before
    execute(keyed_client, rule_id, capture)
    assert [r["path"] for r in peer.requests] == ["/hook"]


@pytest.mark.django_db
def test_a_token_sent_with_the_actions_is_never_stored_as_given(tenant, keyed_client):
    """A token is written only by ``actions_seal``; one arriving with the actions (say copied from
    another tenant's rule) is dropped, so a mask beside it keeps nothing."""
    fields, problems = rule_validate(rule_body(actions=[bearer("https://hooks.example.com/x")]))
    assert problems == []
    theirs = rule_create(tenant=TenantFactory(), fields=fields)[0]
    stolen = theirs.actions[0]["config"]["authentication"][SEALED]
    smuggled = webhook(
        "https://hooks.example.com/x",
        {"type": "bearer", "credentials": {"token": "••••"}, SEALED: stolen},
        retry_attempts=0,
    )
    with pytest.raises(SecretsRefused) as refused:  # as if validation had let the key through
        rule_create(tenant=tenant, fields={**fields, "actions": [smuggled]})
    assert [d.code for d in refused.value.details] == ["secret_masked"]
    assert AutomationRule.objects.filter(tenant=tenant).count() == 0

    given = webhook(
        "https://hooks.example.com/x",
        {"type": "bearer", "credentials": {"token": "tok-mine-0123456"}, SEALED: encrypt('{"token": "x"}')},
    )
    (sealed,) = actions_seal([given])
    assert json.loads(decrypt(sealed["config"]["authentication"][SEALED])) == {"token": "tok-mine-0123456"}
    without_credentials = webhook("https://hooks.example.com/x", {"type": "none", SEALED: stolen})
    assert SEALED not in actions_seal([without_credentials])[0]["config"]["authentication"]

    for body in (rule_body(actions=[smuggled]), rule_body(actions=[given])):  # and the API refuses the key
        response = keyed_client.post(RULES, body, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["details"][0]["path"][-1] == SEALED
    assert AutomationRule.objects.filter(tenant=tenant).count() == 0


@pytest.mark.django_db
def test_secrets_are_sealed_once_per_save(keyed_client, peer, monkeypatch):
    """Validation opens no secret; the service seals (and opens the stored token for a mask) once."""
    import automation.webhook_secrets as webhook_secrets

    calls = {"encrypt": 0, "decrypt": 0}
    real = {name: getattr(webhook_secrets, name) for name in calls}
    for name in calls:

        def counted(value, name=name):
            calls[name] += 1
            return real[name](value)

        monkeypatch.setattr(webhook_secrets, name, counted)
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    assert calls == {"encrypt": 1, "decrypt": 0}
    actions = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]["actions"]
    actions[0]["config"]["timeout_seconds"] = 5
    assert keyed_client.put(f"{RULES}/{rule_id}", {"actions": actions}, format="json").status_code == 200
    assert calls == {"encrypt": 1, "decrypt": 1}  # the mask opened the stored token; nothing re-sealed
