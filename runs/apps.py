from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"

    def ready(self):
        from runs.engine.follow import engine_follow_journal, engine_reconcile
        from runs.engine.launch_gate import launch_follow_journal, launch_reconcile
        from runs.journal.append import journal_subscribe

        journal_subscribe(engine_follow_journal, reconcile=engine_reconcile)
        journal_subscribe(launch_follow_journal, reconcile=launch_reconcile)
