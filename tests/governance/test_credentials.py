"""workflow-runs-v1 credentials: encrypted at rest, never returned, rotated under a new key."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from governance import crypto
from governance.models import Credential
from tests.factories import api_client

SECRET = "sk-live-0123456789abcdefSECRET"
RID = "req_cred"


@pytest.fixture(autouse=True)
def _fresh_keys(settings, tmp_path):
    settings.OPSGATE_ENCRYPTION_KEYS = []
    settings.OPSGATE_ENCRYPTION_KEY_FILE = tmp_path / "fernet.key"
    crypto._multifernet.cache_clear()
    yield
    crypto._multifernet.cache_clear()


def create(client, prefix="/v1", **body):
    payload = {"name": "openai", "value": SECRET, **body}
    return client.post(f"{prefix}/credentials", payload, format="json", HTTP_X_REQUEST_ID=RID)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_a_credential_is_stored_encrypted_and_read_back_masked(keyed_client, tenant, prefix):
    response = create(keyed_client, prefix, provider="openai")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("name", "kind", "provider", "preview", "expires_at")} == {
        "name": "openai",
        "kind": "api_key",
        "provider": "openai",
        "preview": "••••CRET",
        "expires_at": None,
    }
    stored = Credential.objects.get(tenant=tenant, name="openai")
    assert SECRET not in stored.value_encrypted
    assert crypto.decrypt(stored.value_encrypted) == SECRET  # for the engine, at run time only
    detail = keyed_client.get(f"{prefix}/credentials/openai")
    assert detail.json() == body
    listing = keyed_client.get(f"{prefix}/credentials").json()
    assert (listing["total"], listing["items"][0]["name"]) == (1, "openai")


@pytest.mark.django_db
def test_the_raw_secret_appears_nowhere_in_the_database_or_any_response(keyed_client):
    responses = [
        create(keyed_client),
        keyed_client.get("/v1/credentials/openai"),
        keyed_client.get("/v1/credentials"),
    ]
    for response in responses:
        assert SECRET not in response.content.decode()
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                assert SECRET not in repr(row), table


@pytest.mark.django_db
def test_a_duplicate_name_is_409(keyed_client):
    create(keyed_client)
    response = create(keyed_client, value="another-secret-value")
    assert (response.status_code, response.json()) == (
        409,
        {
            "error": {
                "code": "CONFLICT",
                "message": "A credential named 'openai' already exists",
                "requestId": RID,
            }
        },
    )
    assert Credential.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"name": "9lives"}, "name: This value does not match the required pattern."),
        ({"name": "has space"}, "name: This value does not match the required pattern."),
        ({"value": "   "}, "value: This field may not be blank."),
        ({"value": "a\x00b"}, "value: text must not contain NUL characters"),  # the JSON parser's check
        ({"kind": "password"}, 'kind: "password" is not a valid choice.'),
        ({"provider": 80905763}, "provider: Not a valid string."),  # not stored as "80905763"
    ],
)
def test_bad_input_is_400(keyed_client, body, detail):
    response = create(keyed_client, **body)
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Request validation failed.",
                "details": [detail],
                "requestId": RID,
            }
        },
    )
    assert not Credential.objects.exists()


@pytest.mark.django_db
def test_unknown_and_foreign_credentials_are_404_alike(keyed_client):
    outsider = api_client()
    create(outsider)
    expected = {"error": {"code": "NOT_FOUND", "message": "Credential 'openai' not found", "requestId": RID}}
    response = keyed_client.get("/v1/credentials/openai", HTTP_X_REQUEST_ID=RID)
    assert (response.status_code, response.json()) == (404, expected)
    assert keyed_client.delete("/v1/credentials/openai").status_code == 404
    assert keyed_client.get("/v1/credentials").json()["total"] == 0
    assert Credential.objects.count() == 1


@pytest.mark.django_db
def test_delete_removes_it(keyed_client):
    create(keyed_client)
    assert keyed_client.delete("/v1/credentials/openai").status_code == 204
    assert keyed_client.get("/v1/credentials/openai").status_code == 404
    assert not Credential.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "read", "write"), [("viewer", 403, 403), ("operator", 403, 403), ("editor", 200, 201)]
)
def test_scopes_guard_reading_and_writing(tenant, role, read, write):
    client = api_client(tenant=tenant, role=role)
    assert client.get("/v1/credentials").status_code == read
    assert create(client).status_code == write


@pytest.mark.django_db
def test_rotation_re_encrypts_under_the_newest_key(keyed_client, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OPSGATE_ENCRYPTION_KEYS = [old]
    crypto._multifernet.cache_clear()
    create(keyed_client)
    create(keyed_client, name="github", value="ghp_abcdefghijklmnop")
    settings.OPSGATE_ENCRYPTION_KEYS = [new, old]
    crypto._multifernet.cache_clear()
    out = StringIO()
    call_command("rotate_credentials", stdout=out, stderr=StringIO())
    assert "2 credential(s) re-encrypted" in out.getvalue()
    settings.OPSGATE_ENCRYPTION_KEYS = [new]  # the old key is gone: everything still opens
    crypto._multifernet.cache_clear()
    values = {c.name: crypto.decrypt(c.value_encrypted) for c in Credential.objects.all()}
    assert values == {"openai": SECRET, "github": "ghp_abcdefghijklmnop"}
    assert all(c.rotated_at for c in Credential.objects.all())


@pytest.mark.django_db
def test_rotation_without_the_old_key_refuses_and_changes_nothing(keyed_client, settings):
    settings.OPSGATE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto._multifernet.cache_clear()
    create(keyed_client)
    before = Credential.objects.get().value_encrypted
    settings.OPSGATE_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    crypto._multifernet.cache_clear()
    with pytest.raises(CommandError, match="keep the old key"):
        call_command("rotate_credentials", stdout=StringIO(), stderr=StringIO())
    assert Credential.objects.get().value_encrypted == before


@pytest.mark.django_db
def test_the_admin_sets_a_value_but_never_shows_it(admin_client, tenant):
    response = admin_client.post(
        "/admin/governance/credential/add/",
        {"tenant": tenant.pk, "name": "slack", "kind": "api_key", "provider": "", "value": SECRET},
        follow=True,
    )
    assert response.status_code == 200
    credential = Credential.objects.get(name="slack")
    assert crypto.decrypt(credential.value_encrypted) == SECRET
    page = admin_client.get(f"/admin/governance/credential/{credential.pk}/change/").content.decode()
    assert SECRET not in page and credential.value_encrypted not in page
    assert "••••CRET" in page


@pytest.mark.django_db
def test_rotation_walks_every_tenant_a_batch_at_a_time(settings):
    from governance.services import credential_create, credentials_rotate
    from tests.factories import TenantFactory

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.OPSGATE_ENCRYPTION_KEYS = [old]
    crypto._multifernet.cache_clear()
    try:
        for tenant, name in [(TenantFactory(), "a"), (TenantFactory(), "b"), (TenantFactory(), "c")]:
            credential_create(tenant=tenant, name=name, value=f"value-{name}")
        settings.OPSGATE_ENCRYPTION_KEYS = [new, old]
        crypto._multifernet.cache_clear()
        seen = []
        assert credentials_rotate(batch=2, progress=seen.append) == 3
        assert seen == [2, 3]
        settings.OPSGATE_ENCRYPTION_KEYS = [new]
        crypto._multifernet.cache_clear()
        values = sorted(crypto.decrypt(c.value_encrypted) for c in Credential.objects.all())
        assert values == ["value-a", "value-b", "value-c"]
    finally:
        crypto._multifernet.cache_clear()
