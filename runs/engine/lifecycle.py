"""The life cycle of a workflow run's rows: steps created, finished or skipped, and the run ended
(failed, succeeded, or closed in any final state) with its terminal journal event."""

from __future__ import annotations

from django.utils import timezone

from runs.engine.events import run_event, run_events_append
from runs.journal.projection import TERMINAL_STATUSES
from runs.models import Run, RunState, Step, StepState


def step_create(run: Run, steps: dict[str, Step], node: dict, state: str, now) -> Step:
    step = Step.objects.create(
        run=run,
        index=len(steps) + 1,
        node_id=node["id"],
        node_type=node["type"],
        state=state,
        started_at=now if state == StepState.RUNNING else None,
    )
    steps[step.node_id] = step
    return step


def step_finish(step: Step, state: str, now) -> None:
    step.state, step.finished_at = state, now
    if step.started_at:
        step.duration_ms = max(0, int((now - step.started_at).total_seconds() * 1000))
    step.save()


def steps_skip_unfinished(run: Run, steps: dict[str, Step], now) -> None:
    """An ended run shows every node: what never started or did not finish becomes skipped."""
    for node in run.graph["nodes"]:
        step = steps.get(node["id"])
        if step is None:
            steps[node["id"]] = step_create(run, steps, node, StepState.SKIPPED, now)
        elif step.state in (StepState.PENDING, StepState.WAITING, StepState.RUNNING):
            step_finish(step, StepState.SKIPPED, now)


def run_fail(run: Run, steps: dict[str, Step], error: str, decision: str | None) -> None:
    """Fails the run: what has not run is skipped, and the journal gets its terminal event."""
    now = timezone.now()
    steps_skip_unfinished(run, steps, now)
    if run.status not in TERMINAL_STATUSES:
        marker = "approval_rejected" if run.status == "rejected" or decision == "rejected" else "run_stopped"
        run_events_append(
            run, [run_event(run, marker, type="decision", title="Run failed", details=error or "Run failed")]
        )
    run_close(run, RunState.FAILED, now, error)


def run_succeed(run: Run, now) -> None:
    run_events_append(
        run,
        [
            run_event(
                run, "run_completed", type="summary", title="Run succeeded", details="Every step finished"
            )
        ],
    )
    run_close(run, RunState.SUCCEEDED, now, "")


def run_close(run: Run, state: str, now, error: str) -> None:
    run.state, run.waiting_for, run.error, run.finished_at = state, "", error, now
    run.lease_token, run.lease_until = "", None
    run.save(
        update_fields=[
            "state",
            "waiting_for",
            "error",
            "finished_at",
            "lease_token",
            "lease_until",
            "updated_at",
        ]
    )
