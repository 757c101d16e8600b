"""Builder patches: unified diffs parsed with ``unidiff``, and the paths they touch checked against
a builder's ``allowed_paths``.

A path a patch names is taken relative to the workspace: git's ``a/`` and ``b/`` prefixes are
dropped and ``/dev/null`` (an added or removed file's other side) is no file. A path that could
leave the workspace (absolute, a drive letter, a backslash, ``..`` after normalising, a control
character) is refused whatever ``allowed_paths`` says. An allowed path matches itself and
everything under it, compared component by component once both are normalised (``src`` allows
``src/x.py`` and ``src/`` but not ``srcs/x.py``); an empty list allows every path.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from core.errors import ErrorDetail, Invalid
from core.input_hygiene import printable

NO_FILE = "/dev/null"
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PATH_NAMES_SHOWN = 20  # enough to fix a patch; a hostile one does not get a huge answer


@dataclass(frozen=True)
class ParsedPatch:
    """What a valid patch touches: every path (sources and targets, in order, once each)."""

    paths: tuple[str, ...]
    lines_added: int
    lines_removed: int


class PatchInvalid(Invalid):
    """The patch is not a unified diff, or names a path it may not touch (422, ``patch_content``)."""

    error_type = "patch_invalid"

    def __init__(self, message: str, *, type: str = "patch_invalid") -> None:
        super().__init__(message, details=[ErrorDetail("patch_content", message, type)])


class PatchOutsideAllowedPaths(PatchInvalid):
    error_type = "patch_outside_allowed_paths"

    def __init__(self, paths: Sequence[str], allowed: Sequence[str]) -> None:
        shown = ", ".join(printable(p) for p in paths[:PATH_NAMES_SHOWN])
        more = f" and {len(paths) - PATH_NAMES_SHOWN} more" if len(paths) > PATH_NAMES_SHOWN else ""
        allowed_text = ", ".join(printable(p) for p in allowed[:PATH_NAMES_SHOWN])
        super().__init__(
            f"Patch touches files outside allowed_paths: {shown}{more} (allowed: {allowed_text})",
            type="patch_outside_allowed_paths",
        )
        self.paths = list(paths)


def path_normalise(path: str) -> str | None:
    """``path`` as a clean relative '/'-separated path, or None when it could leave the workspace."""
    if not path or _CONTROL.search(path) or "\\" in path or _DRIVE.match(path) or path.startswith("/"):
        return None
    clean = posixpath.normpath(path)
    if clean == ".." or clean.startswith("../"):
        return None
    return clean


def _side(name: str, prefix: str) -> str | None:
    """The workspace path one side of a file diff names (None for /dev/null)."""
    name = name.removesuffix("\r")  # a CRLF patch's header line
    if name == NO_FILE:
        return None
    return name[len(prefix) :] if name.startswith(prefix) else name


def patch_parse(content: str) -> ParsedPatch:
    """``content`` parsed as a unified diff; ``PatchInvalid`` when it is none or names unsafe paths."""
    try:
        patch = PatchSet(content)
    except UnidiffParseError as exc:
        raise PatchInvalid(f"Patch is not a valid unified diff: {printable(str(exc))}") from None
    if len(patch) == 0:
        raise PatchInvalid("Patch is not a valid unified diff: no file headers (--- / +++) found")
    paths: list[str] = []
    unsafe: list[str] = []
    for file in patch:
        for name in (_side(file.source_file, "a/"), _side(file.target_file, "b/")):
            if name is None:
                continue
            clean = path_normalise(name)
            if clean is None:
                unsafe.append(name)
            elif clean not in paths:
                paths.append(clean)
    if unsafe:
        shown = ", ".join(printable(p) for p in unsafe[:PATH_NAMES_SHOWN])
        raise PatchInvalid(f"Patch names paths outside the workspace: {shown}", type="patch_unsafe_path")
    return ParsedPatch(
        paths=tuple(paths),
        lines_added=sum(file.added for file in patch),
        lines_removed=sum(file.removed for file in patch),
    )


def _allows(allowed: str, path: str) -> bool:
    return allowed == "." or path == allowed or path.startswith(allowed + "/")


def paths_outside(paths: Iterable[str], allowed_paths: Sequence[str]) -> list[str]:
    """The ``paths`` no entry of ``allowed_paths`` covers (none when the list is empty). An entry
    that could itself leave the workspace covers nothing."""
    if not allowed_paths:
        return []
    allowed = [clean for clean in map(path_normalise, allowed_paths) if clean is not None]
    return [path for path in paths if not any(_allows(entry, path) for entry in allowed)]


def patch_check(content: str, *, allowed_paths: Sequence[str]) -> ParsedPatch:
    """``patch_parse`` and then ``allowed_paths``: ``PatchInvalid`` / ``PatchOutsideAllowedPaths``."""
    parsed = patch_parse(content)
    outside = paths_outside(parsed.paths, allowed_paths)
    if outside:
        raise PatchOutsideAllowedPaths(outside, list(allowed_paths))
    return parsed
