"""The journal is append-only in the database, and tampering behind the app's back is detected."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from runs.journal import triggers
from runs.models import RunEvent
from tests.runs.journal_helpers import event


@pytest.fixture
def journal(keyed_client):
    for i in range(3):
        keyed_client.post(
            "/v1/events", event("run_1", id=f"evt_{i}", at=f"2026-02-14T13:0{i}:00Z"), format="json"
        )
    return keyed_client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE runs_runevent SET type = 'summary'",
        "UPDATE runs_runevent SET payload = '{}' WHERE seq = 2",
        "DELETE FROM runs_runevent WHERE seq = 3",
    ],
)
def test_raw_sql_cannot_update_or_delete_journal_rows(journal, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert RunEvent.objects.count() == 3
    assert sorted(RunEvent.objects.values_list("type", flat=True)) == ["action"] * 3


@pytest.mark.django_db
def test_the_orm_cannot_update_journal_rows_either(journal):
    with pytest.raises(DatabaseError), transaction.atomic():
        RunEvent.objects.filter(seq=1).update(type="summary")


def tamper(sql: str, *params) -> None:
    with triggers.disabled(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_verify_passes_an_untouched_journal(journal):
    assert journal.get("/v1/runs/run_1/verify").json() == {
        "run_id": "run_1",
        "ok": True,
        "events": 3,
        "first_break": None,
        "projection_ok": True,
    }
    out = StringIO()
    call_command("verify_journal", stdout=out)
    assert "1 run(s) checked, 0 broken." in out.getvalue()


@pytest.mark.django_db
def test_verify_names_the_first_altered_event(journal):
    evt = RunEvent.objects.get(seq=2)
    altered = {**evt.payload, "details": "I never did that"}
    import json

    tamper("UPDATE runs_runevent SET payload = %s WHERE id = %s", json.dumps(altered), evt.pk)
    verdict = journal.get("/v1/runs/run_1/verify").json()
    assert verdict["ok"] is False
    assert verdict["first_break"] == {
        "seq": 2,
        "event_id": "evt_1",
        "reason": "hash does not match the event's content",
    }
    out = StringIO()
    with pytest.raises(CommandError, match="1 journal"):
        call_command("verify_journal", "--run", "run_1", stdout=out)
    assert "BROKEN" in out.getvalue() and "event #2 evt_1" in out.getvalue()


@pytest.mark.django_db
def test_verify_notices_a_deleted_event_and_a_doctored_column(journal):
    tamper("DELETE FROM runs_runevent WHERE seq = 2")
    assert journal.get("/v1/runs/run_1/verify").json()["first_break"]["seq"] == 3
    tamper("UPDATE runs_runevent SET type = 'summary' WHERE seq = 1")
    assert journal.get("/v1/runs/run_1/verify").json()["first_break"] == {
        "seq": 1,
        "event_id": "evt_0",
        "reason": "indexed columns disagree with the payload",
    }


@pytest.mark.django_db
def test_verify_notices_a_doctored_projection(journal):
    from runs.models import Run

    Run.objects.filter(run_id="run_1").update(status="completed")
    verdict = journal.get("/v1/runs/run_1/verify").json()
    assert (verdict["ok"], verdict["first_break"], verdict["projection_ok"]) == (False, None, False)


@pytest.mark.django_db
def test_verify_journal_refuses_an_unknown_run(journal):
    with pytest.raises(CommandError, match="No run matches"):
        call_command("verify_journal", "--tenant", "nope", stdout=StringIO())


@pytest.mark.django_db
def test_verify_notices_a_flipped_integrity_warning(journal):
    tamper("UPDATE runs_runevent SET integrity_warning = %s WHERE seq = 2", True)
    assert journal.get("/v1/runs/run_1/verify").json()["first_break"] == {
        "seq": 2,
        "event_id": "evt_1",
        "reason": "integrity_warning does not match the event's place in the run",
    }


@pytest.mark.django_db
def test_negative_zero_confidence_keeps_the_chain_verifiable(keyed_client):
    body = event("run_z", confidence=-0.0)
    assert keyed_client.post("/v1/events", body, format="json").status_code == 201
    assert keyed_client.get("/v1/runs/run_z/verify").json()["ok"] is True
