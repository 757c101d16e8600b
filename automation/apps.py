from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"

    def secrets_rotate(self) -> int:
        """Called by ``rotate_credentials``: the webhook secrets rules keep encrypted."""
        from automation.webhook_secrets import webhook_secrets_rotate

        return webhook_secrets_rotate()

    # Its journal subscriber (the rules, isolated) is registered with the others, in the order
    # settings.OPSGATE_JOURNAL_SUBSCRIBERS gives.
