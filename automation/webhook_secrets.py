"""The secrets of ``webhook_call`` actions: encrypted at rest, masked in every read.

A webhook's ``authentication.credentials`` are stored as a Fernet token (``credentials_encrypted``,
the keys of ``governance.crypto``) beside the same keys with masked values, so the stored JSON is
already what a reader may see but for the token, which ``actions_public`` drops. Alternatively
``credential_name`` names a tenant ``Credential`` whose value is the secret (the bearer token, the
API key or the basic password).

A client editing a rule sends back the mask it read to keep a stored secret: it is kept for the
action of the same ``order`` and type, and only while the URL keeps its origin, so a rule cannot
be pointed elsewhere to receive the secret without knowing it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from core.errors import ErrorDetail, Invalid
from governance.crypto import InvalidToken, decrypt, encrypt

WEBHOOK = "webhook_call"
MASK = "••••"
SEALED = "credentials_encrypted"
SECRET_SLOT = {"bearer": "token", "api_key": "key", "basic": "password"}  # filled by credential_name


class SecretsMasked(Invalid):
    default_message = "Validation failed"


class SecretsUnreadable(Exception):
    """The stored token opens with none of the configured keys (a key was retired too early)."""


def _auth(action: dict) -> dict | None:
    if action.get("type") != WEBHOOK or not isinstance(action.get("config"), dict):
        return None
    auth = action["config"].get("authentication")
    return auth if isinstance(auth, dict) else None


def _origin(action: dict) -> tuple[str, str, int | None] | None:
    try:
        url = urlsplit(str(action["config"].get("url") or ""))
        return url.scheme.lower(), (url.hostname or "").lower(), url.port
    except ValueError:
        return None


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


def actions_seal(actions: list[dict], previous: list[dict] = ()) -> tuple[list[dict], list[ErrorDetail]]:
    """``actions`` with every webhook's credentials encrypted, masks resolved against ``previous``
    (the stored actions); problems name each mask that keeps nothing. Sealed actions pass unchanged."""
    before = {a.get("order"): a for a in previous if _auth(a) is not None}
    sealed, problems = [], []
    for index, action in enumerate(actions):
        auth = _auth(action)
        if auth is None or not auth.get("credentials"):
            sealed.append(action)
            continue
        if SEALED in auth:  # sealed already (a service re-checking what validation sealed)
            source = auth
        else:  # what the same action stored, while its URL keeps its origin
            earlier = before.get(action.get("order"))
            same_origin = earlier is not None and _origin(earlier) == _origin(action) is not None
            source = _auth(earlier) if same_origin else {}
        stored = _stored(source)
        clear: dict[str, str] = {}
        for key, value in auth["credentials"].items():
            if value != MASK:
                clear[key] = value
            elif key in stored:
                clear[key] = stored[key]
            else:
                problems.append(
                    ErrorDetail(
                        f"actions.{index}.config.authentication.credentials.{key}",
                        "is masked: send the secret itself (a masked value keeps the stored secret "
                        "only for the same action and the same URL origin)",
                        "secret_masked",
                        "secret_masked",
                    )
                )
        token = source.get(SEALED) if clear == stored else None
        shown = {**auth, "credentials": dict.fromkeys(clear, MASK)}
        shown[SEALED] = token or encrypt(json.dumps(clear, sort_keys=True))
        sealed.append({**action, "config": {**action["config"], "authentication": shown}})
    return sealed, problems


def actions_seal_or_raise(actions: list[dict], previous: list[dict] = ()) -> list[dict]:
    sealed, problems = actions_seal(actions, previous)
    if problems:
        raise SecretsMasked(details=problems)
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
    slot. Raises ``LookupError`` (the credential is missing) or ``SecretsUnreadable``."""
    from governance.models import Credential

    values = _opened(auth)
    name = auth.get("credential_name")
    if name:
        token = Credential.objects.filter(tenant=tenant, name=name).values_list("value_encrypted", flat=True)
        found = token.first()
        if found is None:
            raise LookupError(name)
        try:
            values[SECRET_SLOT.get(auth.get("type"), "token")] = decrypt(found)
        except InvalidToken:
            raise SecretsUnreadable() from None
    return values


def webhook_secrets_rotate(*, batch: int = 200) -> int:
    """Re-encrypts every sealed webhook secret under the newest key (``rotate_credentials`` calls
    it, so retiring an old key cannot strand a rule); returns how many tokens. Raises
    ``InvalidToken`` when a token opens with no configured key."""
    from django.db import transaction

    from automation.models import AutomationRule
    from governance.crypto import reencrypt

    done, last_pk = 0, None
    while True:
        with transaction.atomic():
            rules = AutomationRule.objects.select_for_update().order_by("pk").only("pk", "actions")
            if last_pk is not None:
                rules = rules.filter(pk__gt=last_pk)
            rows = list(rules[:batch])
            for rule in rows:
                sealed = [auth for action in rule.actions if (auth := _auth(action)) and SEALED in auth]
                for auth in sealed:
                    auth[SEALED] = reencrypt(auth[SEALED])
                if sealed:
                    AutomationRule.objects.filter(pk=rule.pk).update(actions=rule.actions)
                    done += len(sealed)
        if not rows:
            return done
        last_pk = rows[-1].pk
