"""A run's files in ``STORAGES["artifacts"]``, under ``<tenant id>/<run pk>/<path>``.

Every path is relative to the run's folder and '/'-separated; ``artifact_write`` stores the bytes
and keeps an ``Artifact`` row (size, SHA-256, media type) so listings never walk the storage.
Reading one back: ``artifact_path_check`` refuses a client's path before anything is looked up
(the origin's checks, in its order), ``artifact_read`` resolves it inside the run's folder (a
symlink on the filesystem that leads out is refused too) and reads at most the served-size cap.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import os
import re
from dataclasses import dataclass
from urllib.parse import unquote

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages
from django.utils import timezone

from builds.errors import ArtifactNotFound, ArtifactPathRefused, ArtifactTooLarge
from builds.models import Artifact
from runs.models import Run


def artifact_storage() -> Storage:
    return storages["artifacts"]


def run_folder(run: Run) -> str:
    return f"{run.tenant_id}/{run.pk}"


_UNSAFE_SEGMENT = re.compile(r"[^A-Za-z0-9._-]")
_DOT_RUNS = re.compile(r"\.{2,}")
SEGMENT_MAX = 100


def safe_segment(name: str) -> str:
    """``name`` as one path segment: spaces, ``/`` and anything else unsafe become ``_``; runs of
    dots (``..``) too; never empty, never only dots, at most ``SEGMENT_MAX`` characters."""
    cleaned = _DOT_RUNS.sub("_", _UNSAFE_SEGMENT.sub("_", name))[:SEGMENT_MAX]
    return cleaned if cleaned.strip(".") else "_"


def media_type_for(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    if guessed is None and path.endswith((".md", ".diff", ".patch", ".log")):
        return "text/plain"
    return guessed or "application/octet-stream"


def storage_name(run: Run, path: str) -> str:
    """The storage name of the run's file ``path``."""
    return f"{run_folder(run)}/{path}"


def storage_replace(storage: Storage, name: str, content: File) -> None:
    """Stores ``content`` exactly as ``name``, replacing what is there (a backend that would pick
    another name for an existing one gets the old file deleted first)."""
    if storage.exists(name) and storage.get_available_name(name) != name:
        storage.delete(name)
    saved = storage.save(name, content)
    if saved != name:  # a concurrent writer recreated it between our delete and save
        storage.delete(saved)
        storage.delete(name)
        content.seek(0)
        saved = storage.save(name, content)
        if saved != name:
            storage.delete(saved)
            raise RuntimeError(f"Could not store {name}")


def artifact_write(*, run: Run, path: str, content: bytes, media_type: str | None = None) -> Artifact:
    """Stores ``content`` as the run's file ``path`` (replacing it) and records it."""
    storage_replace(artifact_storage(), storage_name(run, path), ContentFile(content))
    artifact, _ = Artifact.objects.update_or_create(
        run=run,
        path=path,
        defaults={
            "tenant_id": run.tenant_id,
            "size_bytes": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
            "media_type": media_type or media_type_for(path),
            "modified_at": timezone.now(),
        },
    )
    return artifact


def existing_digests(*, run: Run, paths: list[str]) -> dict[str, str]:
    """The SHA-256 recorded for each of the run's ``paths`` that has an ``Artifact`` row."""
    rows = Artifact.objects.filter(run=run, path__in=paths).values_list("path", "sha256")
    return dict(rows)


def artifacts_write_many(
    *, run: Run, files: dict[str, bytes], known_digests: dict[str, str] | None = None
) -> list[str]:
    """Stores each changed file of ``files`` (path -> bytes) and records them all in one upsert;
    a file whose SHA-256 equals ``known_digests[path]`` is left alone. Returns the paths stored."""
    known = known_digests or {}
    storage = artifact_storage()
    now = timezone.now()
    rows = []
    for path, content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        if known.get(path) == digest:
            continue
        storage_replace(storage, storage_name(run, path), ContentFile(content))
        rows.append(
            Artifact(
                tenant_id=run.tenant_id,
                run=run,
                path=path,
                size_bytes=len(content),
                sha256=digest,
                media_type=media_type_for(path),
                modified_at=now,
            )
        )
    if rows:
        Artifact.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["run", "path"],
            update_fields=["size_bytes", "sha256", "media_type", "modified_at"],
        )
    return [row.path for row in rows]


# --- reading a file back ---------------------------------------------------------------------------

TRAVERSAL = "Path traversal not allowed"
ABSOLUTE = "Absolute paths not allowed"
DRIVE_LETTER = "Windows drive letters not allowed"
ESCAPES = "Invalid file path: path traversal detected"
NUL = "Invalid file path: NUL character"
TEXTUAL_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-yaml",
        "application/yaml",
    }
)


def artifact_path_check(path: str) -> str:
    """The client's ``path`` URL-decoded twice more (the query string was decoded once already),
    refused when it holds ``..``, is absolute, names a drive or holds a backslash or a NUL; else
    the relative '/'-separated path it names (empty and ``.`` segments dropped)."""
    decoded = unquote(unquote(path))
    if ".." in decoded:
        raise ArtifactPathRefused(TRAVERSAL)
    if decoded.startswith(("/", "\\")):
        raise ArtifactPathRefused(ABSOLUTE)
    if len(decoded) > 1 and decoded[1] == ":":
        raise ArtifactPathRefused(DRIVE_LETTER)
    if "\\" in decoded:
        raise ArtifactPathRefused(TRAVERSAL)
    if "\x00" in decoded:
        raise ArtifactPathRefused(NUL)
    return "/".join(part for part in decoded.split("/") if part not in ("", "."))


def _filesystem_path(storage: Storage, name: str) -> str | None:
    try:
        return storage.path(name)
    except NotImplementedError:  # a remote backend: no filesystem, no symlinks
        return None


def artifact_locate(*, run: Run, relative: str, shown_as: str) -> str:
    """The storage name of the run's file ``relative`` (already through ``artifact_path_check``);
    ``ArtifactPathRefused`` when it resolves outside the run's folder (a symlink leading out),
    ``ArtifactNotFound`` (echoing ``shown_as``) when it is missing or not a file."""
    storage = artifact_storage()
    if not relative:
        raise ArtifactNotFound(shown_as)
    name = storage_name(run, relative)
    full = _filesystem_path(storage, name)
    if full is None:
        if not storage.exists(name):
            raise ArtifactNotFound(shown_as)
        return name
    base = os.path.realpath(storage.path(run_folder(run)))
    resolved = os.path.realpath(full)
    if os.path.commonpath([base, resolved]) != base:
        raise ArtifactPathRefused(ESCAPES)
    if not os.path.isfile(resolved):
        raise ArtifactNotFound(shown_as)
    return name


@dataclass(frozen=True)
class ArtifactContent:
    body: bytes  # what is served: at most the cap of the file's bytes (text: plus the marker)
    media_type: str  # the file's own; text is served as text/plain; charset=utf-8
    is_text: bool
    original_size: int
    truncated: bool


def _is_text(media_type: str, head: bytes) -> bool:
    if (
        media_type.startswith("text/")
        or media_type in TEXTUAL_TYPES
        or media_type.endswith(("+json", "+xml"))
    ):
        return media_type != "image/svg+xml"
    if media_type != "application/octet-stream" or b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def artifact_read(*, name: str, cap: int) -> ArtifactContent:
    """The stored file ``name``: text (by media type, or undecided bytes that decode as UTF-8) with
    undecodable bytes replaced and, above ``cap`` bytes, cut there with the origin's marker; any
    other file whole, or ``ArtifactTooLarge`` above ``cap``. ``cap`` <= 0 means no cap."""
    storage = artifact_storage()
    try:
        size = storage.size(name)
        with storage.open(name, "rb") as handle:
            data = handle.read(cap + 1 if cap > 0 else -1)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise ArtifactNotFound(name.split("/", 2)[-1]) from exc
    media_type = media_type_for(name)
    truncated = cap > 0 and (size > cap or len(data) > cap)
    size = max(size, len(data))
    if not _is_text(media_type, data[:8192]):
        if truncated:
            raise ArtifactTooLarge(size, cap)
        return ArtifactContent(data, media_type, False, size, False)
    text = (
        data[:cap].decode("utf-8", errors="replace") if truncated else data.decode("utf-8", errors="replace")
    )
    if truncated:
        text += f"\n\n[TRUNCATED: File size {size} bytes exceeds cap of {cap} bytes]"
    return ArtifactContent(text.encode("utf-8"), media_type, True, size, truncated)
