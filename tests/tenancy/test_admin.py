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
