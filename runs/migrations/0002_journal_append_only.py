"""The journal table refuses UPDATE and DELETE, in the database itself (PostgreSQL and SQLite)."""

from django.db import migrations


def install(apps, schema_editor):
    from runs.journal import triggers

    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from runs.journal import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("runs", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
