"""``GET/PUT /api/v1/policy``: validated as in the admin, every change audited, scoped per tenant."""

import pytest

from governance.models import AuditEntry, AutomationPolicy
from tests.factories import api_client

URL = "/api/v1/policy"


@pytest.mark.django_db
def test_a_tenant_without_a_policy_reads_as_off(keyed_client):
    body = keyed_client.get(URL).json()
    assert body["mode"] == "off" and body["require_human_approval_for"] == ["high", "critical"]
    assert body["updated_at"] is None


@pytest.mark.django_db
def test_put_changes_the_policy_and_audits_each_change(keyed_client, tenant, admin_key):
    response = keyed_client.put(
        URL,
        {"mode": "enforced", "on_deny": "request_approval", "category_risk_levels": {"ops": "high"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["mode"], response.json()["updated_by"]) == (
        "enforced",
        admin_key[1].user.username,
    )
    policy = AutomationPolicy.objects.get(tenant=tenant)
    assert (policy.mode, policy.on_deny, policy.category_risk_levels) == (
        "enforced",
        "request_approval",
        {"ops": "high"},
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "policy.update" and entry.changes["mode"] == ["advisory", "enforced"]
    assert len(entry.hash) == 64
    keyed_client.put(URL, {"mode": "enforced"}, format="json")  # no change: nothing to audit
    assert AuditEntry.objects.count() == 1
    keyed_client.put(URL, {"mode": "advisory"}, format="json")
    assert AuditEntry.objects.order_by("id").last().prev_hash == entry.hash


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"mode": "strict"},
        {"require_human_approval_for": ["extreme"]},
        {"require_human_approval_for": ["high", "high"]},
        {"approval_lifetime_minutes": 0},
        {"allow_self_approval": "yes"},
        {"category_risk_levels": {"ops": "huge"}},
    ],
)
def test_invalid_policies_are_400_and_change_nothing(keyed_client, tenant, body):
    response = keyed_client.put(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert not AuditEntry.objects.exists()
    assert not AutomationPolicy.objects.filter(tenant=tenant, mode="strict").exists()


@pytest.mark.django_db
def test_changing_the_policy_needs_policy_write(tenant):
    operator = api_client(tenant=tenant, role="operator")
    assert operator.get(URL).status_code == 200
    response = operator.put(URL, {"mode": "off"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert api_client(tenant=tenant).put(URL, {"mode": "enforced"}, format="json").status_code == 200


@pytest.mark.django_db
def test_each_tenant_sees_its_own_policy(keyed_client):
    keyed_client.put(URL, {"mode": "enforced"}, format="json")
    assert api_client().get(URL).json()["mode"] == "off"
    assert api_client().put(URL, {"mode": "advisory"}, format="json").status_code == 200
    assert keyed_client.get(URL).json()["mode"] == "enforced"


@pytest.mark.django_db
def test_an_admin_edit_goes_through_the_same_service_and_is_audited(client, tenant):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser(
        "root", "root@example.com", "correct-horse-battery"
    )
    client.force_login(admin_user)
    form = {
        "tenant": tenant.pk,
        "mode": "enforced",
        "require_human_approval_for": '["critical"]',
        "approval_lifetime_minutes": 30,
        "on_deny": "error",
        "category_risk_levels": "{}",
    }
    response = client.post("/admin/governance/automationpolicy/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = AutomationPolicy.objects.get(tenant=tenant)
    assert (policy.mode, policy.require_human_approval_for, policy.updated_by) == (
        "enforced",
        ["critical"],
        admin_user,
    )
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.changes["mode"]) == ("root", ["advisory", "enforced"])
    invalid = client.post("/admin/governance/automationpolicy/add/", {**form, "approval_lifetime_minutes": 0})
    assert invalid.status_code == 200 and AuditEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ('{"a\\u0000b": "high"}', "a\\x00b (key): text must not contain NUL characters"),
        ('{"\\udc00": "high"}', "\\udc00 (key): text must be valid Unicode"),
    ],
)
def test_the_admin_answers_an_unstorable_category_with_its_form_not_a_500(client, tenant, raw, problem):
    """A JSON escape is no NUL to the middleware, but one once parsed (a 500 on PostgreSQL)."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    form = {
        "tenant": tenant.pk,
        "mode": "enforced",
        "require_human_approval_for": '["critical"]',
        "approval_lifetime_minutes": 30,
        "on_deny": "error",
        "category_risk_levels": raw,
    }
    response = client.post("/admin/governance/automationpolicy/add/", form)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["category_risk_levels"] == [problem]
    assert not AutomationPolicy.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_admin_edits_the_policy_json_in_the_editor_with_risk_level_choices(client, tenant):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    page = client.get("/admin/governance/automationpolicy/add/").content.decode()
    assert page.count("data-django-jsonform=") == 2
    assert "Risk level by workflow category" in page and "&quot;critical&quot;" in page
