"""A run as workflow-runs-v1 shows it (``GET /v1/runs/{id}``): its status through the status-word
table below, its logs read from its journal, its steps. Any kind of run can be read this way."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import SafeString

from runs.journal.event_schema import utc_z
from runs.journal.projection import TERMINAL_STEPS
from runs.models import Run, RunEvent, RunKind, RunState, Step, StepState


@dataclass(frozen=True)
class StatusWords:
    """What each view calls one run's status: ``journal`` is run-journal-v0's word
    (``GET /v1/runs/{id}/status``), ``workflow_runs`` the contract's four (``GET /v1/runs/{id}``),
    and ``portal`` the portal's: the workflow-runs word, with the journal's where they differ."""

    journal: str
    workflow_runs: str

    @property
    def journal_differs(self) -> bool:
        return self.journal != self.workflow_runs

    @property
    def portal_html(self) -> SafeString:
        """What the portal renders (templates/portal/_status_words.html): the journal's word muted."""
        if self.journal_differs:
            words = (self.workflow_runs, self.journal)
            return format_html('{} <span class="muted">· journal: {}</span>', *words)
        return conditional_escape(self.workflow_runs)

    @property
    def portal(self) -> str:
        """The portal's words as a reader sees them (``portal_html`` without its markup)."""
        return strip_tags(self.portal_html)


# The one table of status words (docs/status-words.md shows it): a run's journal status (every
# ``JournalStatus``) -> the workflow-runs status it reads as -> the portal's word. An approved run
# reads ``running``: it goes on, and its journal says ``running`` again at its next event.
STATUS_WORDS: dict[str, StatusWords] = {
    row.journal: row
    for row in (
        StatusWords("running", "running"),  # portal: running
        StatusWords("paused", "running"),  # portal: running · journal: paused
        StatusWords("approved", "running"),  # portal: running · journal: approved
        StatusWords("rejected", "failed"),  # portal: failed · journal: rejected
        StatusWords("stopped", "failed"),  # portal: failed · journal: stopped
        StatusWords("expired", "failed"),  # portal: failed · journal: expired
        StatusWords("completed", "succeeded"),  # portal: succeeded · journal: completed
    )
}
# Runs the engine drives read their workflow-runs word from the engine's state instead (waiting
# is running, with ``waiting`` set); the portal adds their journal's word the same way.
ENGINE_STATUS = {
    RunState.QUEUED: "queued",
    RunState.RUNNING: "running",
    RunState.WAITING: "running",
    RunState.SUCCEEDED: "succeeded",
    RunState.FAILED: "failed",
    RunState.CANCELLED: "failed",
}
JOURNAL_STATUS = {journal: row.workflow_runs for journal, row in STATUS_WORDS.items()}
LOG_LIMIT = 1000


def status_words(run: Run) -> StatusWords:
    if run.kind == RunKind.WORKFLOW:
        return StatusWords(journal=run.status, workflow_runs=ENGINE_STATUS[run.state])
    return STATUS_WORDS[run.status]


def contract_status(run: Run) -> str:
    return status_words(run).workflow_runs


def _level(payload: dict) -> str:
    step = (payload.get("meta") or {}).get("step")
    return "error" if payload["type"] == "error" or step in TERMINAL_STEPS else "info"


def _logs(run: Run, node_ids: set[str]) -> tuple[list[dict], bool]:
    rows = list(
        RunEvent.objects.filter(run=run)
        .order_by("-timestamp", "-seq")
        .values_list("payload", flat=True)[: LOG_LIMIT + 1]
    )
    truncated = len(rows) > LOG_LIMIT
    logs = []
    for payload in reversed(rows[:LOG_LIMIT]):
        step = (payload.get("meta") or {}).get("step")
        logs.append(
            {
                "ts": payload["timestamp"],
                "level": _level(payload),
                "msg": payload["title"],
                "nodeId": step if step in node_ids else None,
            }
        )
    return logs, truncated


def _waiting(run: Run, steps: list[Step]) -> dict | None:
    if contract_status(run) != "running":
        return None
    waiting = [s for s in steps if s.state == StepState.WAITING]
    approval = next((s for s in waiting if s.node_type == "approval"), None)
    if approval is not None:
        return {
            "reason": "approval",
            "nodeId": approval.node_id,
            "approvalEventId": approval.approval_event_id,
            "until": None,
        }
    delay = next((s for s in waiting if s.node_type == "delay"), None)
    if delay is not None:
        return {
            "reason": "delay",
            "nodeId": delay.node_id,
            "approvalEventId": None,
            "until": utc_z(delay.wake_at),
        }
    if run.waiting_for == "launch" and run.pending_approval:  # held by the policy gate
        return {
            "reason": "launch_approval",
            "nodeId": None,
            "approvalEventId": run.pending_approval["event_id"],
            "until": None,
        }
    if run.kind != RunKind.WORKFLOW and run.pending_approval:
        return {
            "reason": "approval",
            "nodeId": None,
            "approvalEventId": run.pending_approval["event_id"],
            "until": None,
        }
    return None


def _journal_end(run: Run):
    return run.last_event_at if JOURNAL_STATUS[run.status] in ("succeeded", "failed") else None


def run_view(run: Run) -> dict:
    steps = list(run.steps.order_by("index")) if run.kind == RunKind.WORKFLOW else []
    node_ids = {node["id"] for node in (run.graph or {}).get("nodes", [])}
    logs, truncated = _logs(run, node_ids)
    return {
        "id": run.run_id,
        "status": contract_status(run),
        "createdAt": utc_z(run.created_at),
        "finishedAt": utc_z(run.finished_at if run.kind == RunKind.WORKFLOW else _journal_end(run)),
        "logs": logs,
        "steps": [
            {"id": f"step_{s.index:02d}", "nodeId": s.node_id, "status": s.state, "durationMs": s.duration_ms}
            for s in steps
        ],
        "waiting": _waiting(run, steps),
        "error": run.error or None,
        "workflowId": run.workflow_id,
        "workflowVersion": run.workflow_version,
        "input": run.input or {},
        "automation_policy": run.automation_policy,
        "logsTruncated": truncated,
    }


def status_filter(status: str):
    """A ``Q`` for runs whose contract status (``contract_status``) is ``status``."""
    engine = [state for state, shown in ENGINE_STATUS.items() if shown == status]
    journal = [state for state, shown in JOURNAL_STATUS.items() if shown == status]
    return Q(kind=RunKind.WORKFLOW, state__in=engine) | (~Q(kind=RunKind.WORKFLOW) & Q(status__in=journal))


CONTRACT_STATUSES = ("queued", "running", "succeeded", "failed")
