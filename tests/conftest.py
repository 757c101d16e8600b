import pytest
from rest_framework.test import APIClient

from tests.factories import TenantFactory, api_key_for, member


@pytest.fixture
def client_api():
    return APIClient()


@pytest.fixture
def tenant(db):
    return TenantFactory()


@pytest.fixture
def admin_key(tenant):
    """(raw key, ApiKey) of an admin in ``tenant``."""
    return api_key_for(member(tenant=tenant, role="admin"), tenant)


@pytest.fixture
def keyed_client(client_api, admin_key):
    client_api.credentials(HTTP_X_API_KEY=admin_key[0])
    return client_api


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and worker stats live in the cache: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
