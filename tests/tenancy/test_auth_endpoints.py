"""operator-api section 8: register, login, me, JWKS."""

import jwt
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.factories import UserFactory, api_key_for, member

PASSWORD = "correct-horse-battery"


@pytest.mark.django_db
def test_register_creates_a_user_and_answers_201(client_api):
    response = client_api.post(
        "/api/auth/register",
        {"username": "newbie", "email": "newbie@example.test", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "is_active", "is_superuser", "created_at", "updated_at"}
    assert (body["username"], body["email"], body["is_active"], body["is_superuser"]) == (
        "newbie",
        "newbie@example.test",
        True,
        False,
    )
    user = get_user_model().objects.get(username="newbie")
    assert user.check_password(PASSWORD) and PASSWORD not in user.password


@pytest.mark.django_db
def test_register_refuses_a_taken_username_before_a_taken_email(client_api):
    UserFactory(username="taken", email="taken@example.test")
    same_both = {"username": "taken", "email": "taken@example.test", "password": PASSWORD}
    response = client_api.post("/api/auth/register", same_both, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "Username already registered"})
    same_email = {**same_both, "username": "other"}
    response = client_api.post("/api/auth/register", same_email, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "Email already registered"})
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_register_validates_the_body_as_fastapi_would(client_api):
    response = client_api.post("/api/auth/register", {"username": "ab", "email": "nope"}, format="json")
    assert response.status_code == 422
    locations = sorted(tuple(item["loc"]) for item in response.json()["detail"])
    assert locations == [("body", "email"), ("body", "password"), ("body", "username")]
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_register_refuses_a_common_password(client_api):
    body = {"username": "weakling", "email": "w@example.test", "password": "password123"}
    response = client_api.post("/api/auth/register", body, format="json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


@pytest.mark.django_db
def test_registration_can_be_closed(client_api, settings):
    settings.OPSGATE_ALLOW_REGISTRATION = False
    body = {"username": "newbie", "email": "n@example.test", "password": PASSWORD}
    response = client_api.post("/api/auth/register", body, format="json")
    assert (response.status_code, response.json()) == (403, {"detail": "Registration is closed"})
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["form", "json"])
def test_login_returns_a_bearer_token_that_me_accepts(client_api, tenant, fmt):
    user = member(tenant=tenant, role="operator")
    data = {"username": user.username, "password": PASSWORD}
    if fmt == "form":
        response = client_api.generic(
            "POST",
            "/api/auth/login",
            f"username={user.username}&password={PASSWORD}",
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client_api.post("/api/auth/login", data, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = APIClient().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert me.json()["tenant"]["slug"] == tenant.slug
    assert me.json()["auth_method"] == "jwt"
    assert "runs:start" in me.json()["scopes"]


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_login_with_bad_credentials_is_401(client_api, password):
    user = UserFactory()
    response = client_api.post(
        "/api/auth/login", {"username": user.username, "password": password}, format="json"
    )
    if password:
        assert (response.status_code, response.json()) == (401, {"detail": "Incorrect username or password"})
        assert response["WWW-Authenticate"] == "Bearer"
    else:
        assert response.status_code == 422


@pytest.mark.django_db
def test_login_of_a_disabled_user_is_401(client_api):
    user = UserFactory()
    user.is_active = False
    user.save()
    response = client_api.post(
        "/api/auth/login", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_login_attempts_are_rate_limited_per_client(client_api, settings):
    settings.OPSGATE_LOGIN_RATE = "3/min"
    bad = {"username": "nobody", "password": "wrong-password"}
    statuses = [client_api.post("/api/auth/login", bad, format="json").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    last = client_api.post("/api/auth/login", bad, format="json")
    assert last.json() == {"detail": "Too many login attempts. Please try again later."}
    assert int(last["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_spoofed_x_forwarded_for_does_not_reset_the_login_limit(client_api, settings):
    settings.OPSGATE_LOGIN_RATE = "3/min"
    bad = {"username": "nobody", "password": "wrong-password"}
    statuses = [
        client_api.post("/api/auth/login", bad, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]


@pytest.mark.django_db
def test_me_accepts_the_api_key_and_reports_the_tenant_and_scopes(client_api, tenant):
    raw, _ = api_key_for(member(tenant=tenant, role="viewer"), tenant)
    response = client_api.get("/api/auth/me", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    assert response.json()["auth_method"] == "api_key"
    assert "runs:start" not in response.json()["scopes"]


@pytest.mark.django_db
def test_me_without_credentials_is_401(client_api):
    response = client_api.get("/api/auth/me")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )


@pytest.mark.django_db
def test_me_works_for_a_user_without_a_tenant(client_api):
    user = UserFactory()
    token = client_api.post(
        "/api/auth/login", {"username": user.username, "password": PASSWORD}, format="json"
    )
    me = APIClient().get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    assert me.status_code == 200
    assert (me.json()["tenant"], me.json()["scopes"]) == (None, [])


@pytest.mark.django_db
def test_jwks_verifies_a_token_issued_by_login(client_api):
    user = UserFactory()
    token = client_api.post(
        "/api/auth/login", {"username": user.username, "password": PASSWORD}, format="json"
    ).json()["access_token"]
    jwks = APIClient().get("/api/auth/.well-known/jwks.json").json()
    assert len(jwks["keys"]) == 1
    jwk = jwks["keys"][0]
    assert {jwk["kty"], jwk["alg"], jwk["use"]} == {"RSA", "RS256", "sig"}
    assert jwt.get_unverified_header(token)["kid"] == jwk["kid"]
    public_key = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="opsgate-api", issuer="opsgate")
    assert (claims["sub"], claims["username"]) == (str(user.pk), user.username)


@pytest.mark.django_db
def test_a_token_signed_by_another_key_is_refused(client_api):
    from cryptography.hazmat.primitives.asymmetric import rsa

    user = UserFactory()
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {
            "sub": str(user.pk),
            "user_id": user.pk,
            "iss": "opsgate",
            "aud": "opsgate-api",
            "iat": 1,
            "exp": 2**31,
        },
        foreign,
        algorithm="RS256",
    )
    response = client_api.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert (response.status_code, response.json()) == (401, {"detail": "Could not validate credentials"})


def test_the_signing_key_is_generated_once_and_reused(tmp_path):
    from tenancy import tokens

    path = tmp_path / "k.pem"
    first = tokens._load_or_create(path)
    assert tokens._load_or_create(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["ċ\U000eb376x", "two words", "semi;colon"])
def test_register_refuses_a_username_django_could_not_sign_in(client_api, username):
    body = {"username": username, "email": "u@example.test", "password": PASSWORD}
    response = client_api.post("/api/auth/register", body, format="json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "username"]
    assert not get_user_model().objects.exists()
