"""Files posted to ``/files/upload``: each is stored as ``<tenant id>/_uploads/<uuid hex><ext>`` in
``STORAGES["artifacts"]`` with an ``Upload`` row (its SHA-256 and size) and, when the caller names
one of its runs, also as an artifact of that run: ``browser/<name>`` for images and HTML (what
``/browser/artifacts`` lists), ``uploads/<name>`` for anything else. An existing artifact is never
replaced: a name already taken gets a short unique suffix.

``UploadLimitHandler`` counts the bytes as they stream in and stops the parse past the limit, so an
oversized upload is never read to its end; Django spills large files to a temporary file, never
to memory. Nothing is left half-written: a failure deletes what was stored.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import IntegrityError, transaction
from django.utils import timezone

from builds.artifacts import artifact_storage, media_type_for, safe_segment, storage_name, storage_replace
from builds.models import Artifact, Upload
from runs.models import Run
from tenancy.models import Tenant

UPLOADS_FOLDER = "_uploads"
FILENAME_MAX = 255
SUFFIX_MAX = 16
BROWSER_SUFFIXES = (".html", ".htm")


class UploadLimitHandler(FileUploadHandler):
    """First in the chain: counts the request's file bytes and, past ``limit``, stops the parse
    (the rest of the body is not read) and sets ``exceeded``; it passes every chunk on."""

    def __init__(self, request=None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_filename(name: str | None) -> str:
    """The client's file name without folders, control characters or surrogates, at most
    ``FILENAME_MAX`` characters (the extension kept); ``upload`` when nothing is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cs")).strip()
    if len(cleaned) > FILENAME_MAX:
        suffix = upload_suffix(cleaned)
        cleaned = cleaned[: FILENAME_MAX - len(suffix)] + suffix
    return cleaned if cleaned.strip(".") else "upload"


def upload_suffix(filename: str) -> str:
    """The name's last extension when it is short and plain (``.pdf``), else nothing."""
    suffix = PurePosixPath(filename).suffix
    plain = 1 < len(suffix) <= SUFFIX_MAX + 1 and suffix[1:].isascii() and suffix[1:].isalnum()
    return suffix.lower() if plain else ""


def attached_path(filename: str) -> str:
    """Where an upload goes among the run's artifacts: ``browser/`` for images and HTML."""
    name = safe_segment(filename)
    browser = media_type_for(name).startswith("image/") or name.lower().endswith(BROWSER_SUFFIXES)
    return f"{'browser' if browser else 'uploads'}/{name}"


def _unique_variant(path: str) -> str:
    stem, dot, suffix = path.rpartition(".")
    tag = uuid.uuid4().hex[:8]
    if not dot or "/" in suffix:
        return f"{path}-{tag}"
    return f"{stem}-{tag}.{suffix}"


def _digest(uploaded: UploadedFile) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    for chunk in uploaded.chunks():
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def _artifact_claim(*, run: Run, path: str, size: int, sha256: str, now) -> Artifact:
    """The run's new ``Artifact`` row at ``path``, or at a unique variant when ``path`` is taken
    (the unique constraint decides, so concurrent uploads of one name never share a file)."""
    for candidate in (path, _unique_variant(path), _unique_variant(path)):
        try:
            with transaction.atomic():
                return Artifact.objects.create(
                    tenant_id=run.tenant_id,
                    run=run,
                    path=candidate,
                    size_bytes=size,
                    sha256=sha256,
                    media_type=media_type_for(candidate),
                    modified_at=now,
                )
        except IntegrityError:
            continue
    raise IntegrityError(f"No free artifact path for {path}")


@dataclass(frozen=True)
class StoredUpload:
    upload: Upload
    relative_path: str  # in the tenant's folder: _uploads/<stored_as>


def upload_store(*, tenant: Tenant, uploaded: UploadedFile, run: Run | None = None) -> StoredUpload:
    """Stores ``uploaded`` for ``tenant`` (and as an artifact of ``run``), all or nothing."""
    filename = upload_filename(uploaded.name)
    stored_as = uuid.uuid4().hex + upload_suffix(filename)
    relative_path = f"{UPLOADS_FOLDER}/{stored_as}"
    sha256, size = _digest(uploaded)
    storage = artifact_storage()
    written: list[str] = []
    try:
        with transaction.atomic():
            artifact = None
            if run is not None:
                artifact = _artifact_claim(
                    run=run, path=attached_path(filename), size=size, sha256=sha256, now=timezone.now()
                )
            upload = Upload.objects.create(
                tenant=tenant,
                filename=filename,
                stored_as=stored_as,
                size_bytes=size,
                sha256=sha256,
                run=run,
                artifact_path=artifact.path if artifact else "",
            )
            names = [f"{tenant.pk}/{relative_path}"]
            if artifact is not None:
                names.append(storage_name(run, artifact.path))
            for name in names:
                # a plain File: always a streamed copy, never a move of Django's temporary file
                written.append(name)
                storage_replace(storage, name, File(uploaded.file, name=filename))
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return StoredUpload(upload=upload, relative_path=relative_path)
