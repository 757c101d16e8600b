"""``manage.py demo``: loads the demo tenant, users, API key and examples (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from automation.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo tenant, users (admin, operator, viewer), an API key and example data."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stderr.write(
                "Warning: DEBUG is off. The demo users and API key have published credentials; "
                "never load the demo into a database reachable by others."
            )
        logins = demo_load()
        self.stdout.write(f"Demo tenant: {logins.tenant}")
        for username, password in logins.users.items():
            self.stdout.write(f"  login {username} / {password}")
        self.stdout.write(f"  API key (X-API-Key): {logins.api_key}")
        for name in logins.workflows:
            self.stdout.write(f"  workflow: {name} (one run started)")
