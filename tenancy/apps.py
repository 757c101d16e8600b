from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = "Tenancy and access"

    def ready(self):
        from tenancy import schema  # noqa: F401 - registers the OpenAPI auth extensions
