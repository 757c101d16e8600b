"""A build run's portal page (tiers, phases, issues, errors, artifacts, progress) and the view that
streams its artifacts, both under the session's tenant."""

from __future__ import annotations

import pytest
from django.utils import timezone

from builds.artifacts import artifact_storage, artifact_write, run_folder
from builds.models import ErrorReport, IssueOccurrence, Phase
from builds.states import PhaseState
from ops.demo import demo_screenshot_png
from tenancy.models import Role, Team
from tests.builds.factories import build_run
from tests.factories import TenantFactory, member
from tests.portal.helpers import note, signed_in

pytestmark = pytest.mark.django_db

P = PhaseState


def two_tier_build(tenant, run_id="build-portal"):
    build = build_run(
        tenant,
        run_id,
        tiers=[("T1", "Foundation"), ("T2", "Features")],
        phases=[
            ("P1", "T1", P.COMPLETE),
            ("P2", "T1", P.EXECUTING),
            ("P3", "T2", P.QUEUED),
            ("P4", "T2", P.SKIPPED),
        ],
        tokens_used=12_500,
        token_cap=50_000,
        minor_issues_count=1,
    )
    Phase.objects.filter(build=build, phase_id="P2").update(
        builder_attempts=2, auditor_attempts=1, tokens_used=9_876, minor_issues_count=1
    )
    phase = Phase.objects.get(build=build, phase_id="P2")
    IssueOccurrence.objects.create(
        tenant=tenant,
        build=build,
        phase=phase,
        tier=phase.tier,
        issue_key="flaky_login_test",
        severity="minor",
        source="test",
        category="test_failure",
        evidence_refs=["tests/test_login.py::test_redirect"],
        description="Fails one run in five",
    )
    ErrorReport.objects.create(
        tenant=tenant,
        build=build,
        phase=phase,
        error_type="ProbeFailed",
        error_message="pytest exited with 1",
        component="builder",
        operation="probe",
    )
    artifact_write(run=build.run, path="screens/login.png", content=demo_screenshot_png())
    artifact_write(run=build.run, path="run_summary.md", content=b"# Run summary\n<b>bold</b> as text\n")
    artifact_write(run=build.run, path="bundle.zip", content=b"PK\x03\x04 not really a zip")
    return build


def artifact_url(build, path):
    return f"/portal/build-artifacts/{build.run.artifacts.get(path=path).pk}"


def test_the_page_shows_tiers_phases_issues_errors_and_artifacts(tenant, viewer):
    build = two_tier_build(tenant)
    response = signed_in(viewer).get("/portal/builds/build-portal")
    html = response.content.decode()

    assert response.status_code == 200
    page = response.context["page"]
    assert [(t.tier.tier_id, [p.phase_id for p in t.phases]) for t in page.tiers] == [
        ("T1", ["P1", "P2"]),
        ("T2", ["P3", "P4"]),
    ]
    assert (page.phases_completed, page.phases_total, page.percent_complete) == (2, 4, 50.0)
    assert page.token_utilization == 25.0
    assert "Foundation" in html and "Features" in html
    assert html.count('class="build-phase"') == 4
    assert "EXECUTING" in html and "9,876" in html and "2 of 4 phases done (50.0%)" in html
    assert '<progress id="build-progress" max="100" value="50.0"' in html
    # the issue index, the errors
    assert "flaky_login_test" in html and "tests/test_login.py::test_redirect" in html
    assert "Fails one run in five" in html
    assert "ProbeFailed" in html and "pytest exited with 1" in html
    # the artifacts: an image, text inline (escaped), a download
    assert f'<img src="{artifact_url(build, "screens/login.png")}"' in html
    assert 'alt="Image artifact screens/login.png"' in html
    assert "# Run summary\n&lt;b&gt;bold&lt;/b&gt; as text" in html
    assert f'<a href="{artifact_url(build, "bundle.zip")}" download>' in html


