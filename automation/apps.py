from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"

    def secrets_rotate(self) -> int:
        """Called by ``rotate_credentials``: the webhook secrets rules keep encrypted."""
        from automation.webhook_secrets import webhook_secrets_rotate

        return webhook_secrets_rotate()

    def ready(self):
        from automation.triggers import rules_follow_journal, rules_reconcile
        from runs.journal.append import journal_subscribe

        journal_subscribe(rules_follow_journal, reconcile=rules_reconcile, isolated=True)
