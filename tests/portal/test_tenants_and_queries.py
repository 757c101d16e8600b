"""The tenant switcher, and query counts that do not grow with the number of items."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from runs.models import Run, RunKind
from tests.factories import TenantFactory, UserFactory, member
from tests.portal.helpers import ask, signed_in


@pytest.mark.django_db
def test_a_person_in_two_tenants_switches_between_them(tenant):
    other = TenantFactory(name="Other Co")
    user = member(tenant=tenant, role="operator")
    member(tenant=other, role="viewer", user=user)
    ask(tenant, "run_here", title="Here")
    ask(other, "run_there", title="There")
    client = signed_in(user)
    first, second = sorted([tenant, other], key=lambda t: t.slug)
    html = client.get("/portal/").content.decode()
    assert 'name="tenant"' in html and "Other Co" in html
    assert ("Here" if first == tenant else "There") in html
    response = client.post(
        "/portal/tenant", {"tenant": str(second.pk), "next": "/portal/runs/run_here"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/portal/runs"  # the list, not the other tenant's object
    assert response.context["portal"].tenant == second
    inbox = client.get("/portal/")
    titles = [a.title for a in inbox.context["page_obj"]]
    assert titles == (["There"] if second == other else ["Here"])
    # Scopes follow the tenant: a viewer there, an operator here.
    assert inbox.context["can_resolve"] is (second == tenant)


@pytest.mark.django_db
def test_switching_to_a_tenant_one_is_not_in_is_refused(tenant):
    user = member(tenant=tenant, role="operator")
    client = signed_in(user)
    for wanted in (str(TenantFactory().pk), "not-a-uuid"):
        response = client.post("/portal/tenant", {"tenant": wanted}, follow=True)
        assert [str(m) for m in response.context["messages"]] == ["You are not a member of that tenant."]
        assert response.context["portal"].tenant == tenant


@pytest.mark.django_db
def test_a_person_in_no_team_is_told_so():
    response = signed_in(UserFactory()).get("/portal/")
    assert response.status_code == 403
    assert "You are not in a team yet" in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_inbox_query_count_does_not_grow_with_500_pending_items(
    tenant, operator, django_assert_max_num_queries
):
    client = signed_in(operator)
    for i in range(5):
        ask(tenant, f"run_{i}", risk="low", expires_at=timezone.now() + timedelta(hours=1))
    few = _queries(client, "/portal/")
    for i in range(5, 500):
        ask(tenant, f"run_{i}", risk="low", expires_at=timezone.now() + timedelta(hours=1))
    many = _queries(client, "/portal/")
    assert many == few
    with django_assert_max_num_queries(12):
        page = client.get("/portal/")
    assert page.context["page_obj"].paginator.count == 500
    assert len(page.context["page_obj"]) == 25
    with django_assert_max_num_queries(12):
        client.get("/portal/inbox/items?page=3")


@pytest.mark.django_db
def test_the_runs_list_query_count_does_not_grow_with_500_runs(tenant, viewer, django_assert_max_num_queries):
    client = signed_in(viewer)

    def add(start, stop):
        Run.objects.bulk_create(
            Run(tenant=tenant, run_id=f"run_{i:04d}", kind=RunKind.EXTERNAL, event_count=1)
            for i in range(start, stop)
        )

    add(0, 5)
    few = _queries(client, "/portal/runs")
    add(5, 500)
    many = _queries(client, "/portal/runs")
    assert many == few
    with django_assert_max_num_queries(10):
        page = client.get("/portal/runs?status=running&page=4")
    assert page.context["page_obj"].paginator.count == 500
