"""``manage.py demo``: loads the demo tenant, users, API key and examples (idempotent: a reload
changes nothing and says so)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ops.demo import DemoWorkflow, demo_load


class Command(BaseCommand):
    help = "Load the demo tenant, users (admin, operator, viewer), an API key and example data."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stderr.write(
                "Warning: DEBUG is off. The demo users and API key have published credentials; "
                "never load the demo into a database reachable by others."
            )
        logins = demo_load()
        if logins.changed_anything:
            self.stdout.write(f"Demo tenant: {logins.tenant}")
        else:
            self.stdout.write(f"Demo tenant: {logins.tenant} (already loaded: nothing changed)")
        for username, password in logins.users.items():
            self.stdout.write(f"  login {username} / {password}")
        self.stdout.write(f"  API key (X-API-Key): {logins.api_key}")
        for workflow in logins.workflows:
            self.stdout.write(f"  workflow: {workflow.name} ({workflow_status(workflow)})")
        if logins.created:
            self.stdout.write(f"  added: {', '.join(logins.created)}")


def workflow_status(workflow: DemoWorkflow) -> str:
    """What this load did for one demo workflow, in words."""
    if workflow.run_started:
        done = "created, " if workflow.created else ""
        return f"{done}run {workflow.run_id} started"
    return f"run {workflow.run_id} was started by an earlier load; none started now"
