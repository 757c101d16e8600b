from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"

    def ready(self):
        from automation.triggers import rules_follow_journal, rules_reconcile
        from runs.journal.append import journal_subscribe

        journal_subscribe(rules_follow_journal, reconcile=rules_reconcile)
