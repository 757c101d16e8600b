"""factory-boy factories; the tenant flows from a team to its memberships and keys."""

import factory
from django.contrib.auth import get_user_model

from tenancy.models import Membership, Role, Team, Tenant
from tenancy.services import api_key_create


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    tenant = factory.SubFactory(TenantFactory)
    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = factory.LazyFunction(lambda: Role.objects.get(name="viewer"))


def member(*, tenant=None, role="viewer", user=None, team=None):
    """A user in ``tenant`` (new if None) with the built-in ``role``."""
    team = team or TeamFactory(tenant=tenant or TenantFactory())
    return MembershipFactory(user=user or UserFactory(), team=team, role=Role.objects.get(name=role)).user


def api_key_for(user, tenant, **kwargs):
    """A raw key for ``user`` in ``tenant`` (the ApiKey row is returned too)."""
    key, raw = api_key_create(tenant=tenant, user=user, name=kwargs.pop("name", "test key"), **kwargs)
    return raw, key


def api_client(*, tenant=None, role="admin"):
    """An APIClient holding a fresh key of a new ``role`` member of ``tenant`` (a new tenant if None)."""
    from rest_framework.test import APIClient

    tenant = tenant or TenantFactory()
    raw, _ = api_key_for(member(tenant=tenant, role=role), tenant)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client
