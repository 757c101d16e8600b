"""``rotate_credentials``: re-encrypt every credential under the newest ``OPSGATE_ENCRYPTION_KEYS`` key.

Put the new key first in ``OPSGATE_ENCRYPTION_KEYS``, keep the old ones after it, run this, then
drop the old keys. Apps that keep other secrets under the same keys rotate them here too: each
app config with a ``secrets_rotate()`` method (automation's webhook secrets).
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from governance.crypto import InvalidToken
from governance.services import credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored credential under the newest encryption key."

    def handle(self, *args, **options):
        try:
            count = credentials_rotate(progress=lambda done: self.stderr.write(f"  {done} re-encrypted..."))
            others = {
                config.label: config.secrets_rotate()
                for config in apps.get_app_configs()
                if callable(getattr(config, "secrets_rotate", None))
            }
        except InvalidToken as exc:
            raise CommandError(
                "A credential cannot be decrypted with any configured key: keep the old key in "
                "OPSGATE_ENCRYPTION_KEYS (after the new one) until rotation is done."
            ) from exc
        self.stdout.write(f"{count} credential(s) re-encrypted under the newest key.")
        for label, rotated in others.items():
            self.stdout.write(f"{rotated} {label} secret(s) re-encrypted under the newest key.")
