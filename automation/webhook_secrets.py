"""The secrets of ``webhook_call`` actions: encrypted at rest, masked in every read.

A webhook's ``authentication.credentials`` are stored as a Fernet token (``credentials_encrypted``,
the keys of ``governance.crypto``) beside the same keys with masked values, so the stored JSON is
already what a reader may see but for the token, which ``actions_public`` drops. Alternatively
``credential_name`` names a tenant ``Credential`` whose value is the secret (the bearer token, the
API key or the basic password).

Tokens are written in one place, ``actions_seal`` (called by the services that store a rule); one
arriving with the actions is dropped, never trusted. A client editing a rule sends back the mask it
read to keep a stored secret: it is kept for the action of the same ``order`` and type, and only
while its URL is unchanged, so a rule cannot be pointed elsewhere (another host, or another path of
a shared host) to receive the secret without knowing it. A webhook with credentials needs its URL's
origin written out: a template there would let the trigger data choose who receives them
(``runs.engine.origins``).
"""

from __future__ import annotations

import json
from typing import Any

from core.errors import ErrorDetail, Invalid
from governance.crypto import InvalidToken, decrypt, encrypt, reencrypt
from runs.engine.origins import origin_is_templated

WEBHOOK = "webhook_call"
MASK = "••••"
SEALED = "credentials_encrypted"
SECRET_SLOT = {"bearer": "token", "api_key": "key", "basic": "password"}  # filled by credential_name


class SecretsRefused(Invalid):
    default_message = "Validation failed"


class SecretsUnreadable(Exception):
    """The stored token opens with none of the configured keys (a key was retired too early)."""


def _auth(action: dict) -> dict | None:
    if action.get("type") != WEBHOOK or not isinstance(action.get("config"), dict):
        return None
    auth = action["config"].get("authentication")
    return auth if isinstance(auth, dict) else None


def _url(action: dict) -> str:
    url = action["config"].get("url")
    return url if isinstance(url, str) else ""


def carries_credentials(auth: dict) -> bool:
    """Whether a webhook's ``authentication`` sends a secret (its own, or a named credential's)."""
    return bool(auth.get("credentials") or auth.get("credential_name"))


def _kept(action: dict, before: dict) -> dict:
    """The stored ``authentication`` a masked value may draw on: the same order's webhook, while
    its URL is the very same ({} otherwise)."""
    earlier = before.get(action.get("order"))
    if earlier is None or _url(earlier) != _url(action):
        return {}
    return _auth(earlier) or {}


def _webhooks_by_order(actions) -> dict:
    return {a.get("order"): a for a in actions if isinstance(a, dict) and _auth(a) is not None}


def _opened(auth: dict) -> dict[str, str]:
    """The clear credentials of a stored ``authentication`` (sealed, or clear from before sealing)."""
    if SEALED in auth:
        try:
            values = json.loads(decrypt(auth[SEALED]))
        except (InvalidToken, ValueError):
            raise SecretsUnreadable() from None
        return values if isinstance(values, dict) else {}
    credentials = auth.get("credentials") or {}
    return {k: v for k, v in credentials.items() if isinstance(v, str) and v != MASK}


def _stored(auth: dict) -> dict[str, str]:
    try:
        return _opened(auth)
    except SecretsUnreadable:
        return {}


def _masked(index: int, key: str) -> ErrorDetail:
    return ErrorDetail(
        f"actions.{index}.config.authentication.credentials.{key}",
        "is masked: send the secret itself (a masked value keeps the stored secret only for the same "
        "action and the same URL)",
        "secret_masked",
        "secret_masked",
    )


