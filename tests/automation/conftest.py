import pytest


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def append_action(run_id="ops-log", title="Rule ran", order=1, **extra):
    return {"type": "append_event", "config": {"run_id": run_id, "title": title}, "order": order, **extra}


def rule_body(**fields):
    body = {
        "name": "Log deploys",
        "status": "active",
        "trigger_type": "manual",
        "trigger_config": {},
        "actions": [append_action()],
    }
    body.update(fields)
    return body


@pytest.fixture
def peer(settings):
    """A local HTTP peer on 127.0.0.1 that records every request (the egress guard lets it through)."""
    from tests.runs.engine.peer import Peer

    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]
    with Peer() as running:
        yield running
