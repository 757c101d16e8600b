"""RS256 access tokens and the JWKS that verifies them.

The signing key comes from ``OPSGATE_JWT_PRIVATE_KEY`` (PEM) or is generated once into
``OPSGATE_JWT_KEY_FILE`` (created exclusively, mode 0600, so concurrent workers agree on one key).
``kid`` is the RFC 7638 thumbprint of the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

ALGORITHM = "RS256"


def _load_or_create(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return pem


@lru_cache(maxsize=4)
def _signing_key(configured_pem: str, key_file: str) -> rsa.RSAPrivateKey:
    pem = configured_pem.encode() if configured_pem else _load_or_create(Path(key_file))
    return serialization.load_pem_private_key(pem, password=None)


def signing_key() -> rsa.RSAPrivateKey:
    return _signing_key(settings.OPSGATE_JWT_PRIVATE_KEY, str(settings.OPSGATE_JWT_KEY_FILE))


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk() -> dict[str, str]:
    numbers = signing_key().public_key().public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**jwk, "alg": ALGORITHM, "use": "sig", "kid": kid}


def jwks() -> dict[str, list[dict[str, str]]]:
    return {"keys": [public_jwk()]}


def issue_access_token(user) -> tuple[str, int]:
    """A signed token for ``user`` and its lifetime in seconds."""
    now = datetime.now(UTC)
    lifetime = timedelta(minutes=settings.OPSGATE_JWT_TTL_MINUTES)
    claims = {
        "sub": str(user.pk),
        "user_id": user.pk,
        "username": user.get_username(),
        "iss": settings.OPSGATE_JWT_ISSUER,
        "aud": settings.OPSGATE_JWT_AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    token = jwt.encode(claims, signing_key(), algorithm=ALGORITHM, headers={"kid": public_jwk()["kid"]})
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str) -> dict:
    """The verified claims; raises ``jwt.InvalidTokenError`` on any defect."""
    return jwt.decode(
        token,
        signing_key().public_key(),
        algorithms=[ALGORITHM],
        audience=settings.OPSGATE_JWT_AUDIENCE,
        issuer=settings.OPSGATE_JWT_ISSUER,
        options={"require": ["exp", "iat", "sub"]},
    )
