"""Isolated journal subscribers (automation rules) cost one savepoint per append, not one per event:
a 500-event batch made 1,000 extra round trips. A failing one still loses only its own writes."""

import pytest

from runs.journal import append as journal
from runs.journal.append import journal_append
from runs.journal.event_schema import event_parse, event_payload
from runs.models import Run, RunEvent
from tests.runs.journal_helpers import event


def payloads(count, runs=1):
    return [event_payload(event_parse(event(f"run_{i % runs}", id=f"evt_{i}"))) for i in range(count)]


def savepoints(captured):
    return [q["sql"] for q in captured.captured_queries if q["sql"].upper().startswith("SAVEPOINT")]


@pytest.fixture
def seen(monkeypatch):
    """One isolated subscriber and nothing else: the append's own queries and its savepoints."""
    transitions = []
    monkeypatch.setattr(
        journal,
        "_subscribers",
        [(transitions.append, lambda run, timeline: None, True)],
    )
    return transitions


@pytest.mark.django_db
@pytest.mark.parametrize("runs", [1, 10])
def test_a_100_event_batch_opens_one_savepoint_for_an_isolated_subscriber(
    tenant, seen, django_assert_max_num_queries, runs
):
    with django_assert_max_num_queries(6 + 6 * runs) as captured:  # per run, not per event
        journal_append(tenant=tenant, payloads=payloads(100, runs))
    assert len(seen) == 100  # every transition, in order
    assert [t.event.event_id for t in seen] == sorted(
        (f"evt_{i}" for i in range(100)), key=lambda e: (int(e[4:]) % runs, int(e[4:]))
    )
    # The append's transaction, each new run's creation, and the subscriber's one savepoint.
    assert len(savepoints(captured)) == 1 + runs + 1


@pytest.mark.django_db
def test_the_savepoints_do_not_grow_with_the_events(tenant, seen, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as one:
        journal_append(tenant=tenant, payloads=[event_payload(event_parse(event("run_a")))])
    with django_assert_max_num_queries(13) as hundred:
        journal_append(tenant=tenant, payloads=payloads(100))
    assert len(savepoints(one)) == len(savepoints(hundred)) == 3


@pytest.mark.django_db
def test_a_subscriber_failing_midway_loses_its_writes_and_the_append_goes_on(tenant, monkeypatch):
    written = []

    def fails_on_the_third(transition):
        Run.objects.create(tenant=tenant, run_id=f"side_{transition.event.event_id}")  # its own write
        written.append(transition.event.event_id)
        if len(written) == 3:
            raise RuntimeError("subscriber bug")

    monkeypatch.setattr(journal, "_subscribers", [(fails_on_the_third, lambda *a: None, True)])
    journal_append(tenant=tenant, payloads=payloads(5))
    assert RunEvent.objects.filter(run__run_id="run_0").count() == 5
    assert written == ["evt_0", "evt_1", "evt_2"]  # the append's later events are not offered again
    assert not Run.objects.filter(run_id__startswith="side_").exists()
