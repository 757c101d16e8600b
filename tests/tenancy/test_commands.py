"""The commands users and our scripts rely on: create_api_key and demo."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ops.demo import DEMO_API_KEY
from tenancy.models import ApiKey, Membership, Team, Tenant
from tests.factories import TenantFactory, UserFactory, member


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_create_api_key_with_create_makes_everything_and_prints_a_working_key():
    output = run("create_api_key", "--tenant", "t1", "--user", "u1", "--role", "admin", "--create")
    raw = output.strip().splitlines()[-1]
    me = APIClient().get("/api/auth/me", HTTP_X_API_KEY=raw)
    assert me.status_code == 200
    assert (me.json()["username"], me.json()["tenant"]["slug"]) == ("u1", "t1")
    assert "tenant:admin" in me.json()["scopes"]
    assert Membership.objects.get(user__username="u1").role.name == "admin"
    # Running it again adds a key, not a second tenant, user or membership.
    run("create_api_key", "--tenant", "t1", "--user", "u1", "--role", "admin", "--create")
    assert (Tenant.objects.count(), Team.objects.count(), Membership.objects.count()) == (1, 1, 1)
    assert ApiKey.objects.count() == 2


@pytest.mark.django_db
def test_create_api_key_limits_the_key_to_the_roles_scopes():
    tenant = TenantFactory(slug="t2")
    member(tenant=tenant, role="admin", user=UserFactory(username="boss"))
    raw = (
        run("create_api_key", "--tenant", "t2", "--user", "boss", "--role", "viewer").strip().splitlines()[-1]
    )
    scopes = APIClient().get("/api/auth/me", HTTP_X_API_KEY=raw).json()["scopes"]
    assert "runs:read" in scopes and "tenant:admin" not in scopes


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nope", "--user", "x", "--role", "admin"], "No tenant 'nope'"),
        (["--tenant", "t3", "--user", "ghost", "--role", "admin"], "No user 'ghost'"),
        (["--tenant", "t3", "--user", "loner", "--role", "admin"], "not a member"),
        (["--tenant", "t3", "--user", "loner", "--role", "king", "--create"], "Unknown role 'king'"),
    ],
)
def test_create_api_key_refuses_what_does_not_exist_without_create(args, message):
    TenantFactory(slug="t3")
    UserFactory(username="loner")
    with pytest.raises(CommandError, match=message):
        run("create_api_key", *args)
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_demo_loads_once_and_its_key_and_logins_work(client_api):
    first = run("demo")
    counts = (get_user_model().objects.count(), Membership.objects.count(), ApiKey.objects.count())
    second = run("demo")
    assert "nothing changed" not in first and "already loaded: nothing changed" in second
    assert (
        counts
        == (get_user_model().objects.count(), Membership.objects.count(), ApiKey.objects.count())
        == (3, 3, 1)
    )
    assert DEMO_API_KEY in first
    assert APIClient().get("/api/auth/me", HTTP_X_API_KEY=DEMO_API_KEY).status_code == 200
    for username, password in [
        ("admin", "opsgate-admin"),
        ("operator", "opsgate-operator"),
        ("viewer", "opsgate-viewer"),
    ]:
        assert f"login {username} / {password}" in first
        login = client_api.post(
            "/api/auth/login", {"username": username, "password": password}, format="json"
        )
        assert login.status_code == 200


@pytest.mark.django_db
def test_create_api_key_never_changes_an_existing_membership():
    tenant = TenantFactory(slug="t4")
    boss = member(tenant=tenant, role="admin", user=UserFactory(username="boss4"))
    err = StringIO()
    call_command(
        "create_api_key",
        "--tenant",
        "t4",
        "--user",
        "boss4",
        "--role",
        "viewer",
        "--create",
        stdout=StringIO(),
        stderr=err,
    )
    assert Membership.objects.get(user=boss).role.name == "admin"
    weak = member(tenant=tenant, role="viewer", user=UserFactory(username="weak4"))
    call_command(
        "create_api_key",
        "--tenant",
        "t4",
        "--user",
        "weak4",
        "--role",
        "admin",
        "--create",
        stdout=StringIO(),
        stderr=err,
    )
    assert Membership.objects.get(user=weak).role.name == "viewer"
    assert "do not grant" in err.getvalue()
