"""Seeds the operator-api kill switches, following their environment defaults until an admin sets them."""

from django.db import migrations

SWITCHES = [
    ("phase6_metrics", "AUTOPACK_ENABLE_PHASE6_METRICS", "Enable Phase 6 telemetry collection"),
    (
        "consolidated_metrics",
        "AUTOPACK_ENABLE_CONSOLIDATED_METRICS",
        "Enable the consolidated metrics endpoint",
    ),
    (
        "auto_approve_build113",
        "AUTO_APPROVE_BUILD113",
        "Auto-approve risky decisions (refused in production)",
    ),
]


def seed(apps, schema_editor):
    KillSwitch = apps.get_model("governance", "KillSwitch")
    for key, env_var, description in SWITCHES:
        KillSwitch.objects.get_or_create(key=key, defaults={"env_var": env_var, "description": description})


def unseed(apps, schema_editor):
    apps.get_model("governance", "KillSwitch").objects.filter(key__in=[k for k, _, _ in SWITCHES]).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
