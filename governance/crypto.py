"""Encryption at rest for secrets: Fernet tokens under a MultiFernet (docs/architecture.md).

Keys come from ``OPSGATE_ENCRYPTION_KEYS`` (comma-separated Fernet keys, newest first: it encrypts,
all of them decrypt). Without it, one key is generated once into ``OPSGATE_ENCRYPTION_KEY_FILE``
(mode 0600) so a single-host install works out of the box; production sets the variable.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "reencrypt"]


def _generated_key(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    key = Fernet.generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


@lru_cache(maxsize=4)
def _multifernet(configured: tuple[str, ...], key_file: str) -> MultiFernet:
    keys = [k.encode() for k in configured] or [_generated_key(Path(key_file))]
    return MultiFernet([Fernet(k) for k in keys])


def _keys() -> MultiFernet:
    return _multifernet(tuple(settings.OPSGATE_ENCRYPTION_KEYS), str(settings.OPSGATE_ENCRYPTION_KEY_FILE))


def encrypt(value: str) -> str:
    return _keys().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The secret; raises ``InvalidToken`` when no configured key opens it."""
    return _keys().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """The same secret under the newest key (``MultiFernet.rotate``)."""
    return _keys().rotate(token.encode()).decode()
