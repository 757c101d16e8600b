"""One table of status words: the journal's (``/v1/runs/{id}/status``), workflow-runs'
(``/v1/runs/{id}``) and the portal's (both where they differ), the same in every view."""

import re

import pytest
from django.test import Client

from runs.models import JournalStatus, RunState
from runs.read_model import ENGINE_STATUS, STATUS_WORDS, StatusWords
from tests.factories import api_key_for, member
from tests.runs.journal_helpers import approval_request, event

# journal status -> workflow-runs status -> portal word: the table docs/status-words.md shows.
ROWS = [
    ("running", "running", "running"),
    ("paused", "running", "running · journal: paused"),
    ("approved", "running", "running · journal: approved"),
    ("rejected", "failed", "failed · journal: rejected"),
    ("stopped", "failed", "failed · journal: stopped"),
    ("expired", "failed", "failed · journal: expired"),
    ("completed", "succeeded", "succeeded · journal: completed"),
]
RESOLVED_AT = "2026-02-14T13:01:00Z"


def resolution(run_id, target, decision):
    return event(
        run_id,
        at=RESOLVED_AT,
        type="approval_resolved",
        actor="human",
        title=f"Approval {decision}",
        details=f"Request {target} {decision}",
        approval={"status": decision, "resolved_by": "alice", "resolved_at": RESOLVED_AT},
    )


def marker(run_id, step):
    return event(run_id, at="2026-02-14T13:02:00Z", type="decision", meta={"workflow": "agent", "step": step})


def journal_for(status: str, run_id: str) -> list[dict]:
    """Events an agent posts that leave its run's journal in ``status``."""
    ask = approval_request(run_id, id=f"{run_id}_ask")
    return {
        "running": [event(run_id)],
        "paused": [ask],
        "approved": [ask, resolution(run_id, ask["id"], "approved")],
        "rejected": [ask, resolution(run_id, ask["id"], "rejected")],
        "stopped": [event(run_id), marker(run_id, "run_stopped")],
        "expired": [ask, marker(run_id, "approval_expired")],
        "completed": [event(run_id), event(run_id, at="2026-02-14T13:03:00Z", type="summary")],
    }[status]


@pytest.fixture
def admin(tenant):
    return member(tenant=tenant, role="admin")


@pytest.fixture
def api(client_api, admin, tenant):
    client_api.credentials(HTTP_X_API_KEY=api_key_for(admin, tenant)[0])
    return client_api


@pytest.fixture
def portal(admin):
    client = Client()
    client.force_login(admin)
    return client


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def portal_list_cell(portal, run_id: str) -> str:
    html = portal.get("/portal/runs").content.decode()
    row = next(r for r in re.split(r"<tr[ >]", html) if f"<code>{run_id}</code>" in r)
    return re.search(r'<td[^>]* class="status-[a-z]+">(.*?)</td>', row, re.S).group(1)


def portal_page_cell(portal, run_id: str) -> str:
    html = portal.get(f"/portal/runs/{run_id}").content.decode()
    return re.search(r"<dt>Status</dt><dd[^>]*>(.*?)</dd>", html, re.S).group(1)


def portal_list_word(portal, run_id: str) -> str:
    return _text(portal_list_cell(portal, run_id).split('<span class="pill">')[0])


def portal_page_word(portal, run_id: str) -> str:
    return _text(portal_page_cell(portal, run_id))


def test_the_table_has_one_row_per_journal_status_and_reads_as_documented():
    assert set(STATUS_WORDS) == set(JournalStatus.values)
    assert [(w.journal, w.workflow_runs, w.portal) for w in STATUS_WORDS.values()] == ROWS


@pytest.mark.parametrize(("journal", "workflow_runs", "portal"), ROWS, ids=[r[0] for r in ROWS])
def test_each_row_shows_both_words_only_where_they_differ(journal, workflow_runs, portal):
    words = STATUS_WORDS[journal]
    assert (words.workflow_runs, words.portal) == (workflow_runs, portal)
    assert words.journal_differs == (journal != workflow_runs)


def test_the_portals_words_are_its_markup_without_the_tags():
    assert str(STATUS_WORDS["stopped"].portal_html) == 'failed <span class="muted">· journal: stopped</span>'
    assert str(STATUS_WORDS["running"].portal_html) == "running"


def test_engine_runs_read_their_engine_state_and_add_their_journals_word_the_same_way():
    assert set(ENGINE_STATUS) == set(RunState.values)
    assert StatusWords("paused", ENGINE_STATUS["waiting"]).portal == "running · journal: paused"
    assert StatusWords("stopped", ENGINE_STATUS["cancelled"]).portal == "failed · journal: stopped"
    assert StatusWords("running", ENGINE_STATUS["running"]).portal == "running"


@pytest.mark.django_db
@pytest.mark.parametrize(("journal", "workflow_runs", "portal_word"), ROWS, ids=[r[0] for r in ROWS])
def test_every_view_reads_each_row_of_the_table(api, portal, journal, workflow_runs, portal_word):
    run_id = f"run_{journal}"
    for body in journal_for(journal, run_id):
        assert api.post("/v1/events", body, format="json").status_code == 201
    assert api.get(f"/v1/runs/{run_id}/status").json()["status"] == journal
    assert api.get(f"/v1/runs/{run_id}").json()["status"] == workflow_runs
    assert portal_list_word(portal, run_id) == portal_word
    assert portal_page_word(portal, run_id) == portal_word
    # What the portal shows is the table's own object, not words the template rebuilds.
    shown = str(STATUS_WORDS[journal].portal_html)
    assert portal_list_cell(portal, run_id).startswith(shown)
    assert portal_page_cell(portal, run_id).startswith(shown)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("decision", "journal", "workflow_runs", "portal_word"),
    [
        ("approved", "approved", "running", "running · journal: approved"),
        ("rejected", "stopped", "failed", "failed · journal: stopped"),
    ],
)
def test_after_a_decision_the_three_views_agree_on_the_words(
    api, portal, admin, decision, journal, workflow_runs, portal_word
):
    """The issue's case: run_123 asks (evt_1), a person decides through POST /v1/approvals/evt_1."""
    assert api.post("/v1/events", approval_request("run_123", id="evt_1"), format="json").status_code == 201
    decided = api.post(
        "/v1/approvals/evt_1", {"decision": decision, "approver_id": admin.username}, format="json"
    )
    assert (decided.status_code, decided.json()["run_status"]) == (200, journal)
    assert api.get("/v1/runs/run_123/status").json()["status"] == journal
    assert api.get("/v1/runs/run_123").json()["status"] == workflow_runs
    assert portal_list_word(portal, "run_123") == portal_word
    assert portal_page_word(portal, "run_123") == portal_word
