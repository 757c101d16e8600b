from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"

    def ready(self):
        from approvals.subscriber import approvals_follow_journal, approvals_reconcile
        from runs.journal.append import journal_subscribe

        journal_subscribe(approvals_follow_journal, reconcile=approvals_reconcile)
