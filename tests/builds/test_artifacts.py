"""A run's artifacts: the index and the browser listing come from the rows; a file is served as
text (cut at the cap with the origin's marker) or, with its media type, as an attachment."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from builds.artifacts import artifact_write, artifacts_write_many, existing_digests, media_type_for
from builds.models import Artifact
from builds.readable_files import readable_files_write
from runs.journal.projection import initial_state
from runs.models import Run
from tests.builds.factories import build_run
from tests.factories import TenantFactory, api_key_for, member

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }


def _client(tenant, *, role: str = "admin", scopes=None) -> APIClient:
    kwargs = {"scopes": list(scopes)} if scopes is not None else {}
    raw, _ = api_key_for(member(tenant=tenant, role=role), tenant, **kwargs)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


# --- index ---------------------------------------------------------------------------------------


def test_index_of_an_unknown_run_is_404(keyed_client):
    response = keyed_client.get("/runs/nonexistent/artifacts/index")
    assert (response.status_code, response.json()) == (404, {"detail": "Run nonexistent not found"})


def test_index_of_a_run_without_files_is_empty(keyed_client, tenant):
    build_run(tenant, "run-no-dir")
    response = keyed_client.get("/runs/run-no-dir/artifacts/index")
    assert response.status_code == 200
    assert response.json() == {"run_id": "run-no-dir", "artifacts": [], "total_size_bytes": 0}


def test_index_lists_the_rows(keyed_client, tenant):
    build = build_run(tenant, "test-run-artifacts")
    artifact_write(run=build.run, path="run_summary.md", content=b"# Test Run Summary\n")
    artifact_write(run=build.run, path="phases/phase_00_P1.md", content=b"# Phase 1\n")
    body = keyed_client.get("/runs/test-run-artifacts/artifacts/index").json()
    assert body["run_id"] == "test-run-artifacts"
    assert [a["path"] for a in body["artifacts"]] == ["phases/phase_00_P1.md", "run_summary.md"]
    assert [a["size_bytes"] for a in body["artifacts"]] == [10, 19]
    assert body["total_size_bytes"] == 29
    assert body["artifacts"][0]["modified_at"].endswith("+00:00")


def test_index_shows_the_readable_files(keyed_client, tenant):
    build = build_run(tenant, "test-run-001", tiers=[("T1", "Foundation")])
    readable_files_write(build=build)
    paths = {a["path"] for a in keyed_client.get("/runs/test-run-001/artifacts/index").json()["artifacts"]}
    assert paths == {"run_summary.md", "tiers/tier_00_Foundation.md", "phases/phase_00_P1.md"}
    text = keyed_client.get("/runs/test-run-001/artifacts/file", {"path": "run_summary.md"}).content
    assert text.startswith(b"# Run Summary: test-run-001\n")


def test_any_run_of_the_tenant_has_artifacts(keyed_client, tenant):
    run = Run.objects.create(tenant=tenant, run_id="journal-run", journal_state=initial_state())
    artifact_write(run=run, path="notes.txt", content=b"hello")
    assert keyed_client.get("/runs/journal-run/artifacts/index").json()["total_size_bytes"] == 5


def test_index_query_count_does_not_grow(keyed_client, tenant, django_assert_max_num_queries):
    build = build_run(tenant, "many")
    artifacts_write_many(run=build.run, files={f"f{i}.txt": b"x" for i in range(50)})
    with django_assert_max_num_queries(6):
        body = keyed_client.get("/runs/many/artifacts/index").json()
    assert len(body["artifacts"]) == 50


# --- another tenant, scopes, public read ---------------------------------------------------------

ENDPOINTS = [
    "/runs/{}/artifacts/index",
    "/runs/{}/artifacts/file?path=run_summary.md",
    "/runs/{}/browser/artifacts",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_another_tenants_run_is_404(tenant, url):
    build = build_run(tenant, "tenant-a-run")
    artifact_write(run=build.run, path="run_summary.md", content=b"secret of A")
    outsider = _client(TenantFactory(slug="tenant-b"))
    response = outsider.get(url.format("tenant-a-run"))
    assert (response.status_code, response.json()) == (404, {"detail": "Run tenant-a-run not found"})


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_viewer_reads_artifacts(tenant, url):
    build = build_run(tenant, "r1")
    artifact_write(run=build.run, path="run_summary.md", content=b"# summary")
    assert _client(tenant, role="viewer").get(url.format("r1")).status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_key_without_artifacts_read_is_403(tenant, url):
    build_run(tenant, "r1")
    response = _client(tenant, scopes=["runs:read"]).get(url.format("r1"))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Missing scope")


@pytest.mark.parametrize("url", ENDPOINTS)
def test_public_read_serves_anonymous_callers_only_when_enabled(settings, url):
    tenant = TenantFactory(slug=settings.OPSGATE_DEFAULT_TENANT)
    build = build_run(tenant, "r1")
    artifact_write(run=build.run, path="run_summary.md", content=b"# summary")
    assert APIClient().get(url.format("r1")).status_code == 401
    settings.OPSGATE_PUBLIC_READ = True
    assert APIClient().get(url.format("r1")).status_code == 200


# --- file contents -------------------------------------------------------------------------------


@pytest.fixture
def run(tenant):
    return build_run(tenant, "files").run


def _file(client, path: str):
    return client.get("/runs/files/artifacts/file", {"path": path})


def test_text_headers(keyed_client, run):
    artifact_write(run=run, path="log.txt", content=b"hello")
    response = _file(keyed_client, "log.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Artifact-Original-Size"] == "5"
    assert response["X-Artifact-Truncated"] == "false"
    assert "Content-Disposition" not in response


def test_undecodable_bytes_are_replaced(keyed_client, run):
    artifact_write(run=run, path="mixed.log", content=b"ok \xff\xfe end")
    response = _file(keyed_client, "mixed.log")
    assert response.content.decode() == "ok \ufffd\ufffd end"


def test_text_above_the_cap_is_cut_with_the_marker(keyed_client, run, settings):
    settings.OPSGATE_ARTIFACT_MAX_BYTES = 10
    artifact_write(run=run, path="big.md", content=b"0123456789abcdef")
    response = _file(keyed_client, "big.md")
    assert response.content.decode() == (
        "0123456789\n\n[TRUNCATED: File size 16 bytes exceeds cap of 10 bytes]"
    )
    assert response["X-Artifact-Truncated"] == "true"
    assert response["X-Artifact-Original-Size"] == "16"


def test_a_cut_in_a_multibyte_character_is_replaced_not_a_500(keyed_client, run, settings):
    settings.OPSGATE_ARTIFACT_MAX_BYTES = 4
    artifact_write(run=run, path="u.txt", content="abcé and more".encode())
    assert _file(keyed_client, "u.txt").content.decode().startswith("abc\ufffd\n\n[TRUNCATED")


def test_a_cap_of_zero_serves_everything(keyed_client, run, settings):
    settings.OPSGATE_ARTIFACT_MAX_BYTES = 0
    artifact_write(run=run, path="big.txt", content=b"x" * 5000)
    response = _file(keyed_client, "big.txt")
    assert len(response.content) == 5000 and response["X-Artifact-Truncated"] == "false"


def test_an_image_is_an_attachment_with_its_media_type(keyed_client, run):
    artifact_write(run=run, path="browser/shot.png", content=PNG)
    response = _file(keyed_client, "browser/shot.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="shot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == PNG


def test_html_is_served_as_plain_text(keyed_client, run):
    artifact_write(run=run, path="browser/page.html", content=b"<script>alert(1)</script>")
    response = _file(keyed_client, "browser/page.html")
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_unknown_type_decodable_is_text_else_binary(keyed_client, run):
    artifact_write(run=run, path="data.bin", content=b"plain words")
    artifact_write(run=run, path="blob.bin", content=b"\x00\x01\x02\xff")
    assert _file(keyed_client, "data.bin")["Content-Type"] == "text/plain; charset=utf-8"
    blob = _file(keyed_client, "blob.bin")
    assert blob["Content-Type"] == "application/octet-stream" and blob.content == b"\x00\x01\x02\xff"


def test_a_binary_above_the_cap_is_413(keyed_client, run, settings):
    settings.OPSGATE_ARTIFACT_MAX_BYTES = 100
    artifact_write(run=run, path="shot.png", content=PNG)
    response = _file(keyed_client, "shot.png")
    assert response.status_code == 413
    assert response.json() == {"detail": f"File size {len(PNG)} bytes exceeds cap of 100 bytes"}


def test_file_queries(keyed_client, run, django_assert_max_num_queries):
    artifact_write(run=run, path="log.txt", content=b"hello")
    with django_assert_max_num_queries(5):
        assert _file(keyed_client, "log.txt").status_code == 200


# --- browser artifacts ---------------------------------------------------------------------------


def test_browser_artifacts_in_the_contracts_shape(keyed_client, run):
    artifact_write(run=run, path="browser/shot.png", content=PNG)
    artifact_write(run=run, path="browser/b.JPG", content=b"jpeg")
    artifact_write(run=run, path="browser/page.html", content=b"<p>hi</p>")
    artifact_write(run=run, path="old/page.htm", content=b"<p>")
    artifact_write(run=run, path="run_summary.md", content=b"# not browser")
    artifact_write(run=run, path="browser.log", content=b"not browser either")
    body = keyed_client.get("/runs/files/browser/artifacts").json()
    assert body["run_id"] == "files"
    assert [s["path"] for s in body["screenshots"]] == ["browser/b.JPG", "browser/shot.png"]
    assert [h["path"] for h in body["html_files"]] == ["browser/page.html", "old/page.htm"]
    assert body["total_size_bytes"] == len(PNG) + 4 + 9 + 3
    assert set(body["screenshots"][0]) == {"path", "timestamp", "size_bytes"}


def test_browser_artifacts_of_a_run_without_files(keyed_client, run):
    body = keyed_client.get("/runs/files/browser/artifacts").json()
    assert body == {"run_id": "files", "screenshots": [], "html_files": [], "total_size_bytes": 0}


def test_browser_query_count(keyed_client, run, django_assert_max_num_queries):
    artifacts_write_many(run=run, files={f"browser/{i}.png": PNG for i in range(30)})
    with django_assert_max_num_queries(6):
        assert len(keyed_client.get("/runs/files/browser/artifacts").json()["screenshots"]) == 30


# --- storage helpers -----------------------------------------------------------------------------


def test_artifact_write_replaces_the_file_and_the_row(run):
    artifact_write(run=run, path="a.txt", content=b"one")
    artifact = artifact_write(run=run, path="a.txt", content=b"two!")
    assert Artifact.objects.filter(run=run).count() == 1
    assert (artifact.size_bytes, artifact.sha256) == (4, hashlib.sha256(b"two!").hexdigest())


def test_write_many_skips_unchanged_files(run):
    assert artifacts_write_many(run=run, files={"a.txt": b"1", "b.txt": b"2"}) == ["a.txt", "b.txt"]
    known = existing_digests(run=run, paths=["a.txt", "b.txt"])
    assert artifacts_write_many(run=run, files={"a.txt": b"1", "b.txt": b"3"}, known_digests=known) == [
        "b.txt"
    ]


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("x.md", "text/"),
        ("p.diff", "text/"),
        ("s.png", "image/png"),
        ("f", "application/octet-stream"),
    ],
)
def test_media_types(path, media_type):
    assert media_type_for(path).startswith(media_type)
