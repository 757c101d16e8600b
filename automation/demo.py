"""Demo data for ``manage.py demo``. Lives in the top app so it may seed every app below it;
later issues add their examples here. Idempotent: a second run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from tenancy.keys import hash_key
from tenancy.models import ApiKey, Role
from tenancy.services import membership_ensure, tenant_ensure

DEMO_TENANT = "demo"
# A fixed, documented key so every `make run` prints the same one. Demo only: never in production.
DEMO_API_KEY = "ogk_demo000000_opsgate-demo-key-not-a-secret"
DEMO_USERS = {
    # username: (password, role, staff, superuser)
    "admin": ("opsgate-admin", "admin", True, True),
    "operator": ("opsgate-operator", "operator", False, False),
    "viewer": ("opsgate-viewer", "viewer", False, False),
}


@dataclass(frozen=True)
class DemoLogins:
    tenant: str
    users: dict[str, str]
    api_key: str


@transaction.atomic
def demo_load() -> DemoLogins:
    User = get_user_model()
    tenant = tenant_ensure(slug=DEMO_TENANT, name="Demo")
    for username, (password, role_name, staff, superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@demo.opsgate.local",
                "is_staff": staff,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        membership_ensure(tenant=tenant, user=user, role=Role.objects.get(name=role_name), team_slug="ops")
    ApiKey.objects.get_or_create(
        prefix=DEMO_API_KEY.split("_")[1],
        defaults={
            "tenant": tenant,
            "user": User.objects.get(username="admin"),
            "name": "demo admin key",
            "key_hash": hash_key(DEMO_API_KEY),
        },
    )
    return DemoLogins(
        tenant=tenant.slug,
        users={name: spec[0] for name, spec in DEMO_USERS.items()},
        api_key=DEMO_API_KEY,
    )
