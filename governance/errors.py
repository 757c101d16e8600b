"""Governance's errors (credentials)."""

from core.errors import Conflict, NotFound


class CredentialNotFound(NotFound):
    default_message = "Credential not found"


class CredentialExists(Conflict):
    default_message = "A credential with this name already exists"
