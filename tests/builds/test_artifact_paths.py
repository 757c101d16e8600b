"""GET /runs/{id}/artifacts/file: the origin's path checks in its order (before the run lookup),
then the run's folder (a symlink that leads out is refused), then the file."""

from __future__ import annotations

import os

import pytest

from builds.artifacts import artifact_path_check, artifact_storage, artifact_write, run_folder
from builds.errors import ArtifactPathRefused
from tests.builds.factories import build_run

pytestmark = pytest.mark.django_db
RUN = "test-run-artifacts"


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "artifacts"), "allow_overwrite": True},
        },
    }


@pytest.fixture
def run(tenant):
    build = build_run(tenant, RUN, state="DONE_SUCCESS")
    artifact_write(run=build.run, path="run_summary.md", content=b"# Test Run Summary\n")
    artifact_write(run=build.run, path="phases/phase_00_P1.md", content=b"# Phase 1\n")
    artifact_write(run=build.run, path="test_artifact.txt", content=b"Test artifact content")
    artifact_write(run=build.run, path="subdir/nested.txt", content=b"Nested content")
    return build.run


def _get(client, path: str, run_id: str = RUN):
    return client.get(f"/runs/{run_id}/artifacts/file", {"path": path})


def _raw(client, query: str, run_id: str = RUN):
    """``query`` sent as is (already percent-encoded by the test)."""
    return client.get(f"/runs/{run_id}/artifacts/file?path={query}")


# --- the origin's tests/api/test_artifacts.py -----------------------------------------------------


def test_unknown_run_is_404(keyed_client):
    response = _get(keyed_client, "test.md", run_id="nonexistent")
    assert response.status_code == 404
    assert response.json() == {"detail": "Run nonexistent not found"}


@pytest.mark.parametrize(
    ("path", "word"),
    [("../secrets.txt", "traversal"), ("/etc/passwd", "absolute"), ("C:/Windows/System32/config", "drive")],
)
def test_refused_paths(keyed_client, run, path, word):
    response = _get(keyed_client, path)
    assert response.status_code == 400
    assert word in response.json()["detail"].lower()


def test_a_file_is_served(keyed_client, run):
    response = _get(keyed_client, "run_summary.md")
    assert response.status_code == 200
    assert "Test Run Summary" in response.content.decode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_missing_file_is_404_echoing_the_path(keyed_client, run):
    response = _get(keyed_client, "nonexistent.txt")
    assert response.status_code == 404
    assert response.json() == {"detail": "File not found: nonexistent.txt"}


@pytest.mark.parametrize(
    "query",
    [
        "%2e%2e/secrets.txt",
        "phases/../../../etc/passwd",
        "phases/..\\..\\..\\windows\\system32",
        "..\\secrets.txt",
    ],
)
def test_encoded_and_mixed_traversals(keyed_client, run, query):
    assert _get(keyed_client, query).status_code == 400


# --- the origin's tests/api/test_path_traversal.py ------------------------------------------------


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("../../../etc/passwd", "traversal"),
        ("%2e%2e%2f%2e%2e%2fetc/passwd", "traversal"),
        ("%252e%252e%252f%252e%252e%252f", "traversal"),
        ("%25252e%25252e%25252f", "traversal"),  # three levels: decoded three times in all
        ("/etc/passwd", "absolute"),
        ("%2Fetc%2Fpasswd", "absolute"),
        ("C:/Windows/System32/config/SAM", "drive"),
        ("..\\..\\etc\\passwd", "traversal"),
        ("subdir/../../../etc/passwd", "traversal"),
        ("subdir/../../outside.txt", "traversal"),
    ],
)
def test_path_traversal_table(keyed_client, run, query, word):
    response = _raw(keyed_client, query.replace("\\", "%5C"))
    assert response.status_code == 400, response.content
    assert word in response.json()["detail"].lower()


@pytest.mark.parametrize(
    ("path", "body"),
    [("subdir/nested.txt", "Nested content"), ("test_artifact.txt", "Test artifact content")],
)
def test_legitimate_files(keyed_client, run, path, body):
    response = _get(keyed_client, path)
    assert response.status_code == 200
    assert response.content.decode() == body


# --- the origin's test_artifacts_router_contract.py -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("../../../etc/passwd", "Path traversal not allowed"),
        ("/etc/passwd", "Absolute paths not allowed"),
        ("C:\\Windows\\System32", "Windows drive letters not allowed"),
        ("a\\b.txt", "Path traversal not allowed"),
        ("\\\\server\\share", "Absolute paths not allowed"),
    ],
)
def test_the_origin_texts(keyed_client, run, path, detail):
    response = _get(keyed_client, path)
    assert (response.status_code, response.json()) == (400, {"detail": detail})


def test_checks_come_before_the_run_lookup(keyed_client):
    """A traversal attempt on an unknown run is 400, not 404 (the origin's order)."""
    assert _get(keyed_client, "../x", run_id="nonexistent").status_code == 400
    assert _get(keyed_client, "x", run_id="nonexistent").status_code == 404


# --- beyond the origin ---------------------------------------------------------------------------


def test_a_symlink_that_leads_out_is_refused(keyed_client, run, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    folder = artifact_storage().path(run_folder(run))
    os.symlink(secret, os.path.join(folder, "leak.txt"))
    os.symlink(tmp_path, os.path.join(folder, "outside"))
    for path in ("leak.txt", "outside/secret.txt"):
        response = _get(keyed_client, path)
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "Invalid file path: path traversal detected"},
        )
        assert b"top secret" not in response.content


def test_a_symlink_inside_the_folder_is_served(keyed_client, run):
    folder = artifact_storage().path(run_folder(run))
    os.symlink(os.path.join(folder, "test_artifact.txt"), os.path.join(folder, "alias.txt"))
    assert _get(keyed_client, "alias.txt").content == b"Test artifact content"


def test_another_runs_folder_is_out_of_reach(keyed_client, run, tenant):
    other = build_run(tenant, "other-run")
    artifact_write(run=other.run, path="mine.txt", content=b"other run")
    folder = artifact_storage().path(run_folder(run))
    os.symlink(artifact_storage().path(run_folder(other.run)), os.path.join(folder, "sibling"))
    assert _get(keyed_client, "sibling/mine.txt").status_code == 400


@pytest.mark.parametrize("path", ["", "phases", "phases/", "./", "subdir/."])
def test_empty_and_directory_paths_are_404(keyed_client, run, path):
    response = _get(keyed_client, path)
    assert response.status_code == 404, response.content
    assert response.json()["detail"].startswith("File not found")


def test_dot_segments_and_double_slashes_are_dropped(keyed_client, run):
    assert _get(keyed_client, "./subdir//nested.txt").content == b"Nested content"


@pytest.mark.parametrize("query", ["%2500x", "a%252500b"])
def test_a_nul_after_decoding_is_400(keyed_client, run, query):
    response = _raw(keyed_client, query)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_raw_nul_is_refused_before_the_view(keyed_client, run):
    assert _raw(keyed_client, "a%00b").status_code in (400, 422)


def test_a_missing_path_parameter_is_422(keyed_client, run):
    response = keyed_client.get(f"/runs/{RUN}/artifacts/file")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["query", "path"], "msg": "Field required"}]
    }


def test_the_check_itself():
    assert artifact_path_check("a/./b//c.txt") == "a/b/c.txt"
    assert artifact_path_check("%2541.txt") == "A.txt"  # decoded twice more
    with pytest.raises(ArtifactPathRefused):
        artifact_path_check("a..b.txt")  # the origin's substring rule: kept
