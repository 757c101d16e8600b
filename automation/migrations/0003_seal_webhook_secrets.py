"""Encrypts the ``webhook_call`` credentials rules stored in clear before they were sealed.

The stored form is the one ``automation.webhook_secrets`` writes: the credentials' keys with masked
values, and ``credentials_encrypted``, a Fernet token of the clear values (``governance.crypto``).
Reversing decrypts them back into place, so a rolled-back deployment keeps its webhooks working.
"""

import json

from django.db import migrations

MASK = "••••"
SEALED = "credentials_encrypted"


def _webhook_auths(actions):
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, dict) or action.get("type") != "webhook_call":
            continue
        auth = (action.get("config") or {}).get("authentication")
        if isinstance(auth, dict) and isinstance(auth.get("credentials"), dict) and auth["credentials"]:
            yield auth


def seal(apps, schema_editor):
    from governance.crypto import encrypt

    AutomationRule = apps.get_model("automation", "AutomationRule")
    for rule in AutomationRule.objects.only("pk", "actions").iterator():
        changed = False
        for auth in _webhook_auths(rule.actions):
            if SEALED in auth:
                continue
            clear = {key: str(value) for key, value in auth["credentials"].items()}
            auth[SEALED] = encrypt(json.dumps(clear, sort_keys=True))
            auth["credentials"] = dict.fromkeys(clear, MASK)
            changed = True
        if changed:
            AutomationRule.objects.filter(pk=rule.pk).update(actions=rule.actions)


def unseal(apps, schema_editor):
    from governance.crypto import decrypt

    AutomationRule = apps.get_model("automation", "AutomationRule")
    for rule in AutomationRule.objects.only("pk", "actions").iterator():
        changed = False
        for auth in _webhook_auths(rule.actions):
            if SEALED in auth:
                auth["credentials"] = json.loads(decrypt(auth.pop(SEALED)))
                changed = True
        if changed:
            AutomationRule.objects.filter(pk=rule.pk).update(actions=rule.actions)


class Migration(migrations.Migration):
    dependencies = [("automation", "0002_rule_last_error")]

    operations = [migrations.RunPython(seal, unseal, elidable=False)]
