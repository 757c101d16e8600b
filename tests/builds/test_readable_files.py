"""builds.readable_files: the run's markdown files follow its rows, only changed files are stored,
and the number of queries does not grow with the run."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from builds.artifacts import artifact_storage, run_folder, safe_segment
from builds.models import Artifact, Phase
from builds.readable_files import readable_files_write
from builds.states import BuildRunState, PhaseState
from runs.models import Run
from tests.builds.factories import build_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }


def _read(build, path: str) -> str:
    with artifact_storage().open(f"{run_folder(build.run)}/{path}") as handle:
        return handle.read().decode()


def _two_tiers(tenant, **fields):
    return build_run(
        tenant,
        "test-run-001",
        tiers=[("T1", "Foundation"), ("T2", "Features")],
        phases=[("F1.1", "T1", PhaseState.QUEUED), ("F2.1", "T2", PhaseState.QUEUED)],
        **fields,
    )


def test_the_origin_file_names_are_written(tenant):
    build = _two_tiers(tenant)
    readable_files_write(build=build)
    paths = set(Artifact.objects.filter(run=build.run).values_list("path", flat=True))
    assert paths == {
        "run_summary.md",
        "tiers/tier_00_Foundation.md",
        "tiers/tier_01_Features.md",
        "phases/phase_00_F1.1.md",
        "phases/phase_01_F2.1.md",
    }


def test_contents_follow_the_rows(tenant):
    build = _two_tiers(tenant, tokens_used=12345)
    readable_files_write(build=build)
    summary = _read(build, "run_summary.md")
    assert summary.startswith("# Run Summary: test-run-001\n\n## Status\n- **State:** RUN_CREATED\n")
    assert "- **Safety Profile:** normal" in summary and "- **Run Scope:** multi_tier" in summary
    assert "- **Tiers:** 2\n- **Phases:** 2\n- **Phases Complete:** 0\n- **Phases Failed:** 0" in summary
    assert "- **Tokens Used:** 12,345" in summary
    assert "## Issues\n(To be populated as run progresses)" in summary
    tier = _read(build, "tiers/tier_00_Foundation.md")
    assert tier.startswith("# Tier Summary: T1 - Foundation\n\n## Status\n- **State:** PENDING\n")
    assert "- **Tier ID:** T1\n- **Index:** 0" in tier and "## Phases\n- **Total:** 1" in tier
    phase = _read(build, "phases/phase_00_F1.1.md")
    assert phase.startswith("# Phase Summary: F1.1 - Phase F1.1\n\n## Status\n- **State:** QUEUED\n")
    assert "- **Task Category:** N/A\n- **Complexity:** N/A" in phase
    assert "## Execution\n(To be populated as phase executes)" in phase


def test_a_phase_change_rewrites_summary_and_phase_only(tenant):
    build = _two_tiers(tenant)
    readable_files_write(build=build)
    before = dict(Artifact.objects.filter(run=build.run).values_list("path", "modified_at"))
    phase = Phase.objects.get(build=build, phase_id="F1.1")
    Phase.objects.filter(pk=phase.pk).update(state=PhaseState.COMPLETE, builder_attempts=2, tokens_used=900)
    build.__class__.objects.filter(pk=build.pk).update(state=BuildRunState.DONE_SUCCESS)
    readable_files_write(build=build, phase=phase)
    after = dict(Artifact.objects.filter(run=build.run).values_list("path", "modified_at"))
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {"run_summary.md", "phases/phase_00_F1.1.md"}
    assert "- **State:** COMPLETE" in _read(build, "phases/phase_00_F1.1.md")
    assert "- Builder attempts: 2\n- Tokens used: 900" in _read(build, "phases/phase_00_F1.1.md")
    summary = _read(build, "run_summary.md")
    assert "- **Phases Complete:** 1" in summary
    assert "No issues - run completed successfully." in summary
    assert "- **State:** QUEUED" in _read(build, "phases/phase_01_F2.1.md")


def test_failure_reason_and_failed_run(tenant):
    build = _two_tiers(tenant, state=BuildRunState.DONE_FAILED_REQUIRES_HUMAN_REVIEW)
    readable_files_write(build=build)
    assert "(Run failed - see phase logs for details)" in _read(build, "run_summary.md")
    build.__class__.objects.filter(pk=build.pk).update(failure_reason="boom")
    readable_files_write(build=build)
    assert "**Failure Reason:** boom" in _read(build, "run_summary.md")


def test_nothing_changed_stores_nothing(tenant):
    build = _two_tiers(tenant)
    readable_files_write(build=build)
    before = dict(Artifact.objects.filter(run=build.run).values_list("path", "modified_at"))
    readable_files_write(build=build)
    assert dict(Artifact.objects.filter(run=build.run).values_list("path", "modified_at")) == before


def test_query_count_does_not_grow_with_the_run(tenant):
    small = build_run(tenant, "small")
    phases = [(f"P{i}", "T1", PhaseState.QUEUED) for i in range(20)]
    large = build_run(tenant, "large", phases=phases)
    counts = []
    for build in (small, large):
        with CaptureQueriesContext(connection) as queries:
            readable_files_write(build=build)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 8


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Foundation", "Foundation"),
        ("Core Features", "Core_Features"),
        ("a/b", "a_b"),
        ("F1.1", "F1.1"),
        ("..", "_"),
        ("../../etc", "____etc"),
        ("x\\y:z", "x_y_z"),
        ("", "_"),
        ("a" * 300, "a" * 100),
    ],
)
def test_safe_segment(name, expected):
    assert safe_segment(name) == expected


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; races need PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_phase_changes_leave_the_newest_summary(tenant):
    """Each writer changes its phase under the run lock, commits, then refreshes the files: the
    last refresh reads every change, so the summary counts all of them."""
    phases = [(f"P{i}", "T1", PhaseState.EXECUTING) for i in range(8)]
    build = build_run(tenant, "race", phases=phases)
    readable_files_write(build=build)

    def complete(i):
        with transaction.atomic():
            Run.objects.select_for_update().get(pk=build.pk)
            Phase.objects.filter(build=build, phase_id=f"P{i}").update(state=PhaseState.COMPLETE)
        readable_files_write(build=build, phase=Phase.objects.get(build=build, phase_id=f"P{i}"))

    race(8, complete)
    assert "- **Phases Complete:** 8" in _read(build, "run_summary.md")
    for i in range(8):
        assert "- **State:** COMPLETE" in _read(build, f"phases/phase_{i:02d}_P{i}.md")


def race(n, fn):
    barrier = threading.Barrier(n)

    def one(i):
        try:
            barrier.wait()
            return fn(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))
