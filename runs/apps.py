from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"

    def ready(self):
        from runs.journal.subscribers import journal_subscribers_load

        journal_subscribers_load()  # every app's hooks, in the order settings give