def test_the_runs_list_filters_build_runs_and_links_to_their_page(tenant, viewer):
    two_tier_build(tenant)
    build_run(tenant, "other-build")
    note(tenant, "agent-run", at=timezone.now())
    client = signed_in(viewer)

    listed = client.get("/portal/runs?kind=build")
    assert sorted(r.run_id for r in listed.context["page_obj"]) == ["build-portal", "other-build"]
    assert 'href="/portal/builds/build-portal"' in listed.content.decode()
    assert "agent-run" not in listed.content.decode()
    assert ("build", "Build (operator-api)") in listed.context["kinds"]
    run_page = client.get("/portal/runs/build-portal").content.decode()
    assert 'href="/portal/builds/build-portal"' in run_page


def test_another_tenant_s_build_page_and_artifacts_are_404(tenant):
    build = two_tier_build(TenantFactory(), run_id="theirs")
    two_tier_build(tenant, run_id="mine")
    client = signed_in(member(tenant=tenant, role="admin"))

    assert client.get("/portal/builds/theirs").status_code == 404
    assert client.get("/portal/builds/missing").status_code == 404
    assert client.get(artifact_url(build, "screens/login.png")).status_code == 404
    assert client.get(artifact_url(build, "run_summary.md")).status_code == 404
    assert client.get("/portal/builds/mine").status_code == 200
    assert client.get(f"/portal/build-artifacts/{2**64}").status_code == 404


def test_a_team_limited_to_workflow_categories_does_not_see_build_runs(tenant):
    build = two_tier_build(tenant)
    limited = member(tenant=tenant, role="viewer")
    Team.objects.filter(memberships__user=limited).update(workflow_categories=["payments"])
    client = signed_in(limited)

    assert client.get("/portal/builds/build-portal").status_code == 404
    assert client.get(artifact_url(build, "screens/login.png")).status_code == 404


def test_the_image_view_sends_the_image_s_media_type_and_bytes(tenant, viewer):
    build = two_tier_build(tenant)
    response = signed_in(viewer).get(artifact_url(build, "screens/login.png"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == demo_screenshot_png()
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_text_is_sent_as_plain_text_and_other_files_as_downloads(tenant, viewer):
    build = two_tier_build(tenant)
    artifact_write(run=build.run, path="report.html", content=b"<script>alert(1)</script>")
    client = signed_in(viewer)

    html = client.get(artifact_url(build, "report.html"))
    assert html["Content-Type"] == "text/plain; charset=utf-8"  # never rendered as a portal page
    download = client.get(artifact_url(build, "bundle.zip"))
    assert download["Content-Disposition"] == 'attachment; filename="bundle.zip"'


def test_a_missing_file_is_404_and_shown_as_missing(tenant, viewer):
    build = two_tier_build(tenant)
    artifact_storage().delete(f"{run_folder(build.run)}/run_summary.md")
    client = signed_in(viewer)

    assert client.get(artifact_url(build, "run_summary.md")).status_code == 404
    assert "missing from the artifact storage" in client.get("/portal/builds/build-portal").content.decode()


def test_a_role_without_artifacts_read_sees_no_artifacts(tenant):
    build = two_tier_build(tenant)
    reader = member(tenant=tenant, role="viewer")
    Role.objects.filter(name="viewer").update(scopes=["runs:read"])
    client = signed_in(reader)

    page = client.get("/portal/builds/build-portal").content.decode()
    assert "artifacts:read" in page and "<img" not in page
    assert client.get(artifact_url(build, "screens/login.png")).status_code == 403


def test_the_page_s_query_count_does_not_grow_with_the_run(tenant, viewer, django_assert_max_num_queries):
    small = build_run(tenant, "small", phases=[("P1", "T1", P.QUEUED)])
    artifact_write(run=small.run, path="a.md", content=b"a")
    big = build_run(
        tenant,
        "big",
        tiers=[(f"T{i}", f"Tier {i}") for i in range(5)],
        phases=[(f"P{i}", f"T{i % 5}", P.COMPLETE) for i in range(30)],
    )
    for i in range(10):
        artifact_write(run=big.run, path=f"notes/{i}.md", content=b"note")
    client = signed_in(viewer)
    client.get("/portal/builds/small")  # the session and caches warm

    with django_assert_max_num_queries(12) as small_queries:
        assert client.get("/portal/builds/small").status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        assert client.get("/portal/builds/big").status_code == 200
