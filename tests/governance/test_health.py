"""operator-api section 2: GET /health."""

from types import SimpleNamespace

import pytest
from django.db import OperationalError, connection
from django_q.conf import Conf
from rest_framework.test import APIClient

from governance import health
from governance.models import KillSwitch

FIELDS = {
    "status",
    "timestamp",
    "database_identity",
    "database",
    "qdrant",
    "kill_switches",
    "version",
    "service",
    "component",
    "worker",
}


@pytest.mark.django_db
def test_health_answers_every_field(keyed_client):
    response = keyed_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body["database"] == "connected"
    assert body["qdrant"] == "disabled"
    assert body["kill_switches"] == {
        "phase6_metrics": False,
        "consolidated_metrics": False,
        "auto_approve_build113": False,
    }
    assert len(body["database_identity"]) == 12
    assert body["version"] == "0.1.0"
    # No worker runs in the test process: the portal works but nothing executes.
    assert body["worker"]["state"] == "stopped"
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_health_is_healthy_when_a_worker_cluster_is_alive(keyed_client, monkeypatch):
    monkeypatch.setattr("governance.health.Stat.get_all", lambda broker: [SimpleNamespace(status=Conf.IDLE)])
    body = keyed_client.get("/health").json()
    assert (body["status"], body["worker"]["state"], body["worker"]["clusters"]) == ("healthy", "running", 1)


@pytest.mark.django_db
def test_health_requires_credentials_by_default(client_api):
    assert client_api.get("/health").status_code == 401


@pytest.mark.django_db
def test_health_is_public_with_public_read(client_api, settings, tenant):
    settings.OPSGATE_PUBLIC_READ = True
    settings.OPSGATE_DEFAULT_TENANT = tenant.slug
    assert client_api.get("/health").status_code == 200


@pytest.mark.django_db
def test_kill_switch_rows_override_environment_defaults(keyed_client, settings):
    settings.OPSGATE_KILL_SWITCH_DEFAULTS = {**settings.OPSGATE_KILL_SWITCH_DEFAULTS, "phase6_metrics": True}
    assert keyed_client.get("/health").json()["kill_switches"]["phase6_metrics"] is True
    KillSwitch.objects.filter(key="phase6_metrics").update(enabled=False)
    KillSwitch.objects.filter(key="consolidated_metrics").update(enabled=True)
    switches = keyed_client.get("/health").json()["kill_switches"]
    assert (switches["phase6_metrics"], switches["consolidated_metrics"]) == (False, True)


def test_database_identity_hides_credentials(settings):
    settings.DATABASE_URL = "postgres://alice:s3cret@db.example:5432/ops"
    masked = health.database_identity()
    settings.DATABASE_URL = "postgres://bob:other@db.example:5432/ops"
    assert health.database_identity() == masked  # same database, different credentials
    settings.DATABASE_URL = "postgres://alice:s3cret@db.example:5432/other"
    assert health.database_identity() != masked


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_health_is_503_when_the_database_is_unreachable(monkeypatch):
    if connection.vendor == "postgresql":
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    else:
        # Closing the in-memory test database would destroy it: fail its cursor instead.
        def unreachable(*args, **kwargs):
            raise OperationalError("unable to open database file")

        monkeypatch.setattr(connection, "cursor", unreachable)
    try:
        response = APIClient().get("/health")
    finally:
        monkeypatch.undo()
        connection.close()
    assert response.status_code == 503
    body = response.json()
    assert set(body) == FIELDS
    assert (body["status"], body["database"]) == ("unhealthy", "error: database unreachable")
    assert body["worker"]["state"] == "unknown"
