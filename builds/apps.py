from django.apps import AppConfig


class BuildsConfig(AppConfig):
    """The operator-api's build runs; sits between ``runs`` and ``approvals`` on the import ladder."""

    name = "builds"
