"""Seeds the built-in roles. The scope sets are frozen here; a later change to them adds a migration."""

from django.db import migrations

BUILTIN_ROLES = {
    "admin": {
        "description": "Admin: everything in the tenant, including policy and API keys",
        "scopes": [
            "approvals:read",
            "approvals:request",
            "approvals:resolve",
            "artifacts:read",
            "automation:execute",
            "automation:read",
            "automation:write",
            "credentials:read",
            "credentials:write",
            "files:upload",
            "governance:decide",
            "governance:read",
            "policy:write",
            "runs:cancel",
            "runs:read",
            "runs:report",
            "runs:start",
            "storage:approve",
            "storage:read",
            "templates:publish",
            "templates:read",
            "tenant:admin",
            "workflows:read",
            "workflows:write",
        ],
    },
    "editor": {
        "description": "Editor: changes workflows, rules and credentials",
        "scopes": [
            "approvals:read",
            "approvals:request",
            "approvals:resolve",
            "artifacts:read",
            "automation:execute",
            "automation:read",
            "automation:write",
            "credentials:read",
            "credentials:write",
            "files:upload",
            "governance:decide",
            "governance:read",
            "runs:cancel",
            "runs:read",
            "runs:start",
            "storage:approve",
            "storage:read",
            "templates:publish",
            "templates:read",
            "workflows:read",
            "workflows:write",
        ],
    },
    "executor": {
        "description": "Executor: a machine that starts runs and reports progress",
        "scopes": [
            "approvals:read",
            "approvals:request",
            "artifacts:read",
            "files:upload",
            "runs:read",
            "runs:report",
            "runs:start",
            "templates:read",
            "workflows:read",
        ],
    },
    "operator": {
        "description": "Operator: starts runs and decides approvals",
        "scopes": [
            "approvals:read",
            "approvals:request",
            "approvals:resolve",
            "artifacts:read",
            "automation:execute",
            "automation:read",
            "governance:decide",
            "governance:read",
            "runs:cancel",
            "runs:read",
            "runs:start",
            "storage:approve",
            "storage:read",
            "templates:read",
            "workflows:read",
        ],
    },
    "viewer": {
        "description": "Viewer: reads runs, approvals, rules and governance",
        "scopes": [
            "approvals:read",
            "artifacts:read",
            "automation:read",
            "governance:read",
            "runs:read",
            "storage:read",
            "templates:read",
            "workflows:read",
        ],
    },
}


def seed(apps, schema_editor):
    Role = apps.get_model("tenancy", "Role")
    for name, spec in BUILTIN_ROLES.items():
        Role.objects.update_or_create(
            name=name,
            defaults={
                "description": spec["description"],
                "scopes": spec["scopes"],
                "builtin": True,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("tenancy", "Role").objects.filter(name__in=BUILTIN_ROLES, builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
