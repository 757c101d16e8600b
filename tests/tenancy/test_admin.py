"""The Django admin: demo admin logs in, API keys show their raw value once, staff see only their tenants."""

import re

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from tenancy.models import ApiKey
from tests.factories import TenantFactory, api_key_for, member


def staff_admin_of(tenant, *codenames):
    """A non-superuser staff member holding the tenant's admin role and these model permissions."""
    staff = member(tenant=tenant, role="admin")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return staff


@pytest.mark.django_db
def test_the_demo_admin_logs_in_to_the_admin(client):
    from django.core.management import call_command

    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": "opsgate-admin"}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == "admin"
    assert b"Site administration" in response.content


@pytest.mark.django_db
def test_adding_an_api_key_in_the_admin_shows_the_raw_key_once(admin_client, tenant):
    owner = member(tenant=tenant, role="operator")
    response = admin_client.post(
        "/admin/tenancy/apikey/add/",
        {"tenant": tenant.pk, "user": owner.pk, "name": "from admin", "scopes": "[]"},
        follow=True,
    )
    assert response.status_code == 200
    shown = re.findall(r"<code>(ogk_[^<]+)</code>", response.content.decode())
    assert len(shown) == 1
    key = ApiKey.objects.get(name="from admin")
    assert shown[0] not in (key.key_hash, key.prefix)
    assert APIClient().get("/api/auth/me", HTTP_X_API_KEY=shown[0]).status_code == 200
    # The change page never shows it again.
    page = admin_client.get(f"/admin/tenancy/apikey/{key.pk}/change/").content.decode()
    assert shown[0] not in page and key.key_hash not in page


