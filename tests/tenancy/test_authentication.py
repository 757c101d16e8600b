"""Who gets in: API keys, JWTs, sessions, tenants and scopes (via the API-keys endpoints)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tenancy.models import ApiKey, Membership, Role
from tenancy.tokens import issue_access_token
from tests.factories import TeamFactory, TenantFactory, UserFactory, api_key_for, member

KEYS = "/api/v1/api-keys"


def unauthorized(message):
    return {"error": {"code": "UNAUTHORIZED", "message": message, "requestId": "req_t"}}


@pytest.fixture
def get():
    """GET with exactly the headers given (its own client, so no stored credentials interfere)."""
    from rest_framework.test import APIClient

    def _get(path=KEYS, **headers):
        return APIClient().get(path, HTTP_X_REQUEST_ID="req_t", **headers)

    return _get


@pytest.mark.django_db
def test_missing_credentials_are_401(get):
    response = get()
    assert response.status_code == 401
    assert response.json() == unauthorized("Authentication credentials were not provided.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw",
    ["", "nonsense", "ogk_nope_nope", "ogk_demo000000_wrong-secret", "Bearer x"],
)
def test_malformed_or_unknown_keys_are_401(get, admin_key, raw):
    response = get(HTTP_X_API_KEY=raw)
    assert response.status_code == 401
    assert response.json() == unauthorized("Invalid API key")


@pytest.mark.django_db
def test_right_prefix_with_wrong_secret_is_401(get, admin_key):
    _, key = admin_key
    response = get(HTTP_X_API_KEY=f"ogk_{key.prefix}_not-the-secret")
    assert response.json() == unauthorized("Invalid API key")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", ["x-api-key", "X-API-KEY", "x-Api-kEy"])
def test_header_name_is_case_insensitive_over_real_http(live_server, name):
    import httpx

    tenant = TenantFactory()
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant)
    response = httpx.get(f"{live_server.url}{KEYS}", headers={name: raw})
    assert response.status_code == 200
    # The server thread finishes its request (closing its connection) just after replying; let it,
    # before pytest-django blocks database access again at teardown.
    time.sleep(0.2)


@pytest.mark.django_db
def test_expired_key_is_401(get, tenant):
    raw, _ = api_key_for(
        member(tenant=tenant, role="admin"), tenant, expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert get(HTTP_X_API_KEY=raw).json() == unauthorized("API key has expired")


@pytest.mark.django_db
def test_revoked_key_is_401(get, keyed_client, tenant):
    raw, key = api_key_for(member(tenant=tenant, role="admin"), tenant)
    assert get(HTTP_X_API_KEY=raw).status_code == 200
    assert keyed_client.delete(f"{KEYS}/{key.pk}").json()["revoked_at"] is not None
    assert get(HTTP_X_API_KEY=raw).json() == unauthorized("API key has been revoked")


@pytest.mark.django_db
def test_key_over_its_quota_is_401_and_usage_is_recorded(get, tenant):
    raw, key = api_key_for(member(tenant=tenant, role="admin"), tenant, usage_limit=2)
    assert [get(HTTP_X_API_KEY=raw).status_code for _ in range(2)] == [200, 200]
    assert get(HTTP_X_API_KEY=raw).json() == unauthorized("API key usage quota exceeded")
    key.refresh_from_db()
    assert key.usage_count == 2
    assert key.last_used_at is not None


@pytest.mark.django_db
def test_key_of_a_disabled_user_is_401(get, tenant):
    user = member(tenant=tenant, role="admin")
    raw, _ = api_key_for(user, tenant)
    user.is_active = False
    user.save()
    assert get(HTTP_X_API_KEY=raw).json() == unauthorized("User account is disabled")


@pytest.mark.django_db
def test_key_of_a_user_removed_from_the_tenant_is_401(get, tenant):
    user = member(tenant=tenant, role="admin")
    raw, _ = api_key_for(user, tenant)
    assert get(HTTP_X_API_KEY=raw).status_code == 200
    Membership.objects.filter(user=user).delete()
    assert get(HTTP_X_API_KEY=raw).json() == unauthorized(
        "API key owner is no longer a member of the key's tenant"
    )


@pytest.mark.django_db
def test_key_follows_its_owners_current_role(get, tenant):
    user = member(tenant=tenant, role="admin")
    raw, _ = api_key_for(user, tenant)
    assert get(HTTP_X_API_KEY=raw).status_code == 200
    Membership.objects.filter(user=user).update(role=Role.objects.get(name="viewer"))
    response = get(HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Missing scope: tenant:admin"


@pytest.mark.django_db
def test_missing_scope_is_403(get, tenant):
    raw, _ = api_key_for(member(tenant=tenant, role="operator"), tenant)
    response = get(HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "FORBIDDEN", "message": "Missing scope: tenant:admin", "requestId": "req_t"}
    }


@pytest.mark.django_db
def test_key_scopes_narrow_the_owners_power(get, tenant):
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant, scopes=["runs:read"])
    assert get(HTTP_X_API_KEY=raw).status_code == 403


@pytest.mark.django_db
def test_another_tenants_object_is_404_like_a_missing_one(get, keyed_client):
    other = TenantFactory()
    _, foreign_key = api_key_for(member(tenant=other, role="admin"), other)
    foreign = keyed_client.get(f"{KEYS}/{foreign_key.pk}", HTTP_X_REQUEST_ID="req_t")
    missing = keyed_client.get(f"{KEYS}/00000000-0000-0000-0000-000000000000", HTTP_X_REQUEST_ID="req_t")
    assert foreign.status_code == missing.status_code == 404
    assert (
        foreign.json()
        == missing.json()
        == {"error": {"code": "NOT_FOUND", "message": "API key not found", "requestId": "req_t"}}
    )
    # Nor can it be revoked from here.
    assert keyed_client.delete(f"{KEYS}/{foreign_key.pk}").status_code == 404
    foreign_key.refresh_from_db()
    assert foreign_key.revoked_at is None


@pytest.mark.django_db
def test_lists_show_only_the_callers_tenant(keyed_client, admin_key):
    other = TenantFactory()
    api_key_for(member(tenant=other, role="admin"), other)
    body = keyed_client.get(KEYS).json()
    assert [item["id"] for item in body["items"]] == [str(admin_key[1].pk)]
    assert body["total"] == 1
    assert "key_hash" not in body["items"][0]


@pytest.mark.django_db
def test_api_key_list_paginates_in_constant_queries(keyed_client, tenant, django_assert_max_num_queries):
    user = member(tenant=tenant, role="viewer")
    for _ in range(15):
        api_key_for(user, tenant)
    with django_assert_max_num_queries(5):
        body = keyed_client.get(f"{KEYS}?limit=10&offset=5").json()
    assert (len(body["items"]), body["total"], body["limit"], body["offset"]) == (10, 16, 10, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "offset=-1", "offset=99999999999999999999"]
)
def test_bad_pagination_is_400(keyed_client, query):
    response = keyed_client.get(f"{KEYS}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db
def test_x_tenant_id_of_a_foreign_tenant_is_refused_as_404(get, admin_key):
    other = TenantFactory()
    response = get(HTTP_X_API_KEY=admin_key[0], HTTP_X_TENANT_ID=other.slug)
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "NOT_FOUND", "message": "Tenant not found", "requestId": "req_t"}
    }


@pytest.mark.django_db
def test_x_tenant_id_of_the_keys_own_tenant_is_accepted_by_slug_or_id(get, admin_key, tenant):
    assert get(HTTP_X_API_KEY=admin_key[0], HTTP_X_TENANT_ID=tenant.slug).status_code == 200
    assert get(HTTP_X_API_KEY=admin_key[0], HTTP_X_TENANT_ID=str(tenant.pk)).status_code == 200


@pytest.mark.django_db
def test_a_user_in_two_tenants_picks_one_with_x_tenant_id(get):
    first, second = TenantFactory(), TenantFactory()
    user = member(tenant=first, role="admin")
    member(tenant=second, role="viewer", user=user)
    token, _ = issue_access_token(user)
    bearer = f"Bearer {token}"
    ambiguous = get(HTTP_AUTHORIZATION=bearer)
    assert ambiguous.status_code == 400
    assert "X-Tenant-ID" in ambiguous.json()["error"]["message"]
    me = get("/api/auth/me", HTTP_AUTHORIZATION=bearer)  # needs no tenant: answers without one
    assert (me.status_code, me.json()["tenant"], me.json()["scopes"]) == (200, None, [])
    assert get(HTTP_AUTHORIZATION=bearer, HTTP_X_TENANT_ID=first.slug).status_code == 200
    assert get(HTTP_AUTHORIZATION=bearer, HTTP_X_TENANT_ID=second.slug).status_code == 403  # viewer there
    assert get(HTTP_AUTHORIZATION=bearer, HTTP_X_TENANT_ID=TenantFactory().slug).status_code == 404


@pytest.mark.django_db
def test_bearer_token_authenticates_and_bad_tokens_are_401(get, tenant):
    user = member(tenant=tenant, role="admin")
    token, _ = issue_access_token(user)
    assert get(HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    for bad in ["Bearer ", "Bearer abc.def.ghi", f"Bearer {token[:-4]}AAAA"]:
        assert get(HTTP_AUTHORIZATION=bad).json() == unauthorized("Could not validate credentials")


@pytest.mark.django_db
def test_expired_bearer_token_is_401(get, tenant, settings):
    user = member(tenant=tenant, role="admin")
    settings.OPSGATE_JWT_TTL_MINUTES = -1
    token, _ = issue_access_token(user)
    assert get(HTTP_AUTHORIZATION=f"Bearer {token}").json() == unauthorized("Could not validate credentials")


@pytest.mark.django_db
def test_bearer_token_of_a_deleted_user_is_401(get, tenant):
    user = member(tenant=tenant, role="admin")
    token, _ = issue_access_token(user)
    user.delete()
    assert get(HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_session_authenticates_the_browser_and_enforces_csrf(tenant):
    from rest_framework.test import APIClient

    user = member(tenant=tenant, role="admin")
    _, key = api_key_for(user, tenant)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get(KEYS).status_code == 200
    response = browser.delete(f"{KEYS}/{key.pk}")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    key.refresh_from_db()
    assert key.revoked_at is None


@pytest.mark.django_db
def test_a_user_without_any_tenant_is_refused_tenant_endpoints(get):
    token, _ = issue_access_token(UserFactory())
    response = get(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You are not a member of any tenant."


@pytest.mark.django_db
def test_team_category_limits_reach_the_auth_context(tenant):
    from tenancy.context import resolve_context

    user = member(team=TeamFactory(tenant=tenant, workflow_categories=["billing"]), role="operator")
    assert resolve_context(user=user, method="jwt").categories == frozenset({"billing"})
    member(team=TeamFactory(tenant=tenant), role="viewer", user=user)
    assert resolve_context(user=user, method="jwt").categories is None


@pytest.mark.django_db
def test_raw_keys_are_not_stored(tenant):
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant)
    assert not ApiKey.objects.filter(key_hash=raw).exists()
    assert raw not in str(list(ApiKey.objects.values()))
