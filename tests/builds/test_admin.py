"""Build runs in the Django admin: listed, read-only (no add, change or delete), and a staff member
who is not a superuser sees only their tenants' rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from builds.artifacts import artifact_write
from builds.models import Artifact, BuildRun, ErrorReport, IssueOccurrence, Phase, Tier
from builds.states import PhaseState
from tests.builds.factories import build_run
from tests.factories import TenantFactory, member

pytestmark = pytest.mark.django_db

MODELS = {
    "buildrun": BuildRun,
    "tier": Tier,
    "phase": Phase,
    "issueoccurrence": IssueOccurrence,
    "errorreport": ErrorReport,
    "artifact": Artifact,
}


def a_build(tenant, run_id):
    build = build_run(
        tenant,
        run_id,
        tiers=[("T1", f"Tier of {run_id}")],
        phases=[(f"{run_id}-P1", "T1", PhaseState.EXECUTING)],
    )
    phase = build.phases.get()
    IssueOccurrence.objects.create(
        tenant=tenant,
        build=build,
        phase=phase,
        tier=phase.tier,
        issue_key=f"{run_id}-issue",
        severity="minor",
        source="test",
        category="lint",
    )
    ErrorReport.objects.create(
        tenant=tenant, build=build, phase=phase, error_type=f"{run_id}-error", error_message="boom"
    )
    artifact_write(run=build.run, path=f"{run_id}.md", content=b"# notes")
    return build


def row_of(model, build):
    return {
        BuildRun: build,
        Tier: build.tiers.first(),
        Phase: build.phases.first(),
        IssueOccurrence: build.issues.first(),
        ErrorReport: build.errors.first(),
        Artifact: build.run.artifacts.first(),
    }[model]


@pytest.mark.parametrize("name", MODELS)
def test_each_list_shows_the_rows_and_nothing_can_be_added_or_changed(admin_client, tenant, name):
    build = a_build(tenant, "build-mine")
    row = row_of(MODELS[name], build)

    listing = admin_client.get(f"/admin/builds/{name}/")
    assert listing.status_code == 200
    assert "build-mine" in listing.content.decode()
    assert admin_client.get(f"/admin/builds/{name}/add/").status_code == 403
    assert admin_client.post(f"/admin/builds/{name}/add/", {}).status_code == 403
    assert admin_client.get(f"/admin/builds/{name}/{row.pk}/change/").status_code == 200  # shown, read-only
    assert admin_client.post(f"/admin/builds/{name}/{row.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"/admin/builds/{name}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MODELS[name].objects.filter(pk=row.pk).exists()


def test_the_lists_search_and_filter(admin_client, tenant):
    a_build(tenant, "build-alpha")
    a_build(tenant, "build-beta")

    found = admin_client.get("/admin/builds/buildrun/?q=alpha").content.decode()
    assert "build-alpha" in found and "build-beta" not in found
    phases = admin_client.get("/admin/builds/phase/?state__exact=EXECUTING").content.decode()
    assert "build-alpha-P1" in phases and "build-beta-P1" in phases
    assert (
        "build-alpha-P1" not in admin_client.get("/admin/builds/phase/?state__exact=QUEUED").content.decode()
    )


@pytest.mark.parametrize("name", MODELS)
def test_staff_see_only_their_tenants_rows(client, tenant, name):
    staff = member(tenant=tenant, role="admin")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.filter(codename=f"view_{name}"))
    mine = a_build(tenant, "build-mine")
    other = a_build(TenantFactory(), "build-theirs")
    client.force_login(staff)

    listing = client.get(f"/admin/builds/{name}/").content.decode()
    assert "build-mine" in listing and "build-theirs" not in listing
    theirs = row_of(MODELS[name], other)
    assert client.get(f"/admin/builds/{name}/{theirs.pk}/change/").status_code == 302  # "doesn't exist"
    assert client.get(f"/admin/builds/{name}/{row_of(MODELS[name], mine).pk}/change/").status_code == 200
