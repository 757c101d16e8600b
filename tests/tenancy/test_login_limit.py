"""One sign-in attempt budget per client address for every password form: the admin's, the
portal's and ``/api/auth/login`` (``OPSGATE_LOGIN_RATE``)."""

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.test import APIClient

from tenancy.admin_login import LimitedAdminAuthenticationForm
from tests.factories import member

PASSWORD = "correct-horse-battery"
TOO_MANY = "Too many sign-in attempts from here"


@pytest.fixture
def staff(tenant):
    user = member(tenant=tenant, role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def admin_login(client, username, password=PASSWORD, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def portal_login(client, username, password=PASSWORD):
    return client.post("/portal/login", {"username": username, "password": password})


def api_login(username, password=PASSWORD, **extra):
    return APIClient().post(
        "/api/auth/login", {"username": username, "password": password}, format="json", **extra
    )


def test_the_admin_login_url_serves_the_limited_view():
    from django.contrib import admin

    match = resolve("/admin/login/")
    assert match.func is admin.site.login
    assert match.func.__name__ == "login" and admin.site.login_form is LimitedAdminAuthenticationForm


@pytest.mark.django_db
def test_the_admin_login_is_limited_and_refuses_even_the_right_password(client, staff, settings):
    settings.OPSGATE_LOGIN_RATE = "3/min"
    statuses = [admin_login(client, staff.username, "wrong").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]  # the admin's form, with its wrong-password error
    blocked = admin_login(client, staff.username)
    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= 60
    html = blocked.content.decode()
    assert TOO_MANY in html and 'name="password"' in html  # the admin's own page, saying why
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_showing_the_admin_login_page_is_not_an_attempt(client, staff, settings):
    settings.OPSGATE_LOGIN_RATE = "1/min"
    assert [client.get("/admin/login/").status_code for _ in range(3)] == [200, 200, 200]
    response = admin_login(client, staff.username)
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
def test_the_three_forms_share_one_budget_per_address(client, staff, settings):
    settings.OPSGATE_LOGIN_RATE = "3/min"
    assert api_login(staff.username, "wrong").status_code == 401
    assert portal_login(client, staff.username, "wrong").status_code == 200
    assert admin_login(client, staff.username, "wrong").status_code == 200
    # The budget is spent whichever door comes next, with the right password too.
    assert admin_login(client, staff.username).status_code == 429
    assert portal_login(client, staff.username).status_code == 429
    api = api_login(staff.username)
    assert (api.status_code, api.json()) == (
        429,
        {"detail": "Too many login attempts. Please try again later."},
    )
    assert int(api["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_another_address_has_its_own_budget(client, staff, settings):
    settings.OPSGATE_LOGIN_RATE = "1/min"
    assert admin_login(client, staff.username, "wrong").status_code == 200
    assert admin_login(client, staff.username, "wrong").status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert admin_login(elsewhere, staff.username).status_code == 302


@pytest.mark.django_db
def test_a_signed_in_person_guessing_at_the_admin_form_is_limited_too(tenant, staff, settings):
    """Signed in to the portal (not staff), someone may still post the admin's form: it counts."""
    settings.OPSGATE_LOGIN_RATE = "2/min"
    viewer = Client()
    viewer.force_login(member(tenant=tenant, role="viewer"))
    assert [admin_login(viewer, staff.username, "guess").status_code for _ in range(2)] == [200, 200]
    assert admin_login(viewer, staff.username).status_code == 429
    assert viewer.session["_auth_user_id"] != str(staff.pk)