def actions_problems(actions: list[dict], previous: list[dict] = ()) -> list[ErrorDetail]:
    """What keeps ``actions`` from being stored, found without opening a secret: credentials for a
    URL whose origin a template chooses, and masks that keep nothing (``previous``: the stored
    actions of the rule being edited)."""
    before = _webhooks_by_order(previous)
    problems = []
    for index, action in enumerate(actions):
        auth = _auth(action)
        if auth is None:
            continue
        if carries_credentials(auth) and origin_is_templated(_url(action)):
            problems.append(
                ErrorDetail(
                    f"actions.{index}.config.url",
                    "chooses its scheme, host or port with a template, and the webhook sends credentials: "
                    "write the origin out (https://hooks.example.com/...)",
                    "templated_origin",
                    "templated_origin",
                )
            )
        kept = _kept(action, before).get("credentials") or {}
        problems += [
            _masked(index, key)
            for key, value in (auth.get("credentials") or {}).items()
            if value == MASK and key not in kept
        ]
    return problems


def actions_seal(actions: list[dict], previous: list[dict] = ()) -> list[dict]:
    """``actions`` as they are stored: each webhook's credentials encrypted beside their masks, a
    mask taking its value from ``previous`` (the stored actions). Raises ``SecretsRefused`` with
    every problem (``actions_problems``, and a mask whose stored token no key opens)."""
    problems = actions_problems(actions, previous)
    before = _webhooks_by_order(previous)
    sealed = []
    for index, action in enumerate(actions):
        auth = _auth(action)
        if auth is None:
            sealed.append(action)
            continue
        given = {k: v for k, v in auth.items() if k != SEALED}  # a token is ours to write, never a caller's
        if given.get("credentials"):
            source = _kept(action, before)
            stored = _stored(source)
            clear: dict[str, str] = {}
            for key, value in given["credentials"].items():
                if value != MASK:
                    clear[key] = value
                elif key in stored:
                    clear[key] = stored[key]
                elif _masked(index, key) not in problems:
                    problems.append(_masked(index, key))
            token = source.get(SEALED) if SEALED in source and clear == stored else None
            given["credentials"] = dict.fromkeys(clear, MASK)
            given[SEALED] = token or encrypt(json.dumps(clear, sort_keys=True))
        sealed.append({**action, "config": {**action["config"], "authentication": given}})
    if problems:
        raise SecretsRefused(details=problems)
    return sealed


def actions_public(actions: Any) -> Any:
    """What any reader sees: the stored actions without the token, and no clear value even in a
    rule stored before sealing."""
    if not isinstance(actions, list):
        return actions
    public = []
    for action in actions:
        auth = _auth(action) if isinstance(action, dict) else None
        if auth is None:
            public.append(action)
            continue
        shown = {k: v for k, v in auth.items() if k != SEALED}
        if isinstance(auth.get("credentials"), dict):
            shown["credentials"] = dict.fromkeys(auth["credentials"], MASK)
        public.append({**action, "config": {**action["config"], "authentication": shown}})
    return public


def webhook_credentials(auth: dict, *, tenant) -> dict[str, str]:
    """The clear credentials to send: the sealed ones, and a named ``Credential``'s value in its
    slot. Raises ``governance.errors.CredentialNotFound`` or ``SecretsUnreadable``."""
    from governance.selectors import credential_value

    values = _opened(auth)
    name = auth.get("credential_name")
    if name:
        try:
            values[SECRET_SLOT.get(auth.get("type"), "token")] = credential_value(tenant=tenant, name=name)
        except InvalidToken:
            raise SecretsUnreadable() from None
    return values


def _rule_reencrypt(rule) -> int:
    sealed = [auth for action in rule.actions if (auth := _auth(action)) and SEALED in auth]
    for auth in sealed:
        auth[SEALED] = reencrypt(auth[SEALED])
    return len(sealed)


def webhook_secrets_rotate(*, batch: int = 200) -> int:
    """Re-encrypts every sealed webhook secret under the newest key (``rotate_credentials`` calls
    it, so retiring an old key cannot strand a rule); returns how many tokens. Raises
    ``InvalidToken`` when a token opens with no configured key."""
    from automation.models import AutomationRule
    from core.tenant_scope import across_tenants
    from governance.services import rows_reencrypt

    rules = across_tenants(AutomationRule, reason="key rotation: every tenant's webhook secrets")
    return rows_reencrypt(rules.only("pk", "actions"), _rule_reencrypt, fields=["actions"], batch=batch)
