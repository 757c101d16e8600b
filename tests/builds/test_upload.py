"""POST /files/upload: 400 without a file, 413 above the limit (by the declared length, or counted
as it streams in), 201 with the stored bytes' SHA-256; ``run_id`` attaches the file to a run."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from rest_framework.test import APIClient

from builds import uploads
from builds.artifacts import artifact_storage
from builds.models import Artifact, Upload
from builds.uploads import attached_path, upload_filename, upload_store, upload_suffix
from tests.builds.factories import build_run
from tests.factories import TenantFactory, api_key_for, member

pytestmark = pytest.mark.django_db
URL = "/files/upload"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture(autouse=True)
def _artifacts_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }


def _client(tenant, *, role: str = "admin") -> APIClient:
    raw, _ = api_key_for(member(tenant=tenant, role=role), tenant)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def _upload(client, name: str = "test.txt", content: bytes = b"hello world", **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **fields}, format="multipart")


def _stored(tenant, relative_path: str) -> bytes:
    with artifact_storage().open(f"{tenant.pk}/{relative_path}") as handle:
        return handle.read()


def _nothing_stored(tenant, tmp_path) -> bool:
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    return not files and not Upload.objects.filter(tenant=tenant).exists()


# --- 400 -----------------------------------------------------------------------------------------


def test_an_empty_form_is_400(keyed_client):
    response = keyed_client.post(URL, {}, format="multipart")
    assert (response.status_code, response.json()) == (400, {"detail": "No file provided"})


def test_a_text_field_named_file_is_400(keyed_client):
    response = keyed_client.post(URL, {"file": "not a file"}, format="multipart")
    assert (response.status_code, response.json()) == (400, {"detail": "No file provided"})


def test_a_json_body_is_400(keyed_client):
    response = keyed_client.post(URL, {"file": "x"}, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "No file provided"})


# --- 201 -----------------------------------------------------------------------------------------


def test_an_upload_is_stored_with_its_digest(keyed_client, tenant):
    content = b"hello world"
    response = _upload(keyed_client, "test.txt", content)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "success" and body["filename"] == "test.txt"
    assert len(body["stored_as"]) == 36 and body["stored_as"].endswith(".txt")
    assert body["relative_path"] == f"_uploads/{body['stored_as']}"
    assert not body["relative_path"].startswith("/") and ":" not in body["relative_path"]
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert (body["run_id"], body["artifact_path"]) == (None, None)
    stored = _stored(tenant, body["relative_path"])
    assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(content).hexdigest()
    upload = Upload.objects.get(stored_as=body["stored_as"])
    assert (upload.tenant, upload.size_bytes, upload.sha256) == (tenant, len(content), body["sha256"])


def test_chunked_sizes_add_up(keyed_client, tenant):
    content = b"a" * 65536 + b"b" * 65536 + b"c" * 1024
    body = _upload(keyed_client, "chunks.bin", content).json()
    assert body["size"] == 132096
    assert (
        hashlib.sha256(_stored(tenant, body["relative_path"])).hexdigest()
        == hashlib.sha256(content).hexdigest()
    )


def test_a_file_spilled_to_disk_is_copied_whole(keyed_client, tenant, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # a temporary file, not memory
    content = bytes(range(256)) * 40
    body = _upload(keyed_client, "big.bin", content).json()
    assert _stored(tenant, body["relative_path"]) == content


@pytest.mark.parametrize(
    ("name", "suffix"), [("document.pdf", ".pdf"), ("Makefile", ""), ("a.tar.GZ", ".gz")]
)
def test_stored_as_keeps_only_the_last_extension(keyed_client, name, suffix):
    stored_as = _upload(keyed_client, name).json()["stored_as"]
    assert stored_as[32:] == suffix and "." not in stored_as[:32]


def test_folders_in_the_name_are_dropped(keyed_client):
    assert _upload(keyed_client, "../../etc/passwd").json()["filename"] == "passwd"


def test_the_uploads_folder_is_the_tenants(keyed_client, tenant, tmp_path):
    _upload(keyed_client)
    assert (tmp_path / str(tenant.pk) / "_uploads").is_dir()


# --- 413 -----------------------------------------------------------------------------------------


def test_a_declared_length_above_the_limit_is_413_before_reading(keyed_client, tenant, settings, tmp_path):
    settings.OPSGATE_UPLOAD_MAX_BYTES = 1000
    response = keyed_client.generic(
        "POST", URL, b"--x\r\n", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(10**10)
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "File too large: the limit is 1000 bytes"}
    assert _nothing_stored(tenant, tmp_path)


def test_a_file_above_the_limit_is_stopped_as_it_streams(keyed_client, tenant, settings, tmp_path):
    settings.OPSGATE_UPLOAD_MAX_BYTES = 1000
    response = _upload(keyed_client, "big.bin", b"x" * 5000)  # declared length within the allowance
    assert response.status_code == 413
    assert _nothing_stored(tenant, tmp_path)


def test_the_limit_itself_is_allowed(keyed_client, settings):
    settings.OPSGATE_UPLOAD_MAX_BYTES = 1000
    assert _upload(keyed_client, "ok.bin", b"x" * 1000).status_code == 201
    assert _upload(keyed_client, "no.bin", b"x" * 1001).status_code == 413


def test_the_handler_stops_at_the_limit():
    handler = uploads.UploadLimitHandler(limit=10)
    assert handler.receive_data_chunk(b"x" * 10, 0) == b"x" * 10
    with pytest.raises(uploads.StopUpload):
        handler.receive_data_chunk(b"x", 10)
    assert handler.exceeded


# --- scopes, tenants -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_a_key_without_files_upload_is_403(tenant, role, tmp_path):
    response = _upload(_client(tenant, role=role))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Missing scope")
    assert _nothing_stored(tenant, tmp_path)


@pytest.mark.parametrize("role", ["executor", "editor"])
def test_the_roles_with_files_upload_may(tenant, role):
    assert _upload(_client(tenant, role=role)).status_code == 201


def test_anonymous_is_401(tenant):
    assert _upload(APIClient()).status_code == 401


# --- attached to a run ---------------------------------------------------------------------------


def test_a_screenshot_attached_to_a_run_is_a_browser_artifact(keyed_client, tenant):
    build = build_run(tenant, "b1")
    body = _upload(keyed_client, "shot 1.png", PNG, run_id="b1").json()
    assert (body["run_id"], body["artifact_path"]) == ("b1", "browser/shot_1.png")
    listing = keyed_client.get("/runs/b1/browser/artifacts").json()
    assert [s["path"] for s in listing["screenshots"]] == ["browser/shot_1.png"]
    served = keyed_client.get("/runs/b1/artifacts/file", {"path": "browser/shot_1.png"})
    assert served["Content-Type"] == "image/png" and served.content == PNG
    artifact = Artifact.objects.get(run=build.run, path="browser/shot_1.png")
    assert artifact.sha256 == hashlib.sha256(PNG).hexdigest() == body["sha256"]


def test_other_files_go_to_uploads(keyed_client, tenant):
    build_run(tenant, "b1")
    assert (
        _upload(keyed_client, "report.pdf", b"%PDF", run_id="b1").json()["artifact_path"]
        == "uploads/report.pdf"
    )
    assert (
        _upload(keyed_client, "page.html", b"<p>", run_id="b1").json()["artifact_path"] == "browser/page.html"
    )


def test_the_same_name_twice_never_replaces(keyed_client, tenant):
    build_run(tenant, "b1")
    first = _upload(keyed_client, "shot.png", PNG, run_id="b1").json()["artifact_path"]
    second = _upload(keyed_client, "shot.png", PNG + b"2", run_id="b1").json()["artifact_path"]
    assert first == "browser/shot.png" and second.startswith("browser/shot-") and second.endswith(".png")
    served = keyed_client.get("/runs/b1/artifacts/file", {"path": first}).content
    assert served == PNG


def test_an_unknown_run_is_404_and_nothing_is_stored(keyed_client, tenant, tmp_path):
    response = _upload(keyed_client, run_id="nope")
    assert (response.status_code, response.json()) == (404, {"detail": "Run nope not found"})
    assert _nothing_stored(tenant, tmp_path)


def test_another_tenants_run_is_404(tenant, tmp_path):
    build_run(tenant, "a-run")
    other = TenantFactory(slug="tenant-b")
    response = _upload(_client(other), run_id="a-run")
    assert (response.status_code, response.json()) == (404, {"detail": "Run a-run not found"})
    assert _nothing_stored(other, tmp_path)


def test_a_nul_in_run_id_is_422(keyed_client):
    response = _upload(keyed_client, run_id="a\x00b")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "run_id"


def test_a_failed_write_leaves_nothing(tenant, tmp_path, monkeypatch):
    build = build_run(tenant, "b1")
    calls = []
    real = uploads.storage_replace

    def failing_second_write(storage, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        real(storage, name, content)

    monkeypatch.setattr(uploads, "storage_replace", failing_second_write)
    with pytest.raises(OSError):
        upload_store(tenant=tenant, uploaded=SimpleUploadedFile("shot.png", PNG), run=build.run)
    assert _nothing_stored(tenant, tmp_path)
    assert not Artifact.objects.filter(run=build.run).exists()


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("test.txt", "test.txt"),
        ("dir/sub/a.txt", "a.txt"),
        ("C:\\Users\\x\\b.txt", "b.txt"),
        ("a\x00b\x1f.txt", "ab.txt"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
        ("  spaced name.md ", "spaced name.md"),
        ("x" * 300 + ".txt", "x" * 251 + ".txt"),
    ],
)
def test_upload_filename(name, expected):
    assert upload_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "suffix"),
    [("a.txt", ".txt"), ("a", ""), (".bashrc", ""), ("a.tOo-weird!", ""), ("a." + "x" * 17, "")],
)
def test_upload_suffix(name, suffix):
    assert upload_suffix(name) == suffix


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("s.PNG", "browser/s.PNG"),
        ("a b.htm", "browser/a_b.htm"),
        ("x.log", "uploads/x.log"),
        ("../x", "uploads/__x"),
    ],
)
def test_attached_path(name, path):
    assert attached_path(name) == path


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; races need PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_uploads_of_one_name_never_share_a_file(tenant):
    build_run(tenant, "b1")
    raw, _ = api_key_for(member(tenant=tenant, role="admin"), tenant)

    def upload(i):
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=raw)
        return _upload(client, "shot.png", PNG + bytes([i]), run_id="b1").json()

    bodies = race(8, upload)
    paths = {body["artifact_path"] for body in bodies}
    assert len(paths) == 8
    reader = APIClient()
    reader.credentials(HTTP_X_API_KEY=raw)
    for body in bodies:
        served = reader.get("/runs/b1/artifacts/file", {"path": body["artifact_path"]}).content
        assert hashlib.sha256(served).hexdigest() == body["sha256"]


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
