"""Parallel requests never push an API key past its quota (real threads, one connection each)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.db.models import F
from rest_framework.test import APIClient

from tenancy.models import ApiKey
from tests.factories import TenantFactory, api_key_for, member

RACERS = 8
LIMIT = 3

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL"
)


def race(fn, *, start_together=True):
    """``fn`` in RACERS threads at once; each thread has its own database connection."""
    barrier = threading.Barrier(RACERS)

    def one(_):
        try:
            if start_together:
                barrier.wait()
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(one, range(RACERS)))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_never_exceed_the_quota():
    tenant = TenantFactory()
    raw, key = api_key_for(member(tenant=tenant, role="admin"), tenant, usage_limit=LIMIT)
    statuses = race(lambda: APIClient().get("/api/auth/me", HTTP_X_API_KEY=raw).status_code)
    assert sorted(statuses) == [200] * LIMIT + [401] * (RACERS - LIMIT)
    key.refresh_from_db()
    assert key.usage_count == LIMIT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_negative_control_a_read_then_write_check_over_admits():
    """The naive check this design avoids, raced the same way: proves the race above can fail."""
    tenant = TenantFactory()
    _, key = api_key_for(member(tenant=tenant, role="admin"), tenant, usage_limit=LIMIT)
    start = threading.Barrier(RACERS)

    def naive():
        row = ApiKey.objects.get(pk=key.pk)
        start.wait()  # everyone has read the same count before anyone writes
        if row.usage_count < row.usage_limit:
            ApiKey.objects.filter(pk=key.pk).update(usage_count=F("usage_count") + 1)
            return True
        return False

    admitted = [ok for ok in race(naive, start_together=False) if ok]
    assert len(admitted) > LIMIT