@pytest.mark.django_db
def test_admin_refuses_a_key_for_a_user_outside_the_tenant(admin_client, tenant):
    stranger = member(tenant=TenantFactory(), role="admin")
    response = admin_client.post(
        "/admin/tenancy/apikey/add/", {"tenant": tenant.pk, "user": stranger.pk, "name": "x", "scopes": "[]"}
    )
    assert response.status_code == 200
    assert b"must be a member" in response.content
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_staff_see_only_the_tenants_they_administer(client, tenant):
    staff = staff_admin_of(tenant, "view_apikey", "change_apikey")
    _, mine = api_key_for(staff, tenant, name="mine")
    other = TenantFactory()
    _, theirs = api_key_for(member(tenant=other, role="admin"), other, name="theirs")
    client.force_login(staff)
    listing = client.get("/admin/tenancy/apikey/").content.decode()
    assert "mine" in listing and "theirs" not in listing
    assert client.get(f"/admin/tenancy/apikey/{theirs.pk}/change/").status_code == 302  # "doesn't exist"
    assert client.get(f"/admin/tenancy/apikey/{mine.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_staff_see_only_users_of_their_tenants(client, tenant):
    staff = staff_admin_of(tenant, "view_user")
    colleague = member(tenant=tenant, role="viewer")
    outsider = member(tenant=TenantFactory(), role="viewer")
    client.force_login(staff)
    listing = client.get("/admin/auth/user/").content.decode()
    assert colleague.username in listing and outsider.username not in listing


@pytest.mark.django_db
def test_staff_cannot_make_themselves_superuser(client, tenant):
    staff = staff_admin_of(tenant, "view_user", "change_user")
    client.force_login(staff)
    page = client.get(f"/admin/auth/user/{staff.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    client.post(
        f"/admin/auth/user/{staff.pk}/change/",
        {
            "username": staff.username,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    staff.refresh_from_db()
    assert staff.is_superuser is False


@pytest.mark.django_db
def test_staff_cannot_touch_superusers_or_members_of_other_tenants(client, tenant):
    from tests.factories import UserFactory

    staff = staff_admin_of(tenant, "view_user", "change_user", "delete_user")
    superuser = member(tenant=tenant, role="viewer", user=UserFactory(is_superuser=True, is_staff=True))
    shared = member(tenant=tenant, role="viewer")
    member(tenant=TenantFactory(), role="viewer", user=shared)  # also in another tenant
    client.force_login(staff)
    for victim in (superuser, shared):
        page = client.get(f"/admin/auth/user/{victim.pk}/password/")
        assert page.status_code in (302, 404)
        client.post(
            f"/admin/auth/user/{victim.pk}/password/",
            {"password1": "pwned-pwned-1", "password2": "pwned-pwned-1"},
        )
        victim.refresh_from_db()
        assert not victim.check_password("pwned-pwned-1")
        client.post(f"/admin/auth/user/{victim.pk}/delete/", {"post": "yes"})
        assert type(victim).objects.filter(pk=victim.pk).exists()


@pytest.mark.django_db
def test_staff_cannot_pull_an_outside_user_into_their_team(client, tenant):
    from tenancy.models import Membership, Role, Team
    from tests.factories import UserFactory

    staff = staff_admin_of(tenant, "add_membership", "view_membership")
    team = Team.objects.get(memberships__user=staff)
    outsider = member(tenant=TenantFactory(), role="admin")
    root = UserFactory(is_superuser=True)
    client.force_login(staff)
    for user in (outsider, root):
        response = client.post(
            "/admin/tenancy/membership/add/",
            {"user": user.pk, "team": team.pk, "role": Role.objects.get(name="admin").pk},
        )
        assert response.status_code == 200  # the form is shown again with an error
        assert not Membership.objects.filter(user=user, team=team).exists()
    newcomer = UserFactory()  # registered, in no tenant yet: may be onboarded
    client.post(
        "/admin/tenancy/membership/add/",
        {"user": newcomer.pk, "team": team.pk, "role": Role.objects.get(name="viewer").pk},
    )
    assert Membership.objects.filter(user=newcomer, team=team).exists()


@pytest.mark.django_db
def test_staff_lists_and_filters_name_no_other_tenant(client, tenant):
    other = TenantFactory(slug="rival-corp")
    member(tenant=other, role="admin")
    staff = staff_admin_of(tenant, "view_team", "view_membership", "view_apikey", "view_tenant")
    client.force_login(staff)
    for url in (
        "/admin/tenancy/team/",
        "/admin/tenancy/membership/",
        "/admin/tenancy/apikey/",
        "/admin/tenancy/tenant/",
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "rival-corp" not in page.content.decode(), url


@pytest.mark.django_db
def test_a_revoked_key_cannot_be_revived_in_the_admin(admin_client, tenant):
    raw, key = api_key_for(member(tenant=tenant, role="admin"), tenant)
    admin_client.post(
        "/admin/tenancy/apikey/", {"action": "revoke", "_selected_action": [str(key.pk)]}, follow=True
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    form = admin_client.get(f"/admin/tenancy/apikey/{key.pk}/change/").context["adminform"].form
    assert "revoked_at" not in form.fields
    admin_client.post(
        f"/admin/tenancy/apikey/{key.pk}/change/",
        {"tenant": tenant.pk, "user": key.user_id, "name": key.name, "scopes": "[]", "revoked_at": ""},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert APIClient().get("/api/auth/me", HTTP_X_API_KEY=raw).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("scopes", ["[1]", '[["runs:read"]]', '"runs:read"', '["runs:fly"]'])
def test_bad_scopes_in_the_admin_are_a_form_error(admin_client, tenant, scopes):
    owner = member(tenant=tenant, role="admin")
    response = admin_client.post(
        "/admin/tenancy/apikey/add/", {"tenant": tenant.pk, "user": owner.pk, "name": "x", "scopes": scopes}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["scopes"]
    assert not ApiKey.objects.exists()


# JSON escapes reach no middleware (``\u0000`` is a NUL only once parsed): every admin JSON field
# refuses what no column can hold on its field, and shows it again as typed (a lone surrogate
# could not even be encoded into the page). Both were a 500.
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('["ops", "a\\u0000"]', "1: text must not contain NUL characters"),
        ('["\\ud800"]', "0: text must be valid Unicode"),
    ],
)
def test_the_admins_json_fields_refuse_unstorable_text_on_the_field(admin_client, tenant, raw, problem):
    from tenancy.models import Role, Team

    team = admin_client.post(
        "/admin/tenancy/team/add/",
        {
            "tenant": tenant.pk,
            "slug": "ops",
            "name": "Ops",
            "workflow_categories": raw,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert team.status_code == 200
    assert team.context["adminform"].form.errors["workflow_categories"] == [problem]
    assert raw in team.content.decode().replace("&quot;", '"')
    assert not Team.objects.filter(slug="ops").exists()

    roles = Role.objects.count()
    role = admin_client.post("/admin/tenancy/role/add/", {"name": "custom", "scopes": raw})
    assert role.status_code == 200
    assert role.context["adminform"].form.errors["scopes"] == [problem]
    assert Role.objects.count() == roles
