"""The credentials a run's graph refers to, decrypted only for the worker that executes it; their
values are what ``mask_secrets`` hides in every output, log line and journal event."""

from __future__ import annotations

import json
import re

from governance.crypto import decrypt
from governance.models import Credential

_REFERENCES = (
    re.compile(r"credentials\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)"),
    re.compile(r"credentials\s*\[\s*\\?['\"]([^'\"\\]+)\\?['\"]\s*\]"),
)


def credential_names(graph: dict) -> set[str]:
    """Every credential name the graph mentions: in templates and in http ``auth``."""
    text = json.dumps(graph)
    names = {match for pattern in _REFERENCES for match in pattern.findall(text)}
    for node in graph.get("nodes", []):
        auth = ((node.get("data") or {}).get("config") or {}).get("auth") or {}
        if isinstance(auth, dict) and isinstance(auth.get("credentialName"), str):
            names.add(auth["credentialName"])
    return names


def run_credentials(*, tenant_id: int, graph: dict) -> dict[str, str]:
    names = credential_names(graph)
    if not names:
        return {}
    rows = Credential.objects.filter(tenant_id=tenant_id, name__in=names).values_list(
        "name", "value_encrypted"
    )
    return {name: decrypt(token) for name, token in rows}
