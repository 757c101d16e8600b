"""The ops app: the portal's operations-level pieces above every domain app, the demo data
(``manage.py demo`` and the demo workflows' ``/demo/echo``) and the portal's health page."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
