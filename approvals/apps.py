from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"

    def ready(self):
        # Its journal subscriber is registered with the others (settings.OPSGATE_JOURNAL_SUBSCRIBERS).
        from approvals.launch_lookup import approval_facts, held_run_approval_id
        from runs.engine.approval_lookup import approval_lookup_register

        approval_lookup_register(find=approval_facts, hold_approval_id=held_run_approval_id)
