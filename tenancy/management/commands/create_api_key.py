"""``create_api_key --tenant SLUG --user USERNAME --role ROLE [--create]``: prints the raw key last.

The key is limited to ROLE's scopes. Without ``--create`` the tenant and user must exist and the
user must already belong to the tenant; with it, missing ones are made and the user joins the
tenant's ``default`` team with ROLE. An existing membership is never changed.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from tenancy.models import Membership, Role, Tenant
from tenancy.services import api_key_create, membership_ensure, tenant_ensure


class Command(BaseCommand):
    help = "Create an API key and print it (shown once) on the last line of standard output."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--user", required=True, help="username of the key's owner")
        parser.add_argument("--role", required=True, help="role whose scopes the key gets")
        parser.add_argument(
            "--create",
            action="store_true",
            help="create the tenant, user and membership if missing",
        )
        parser.add_argument("--name", default="", help="a label for the key")
        parser.add_argument("--expires-days", type=int, default=None, help="expire after N days")
        parser.add_argument("--usage-limit", type=int, default=None, help="refuse after N requests")

    @transaction.atomic
    def handle(self, *args, **options):
        role = Role.objects.filter(name=options["role"]).first()
        if role is None:
            names = ", ".join(Role.objects.values_list("name", flat=True))
            raise CommandError(f"Unknown role {options['role']!r} (known: {names})")
        User = get_user_model()
        if options["create"]:
            tenant = tenant_ensure(slug=options["tenant"])
            user, created = User.objects.get_or_create(username=options["user"])
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            if not Membership.objects.filter(user=user, team__tenant=tenant).exists():
                membership_ensure(tenant=tenant, user=user, role=role)
        else:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No tenant {options['tenant']!r} (use --create to make it)")
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r} (use --create to make it)")
            if not Membership.objects.filter(user=user, team__tenant=tenant).exists():
                raise CommandError(f"{user} is not a member of {tenant} (use --create to add them)")
        held = set().union(
            *(
                m.role.scopes
                for m in Membership.objects.filter(user=user, team__tenant=tenant).select_related("role")
            )
        )
        beyond = sorted(set(role.scopes) - held)
        if beyond:
            self.stderr.write(
                f"Warning: {user.username}'s memberships in {tenant.slug} do not grant {', '.join(beyond)}; "
                "the key cannot use them (memberships are left as they are)."
            )
        expires_at = None
        if options["expires_days"] is not None:
            expires_at = timezone.now() + timedelta(days=options["expires_days"])
        try:
            key, raw = api_key_create(
                tenant=tenant,
                user=user,
                name=options["name"] or f"{options['role']} key for {user.username}",
                scopes=role.scopes,
                expires_at=expires_at,
                usage_limit=options["usage_limit"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"Created API key {key.prefix} for {user.username} in {tenant.slug} ({role.name}).")
        self.stdout.write(raw)
