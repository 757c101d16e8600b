import pytest

from tests.runs.engine.peer import Peer


@pytest.fixture
def peer(settings):
    """A local HTTP peer the egress guard lets workflows reach (only in these tests)."""
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]
    with Peer() as running:
        yield running


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks
