"""Webhook-action secrets: encrypted at rest, masked in every read (API, portal, admin, audit,
executions), kept by a masked value only for the same action and URL, and still sent."""

import base64
import importlib
import json

import pytest
from django.apps import apps
from django.db import connection

from automation.actions import ActionContext, ActionFailed, action_execute
from automation.models import AutomationExecution, AutomationRule
from governance.crypto import decrypt
from governance.models import AuditEntry
from governance.services import credential_create
from runs.engine.http_client import HttpCallFailed
from runs.models import RunEvent
from tests.automation.conftest import rule_body
from tests.factories import api_client, member
from tests.portal.helpers import signed_in

RULES = "/api/v1/automation/rules"
TOKEN = "tok_live_5f2c9e1b7a4d8c3e"
PASSWORD = "pw-9d81c7e2b3a4f5"


def webhook(url, auth, order=1, **config):
    return {"type": "webhook_call", "order": order, "config": {"url": url, "authentication": auth, **config}}


def bearer(url, token=TOKEN, **config):
    return webhook(url, {"type": "bearer", "credentials": {"token": token}}, retry_attempts=0, **config)


def create(client, *actions):
    response = client.post(RULES, rule_body(actions=list(actions)), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["data"]


def stored_text(rule_id) -> str:
    """The rule's row exactly as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT actions FROM automation_automationrule WHERE rule_id = %s",
            [AutomationRule._meta.pk.get_db_prep_value(rule_id, connection)],
        )
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else json.dumps(value)


def run(client, rule_id, capture):
    with capture(execute=True):
        response = client.post(f"{RULES}/{rule_id}/execute", {"automation_rule_id": rule_id}, format="json")
    assert response.status_code == 201, response.json()
    return AutomationExecution.objects.get(pk=response.json()["data"]["execution_id"])


@pytest.mark.django_db
def test_the_column_holds_no_clear_secret_a_viewer_sees_none_and_the_webhook_sends_it(
    tenant, keyed_client, peer, capture
):
    created = create(keyed_client, bearer(f"{peer.url}/hook"))
    rule_id = created["rule_id"]
    column = stored_text(rule_id)
    assert TOKEN not in column and "credentials_encrypted" in column
    auth = AutomationRule.objects.get(pk=rule_id).actions[0]["config"]["authentication"]
    assert json.loads(decrypt(auth["credentials_encrypted"])) == {"token": TOKEN}
    masked = {"type": "bearer", "credentials": {"token": "••••"}}
    assert created["actions"][0]["config"]["authentication"] == masked  # not even echoed to its author
    viewer = api_client(tenant=tenant, role="viewer")
    detail = viewer.get(f"{RULES}/{rule_id}")
    listing = viewer.get(RULES)
    for response in (detail, listing):
        assert response.status_code == 200
        assert (
            TOKEN not in response.content.decode()
            and "credentials_encrypted" not in response.content.decode()
        )
    assert detail.json()["data"]["actions"][0]["config"]["authentication"] == masked

    execution = run(keyed_client, rule_id, capture)
    assert execution.status == "completed", execution.logs
    assert peer.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    execution_read = viewer.get(f"/api/v1/automation/executions/{execution.pk}").content.decode()
    assert TOKEN not in execution_read and TOKEN not in json.dumps(execution.logs)
    assert not RunEvent.objects.filter(payload__icontains=TOKEN).exists()
    for entry in AuditEntry.objects.all():
        assert TOKEN not in json.dumps(entry.changes)


@pytest.mark.django_db
def test_the_portal_and_the_admin_show_the_secret_masked(tenant, keyed_client, peer):
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    page = signed_in(member(tenant=tenant, role="viewer")).get(f"/portal/rules/{rule_id}").content.decode()
    assert "webhook_call" in page and "••••" in page
    assert TOKEN not in page and "credentials_encrypted" not in page
    admin = member(tenant=tenant, role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    form = signed_in(admin).get(f"/admin/automation/automationrule/{rule_id}/change/").content.decode()
    assert "webhook_call" in form and TOKEN not in form and "credentials_encrypted" not in form


@pytest.mark.django_db
def test_a_masked_value_keeps_the_stored_secret_through_api_and_admin_edits(
    tenant, keyed_client, peer, capture
):
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    read = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]
    changed = read["actions"]
    changed[0]["config"]["method"] = "PUT"  # the same URL
    updated = keyed_client.put(f"{RULES}/{rule_id}", {"actions": changed}, format="json")
    assert updated.status_code == 200, updated.json()
    assert keyed_client.put(f"{RULES}/{rule_id}", {"priority": "high"}, format="json").status_code == 200
    run(keyed_client, rule_id, capture)
    assert (peer.requests[-1]["method"], peer.requests[-1]["path"]) == ("PUT", "/hook")
    assert peer.requests[-1]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in stored_text(rule_id)
    for entry in AuditEntry.objects.filter(action="rule.update"):
        assert TOKEN not in json.dumps(entry.changes) and "credentials_encrypted" not in json.dumps(
            entry.changes
        )


@pytest.mark.django_db
def test_a_masked_value_does_not_follow_the_url_to_another_origin(keyed_client, peer):
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    actions = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]["actions"]
    actions[0]["config"]["url"] = "https://collector.example.net/steal"
    response = keyed_client.put(f"{RULES}/{rule_id}", {"actions": actions}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == [
        {
            "path": ["actions", 0, "config", "authentication", "credentials", "token"],
            "message": "is masked: send the secret itself (a masked value keeps the stored secret only for "
            "the same action and the same URL)",
            "code": "secret_masked",
        }
    ]
    stored = AutomationRule.objects.get(pk=rule_id).actions[0]["config"]
    assert stored["url"].startswith(peer.url)


@pytest.mark.django_db
def test_a_new_rule_cannot_be_given_the_mask_as_its_secret(keyed_client):
    response = keyed_client.post(
        RULES, rule_body(actions=[bearer("https://hooks.example.com/x", token="••••")]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["code"] == "secret_masked"
    assert not AutomationRule.objects.exists()


@pytest.mark.django_db
def test_basic_and_a_named_credential_are_sent(tenant, keyed_client, peer, capture):
    credential_create(tenant=tenant, name="hook_key", value="key-named-1234567")
    rule_id = create(
        keyed_client,
        webhook(
            f"{peer.url}/basic",
            {"type": "basic", "credentials": {"username": "ops", "password": PASSWORD}},
            retry_attempts=0,
        ),
        webhook(
            f"{peer.url}/named",
            {"type": "api_key", "credential_name": "hook_key", "credentials": {"header": "X-Hook-Key"}},
            order=2,
            retry_attempts=0,
        ),
    )["rule_id"]
    assert PASSWORD not in stored_text(rule_id)
    execution = run(keyed_client, rule_id, capture)
    assert execution.status == "completed", execution.logs
    basic, named = peer.requests
    assert (
        basic["headers"]["Authorization"] == "Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode()
    )
    assert named["headers"]["X-Hook-Key"] == "key-named-1234567"


@pytest.mark.django_db
def test_a_missing_named_credential_fails_the_action_in_words(keyed_client, peer, capture):
    rule_id = create(
        keyed_client,
        webhook(f"{peer.url}/x", {"type": "bearer", "credential_name": "nope"}, retry_attempts=0),
    )["rule_id"]
    execution = run(keyed_client, rule_id, capture)
    assert (execution.status, execution.error_message) == ("failed", "Credential not found: nope")
    assert peer.requests == []


@pytest.mark.django_db
def test_a_failure_message_never_carries_the_secret(tenant, keyed_client, monkeypatch):
    import automation.actions

    rule = AutomationRule.objects.get(
        pk=create(keyed_client, bearer("https://hooks.example.com/x"))["rule_id"]
    )

    def failing(**kwargs):
        raise HttpCallFailed(f"refused header {kwargs['headers']['Authorization']}", 1)

    monkeypatch.setattr(automation.actions, "http_call", failing)
    context = ActionContext(
        rule=rule, execution=AutomationExecution(rule=rule, tenant=tenant, trigger_data={})
    )
    with pytest.raises(ActionFailed) as raised:
        action_execute(rule.actions[0], context)
    assert TOKEN not in str(raised.value) and str(raised.value) == "refused header ••••"


@pytest.mark.django_db
def test_the_migration_seals_secrets_stored_in_clear_and_they_still_work(keyed_client, peer, capture):
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    clear = bearer(f"{peer.url}/hook")
    AutomationRule.objects.filter(pk=rule_id).update(actions=[clear])  # as an older release stored it
    assert TOKEN in stored_text(rule_id)
    migration = importlib.import_module("automation.migrations.0003_seal_webhook_secrets")
    migration.seal(apps, None)
    assert TOKEN not in stored_text(rule_id)
    execution = run(keyed_client, rule_id, capture)
    assert execution.status == "completed", execution.logs
    assert peer.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    migration.unseal(apps, None)  # a rollback puts them back where the older release reads them
    assert AutomationRule.objects.get(pk=rule_id).actions == [clear]


@pytest.mark.django_db
def test_rotate_credentials_re_encrypts_webhook_secrets_too(keyed_client, peer, capture, settings):
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from governance import crypto

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OPSGATE_ENCRYPTION_KEYS = [old]
    crypto._multifernet.cache_clear()
    try:
        rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
        settings.OPSGATE_ENCRYPTION_KEYS = [new, old]
        crypto._multifernet.cache_clear()
        out = StringIO()
        call_command("rotate_credentials", stdout=out, stderr=StringIO())
        assert "1 automation secret(s) re-encrypted under the newest key." in out.getvalue()
        settings.OPSGATE_ENCRYPTION_KEYS = [new]  # the old key is retired: the webhook still authenticates
        crypto._multifernet.cache_clear()
        execution = run(keyed_client, rule_id, capture)
        assert execution.status == "completed", execution.logs
        assert peer.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    finally:
        crypto._multifernet.cache_clear()


@pytest.mark.django_db
def test_an_admin_edit_sent_back_masked_keeps_the_secret(tenant, keyed_client, peer, capture):
    from tests.automation.test_admin import form_data

    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    admin = member(tenant=tenant, role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    public = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]["actions"]
    data = form_data(
        tenant, name="Renamed", trigger_type="manual", trigger_config="{}", actions=json.dumps(public)
    )
    response = signed_in(admin).post(f"/admin/automation/automationrule/{rule_id}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AutomationRule.objects.get(pk=rule_id).name == "Renamed" and TOKEN not in stored_text(rule_id)
    run(keyed_client, rule_id, capture)
    assert peer.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.django_db
def test_a_secret_no_key_opens_fails_the_action_in_words(keyed_client, peer, capture):
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    rule = AutomationRule.objects.get(pk=rule_id)
    rule.actions[0]["config"]["authentication"]["credentials_encrypted"] = "gAAAAAnot-a-token"
    AutomationRule.objects.filter(pk=rule_id).update(actions=rule.actions)
    execution = run(keyed_client, rule_id, capture)
    assert execution.status == "failed"
    assert execution.error_message == (
        "The webhook's credentials open with none of the configured encryption keys: enter them again"
    )
    assert peer.requests == []


@pytest.mark.django_db
def test_an_api_key_header_is_not_sent_on_to_another_origin_by_a_redirect(keyed_client, peer, capture):
    from tests.runs.engine.peer import Peer

    with Peer() as elsewhere:
        rule_id = create(
            keyed_client,
            webhook(
                f"{peer.url}/redirect?to={elsewhere.url}/landed&code=307",
                {"type": "api_key", "credentials": {"header": "X-Hook-Key", "key": "key-redirect-98765"}},
                retry_attempts=0,
            ),
        )["rule_id"]
        execution = run(keyed_client, rule_id, capture)
    assert execution.status == "completed", execution.logs
    (first,) = peer.requests
    (landed,) = elsewhere.requests
    assert first["headers"]["X-Hook-Key"] == "key-redirect-98765"
    assert "X-Hook-Key" not in landed["headers"] and landed["path"] == "/landed"


@pytest.mark.django_db
def test_webhook_secrets_of_every_tenant_are_rotated_a_batch_at_a_time(settings):
    from cryptography.fernet import Fernet

    from automation.rule_validation import rule_validate
    from automation.services import rule_create
    from automation.webhook_secrets import webhook_secrets_rotate
    from governance import crypto
    from tests.automation.conftest import append_action
    from tests.factories import TenantFactory

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OPSGATE_ENCRYPTION_KEYS = [old]
    crypto._multifernet.cache_clear()
    try:
        bodies = [
            [
                bearer("https://a.example.com/x", token="tok-a"),
                bearer("https://b.example.com/x", "tok-b", order=2),
            ],
            [append_action()],  # nothing sealed: left as it is
            [bearer("https://c.example.com/x", token="tok-c")],
        ]
        rules = []
        for actions in bodies:
            fields, problems = rule_validate(rule_body(actions=actions))
            assert problems == []
            rules.append(rule_create(tenant=TenantFactory(), fields=fields)[0])
        plain = stored_text(rules[1].pk)
        settings.OPSGATE_ENCRYPTION_KEYS = [new, old]
        crypto._multifernet.cache_clear()
        assert webhook_secrets_rotate(batch=1) == 3
        settings.OPSGATE_ENCRYPTION_KEYS = [new]
        crypto._multifernet.cache_clear()
        tokens = [
            json.loads(decrypt(action["config"]["authentication"]["credentials_encrypted"]))["token"]
            for rule in AutomationRule.objects.order_by("pk")
            for action in rule.actions
            if action["type"] == "webhook_call"
        ]
        assert sorted(tokens) == ["tok-a", "tok-b", "tok-c"]
        assert stored_text(rules[1].pk) == plain
    finally:
        crypto._multifernet.cache_clear()


@pytest.mark.django_db
def test_a_mask_over_a_token_no_key_opens_is_refused_in_words(keyed_client, peer):
    """Validation cannot see it (it opens no secret); the service that seals answers the same 400."""
    rule_id = create(keyed_client, bearer(f"{peer.url}/hook"))["rule_id"]
    rule = AutomationRule.objects.get(pk=rule_id)
    rule.actions[0]["config"]["authentication"]["credentials_encrypted"] = "gAAAAAnot-a-token"
    AutomationRule.objects.filter(pk=rule_id).update(actions=rule.actions)
    before = stored_text(rule_id)
    actions = keyed_client.get(f"{RULES}/{rule_id}").json()["data"]["actions"]
    response = keyed_client.put(f"{RULES}/{rule_id}", {"actions": actions, "name": "Renamed"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Validation failed"
    assert [d["code"] for d in response.json()["error"]["details"]] == ["secret_masked"]
    assert stored_text(rule_id) == before and AutomationRule.objects.get(pk=rule_id).name != "Renamed"
