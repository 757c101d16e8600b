"""``run_advance``: the django-q2 task that moves a workflow run forward (docs/architecture.md).

It takes the run's lease (a conditional UPDATE: one worker per run), then repeats: under the run's
row lock, decide what comes next (resolve finished waits, skip untaken branches, pick a ready node
or finish the run); execute that node with no transaction open (an HTTP call may take a while);
record the outcome, its step row and its journal events in one transaction. When nothing is ready
the lease is released in the same transaction that saw it, so a decision committed just after is
never lost: its own ``run_advance`` finds the lease free.

A worker killed mid-step leaves the step ``running`` and the lease to lapse; ``runs_sweep``
re-enqueues the run and the step executes again. A step recorded as succeeded never runs again.
The lease lives in ``runs.engine.lease``; creating and finishing steps and ending the run, in
``runs.engine.lifecycle``.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule
from pydantic import ValidationError

from core.json_values import storable
from core.tenant_scope import across_tenants
from runs.engine.events import details_text, run_event, run_events_append
from runs.engine.lease import lease_release, lease_seconds, lease_take
from runs.engine.lifecycle import run_fail, run_succeed, step_create, step_finish
from runs.engine.nodes import CREDENTIAL_PLACES, NODE_TYPES, credentials_allowed
from runs.engine.nodes.base import NodeContext, Outcome
from runs.engine.plan import StepView, next_moves
from runs.engine.rendering import TemplateRenderError, mask_secrets, render_config, template_context
from runs.engine.secrets import run_credentials
from runs.journal.projection import TERMINAL_STATUSES
from runs.models import ACTIVE_RUN_STATES, Run, RunState, Step, StepState

logger = logging.getLogger(__name__)
TASK = "runs.engine.runner.run_advance"
SWEEP_BATCH = 500
MAX_STEP_ATTEMPTS = 3  # a step whose worker keeps dying (or crashing) fails instead of looping
TASK_BUDGET_SECONDS = 120  # then the task hands the run to a fresh task (django-q2's timeout is 300 s)


def run_enqueue(run_pk: int) -> None:
    async_task(TASK, run_pk, group="runs", task_name=f"run-{run_pk}-{uuid.uuid4().hex[:8]}")


@dataclass
class Work:
    """One node to execute, with everything it needs outside the transaction."""

    run: Run
    step: Step
    node: dict
    credentials: dict[str, str]
    steps_output: dict[str, Any]
    derived_secrets: list[str] = field(default_factory=list)  # rendered from credentials: masked too

    def secrets(self) -> list[str]:
        return [*self.credentials.values(), *self.derived_secrets]


def run_advance(run_pk: int) -> str:
    """Advances the run as far as it can go now; a no-op if another worker holds it or it is over."""
    token = uuid.uuid4().hex
    if not lease_take(run_pk, token):
        return "skipped: finished, or another worker holds the run"
    executed, started = 0, time.monotonic()
    try:
        while (work := _next_work(run_pk, token)) is not None:
            outcome = _execute(work)
            try:
                _record(work, outcome, token)
            except Exception as exc:  # e.g. an output the database refuses: fail the step, not the worker
                _record(work, _unrecordable(work, exc), token)
            executed += 1
            if time.monotonic() - started > TASK_BUDGET_SECONDS:  # stay far inside django-q's timeout
                lease_release(run_pk, token)
                run_enqueue(run_pk)
                break
    finally:
        lease_release(run_pk, token)
    return f"executed {executed} step(s)"


def _unrecordable(work: Work, exc: Exception) -> Outcome:
    logger.error(
        "Recording node %s of run %s failed: %s", work.node["id"], work.run.run_id, type(exc).__name__
    )
    return Outcome.failed(
        f"Node '{work.node['id']}' result could not be recorded",
        f"The step's result could not be stored ({type(exc).__name__})",
    )


def _next_work(run_pk: int, token: str) -> Work | None:
    """Under the run's lock: the next node to execute, or None (run finished or waiting, lease
    released)."""
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("tenant").get(pk=run_pk)
        if run.lease_token != token or run.state not in ACTIVE_RUN_STATES:
            return None
        steps = {step.node_id: step for step in run.steps.select_for_update().order_by("index")}
        nodes = {node["id"]: node for node in run.graph["nodes"]}
        now = timezone.now()
        for step in [s for s in steps.values() if s.state == StepState.WAITING and s.node_type == "approval"]:
            if _wait_over(run, step, now) and step.state == StepState.FAILED:
                run_fail(run, steps, step.error, step.output.get("decision"))
                return None
        if run.status in TERMINAL_STATUSES:  # the journal was ended by an approval service
            run_fail(run, steps, f"The run's journal ended with status '{run.status}'", None)
            return None
        for step in steps.values():
            if step.state != StepState.RUNNING:
                continue
            if step.attempts >= MAX_STEP_ATTEMPTS:  # its worker died (or crashed) every time
                step.error = (
                    f"Gave up after {step.attempts} attempts: the worker stopped during the step each time"
                )
                step_finish(step, StepState.FAILED, now)
                run_fail(run, steps, step.error, None)
                return None
            return _start(run, step, nodes[step.node_id], steps, now)  # its worker died: again
        for step in [s for s in steps.values() if s.state == StepState.WAITING and s.node_type == "delay"]:
            _wait_over(run, step, now)
        views = {node_id: StepView(step.state, step.output) for node_id, step in steps.items()}
        approval_open = any(
            s.state == StepState.WAITING and s.node_type == "approval" for s in steps.values()
        )
        ready, skipped = next_moves(run.graph, views, approval_open=approval_open)
        for node_id in skipped:
            steps[node_id] = step_create(run, steps, nodes[node_id], StepState.SKIPPED, now)
        if ready:
            step = step_create(run, steps, nodes[ready[0]], StepState.RUNNING, now)
            return _start(run, step, nodes[step.node_id], steps, now)
        waiting = [s for s in steps.values() if s.state == StepState.WAITING]
        if waiting:
            run.state = RunState.WAITING
            run.waiting_for = "approval" if any(s.node_type == "approval" for s in waiting) else "delay"
            run.lease_token, run.lease_until = "", None
            run.save(update_fields=["state", "waiting_for", "lease_token", "lease_until", "updated_at"])
            return None
        run_succeed(run, now)
        return None


def _start(run: Run, step: Step, node: dict, steps: dict[str, Step], now) -> Work:
    module = NODE_TYPES[node["type"]]
    extra = 0.0
    if hasattr(module, "max_seconds"):
        try:
            extra = module.max_seconds(
                module.Config.model_validate((node.get("data") or {}).get("config") or {})
            )
        except ValidationError:
            extra = 0.0
    step.state, step.attempts, step.started_at = StepState.RUNNING, step.attempts + 1, now
    step.save(update_fields=["state", "attempts", "started_at"])
    if run.state == RunState.QUEUED:
        run.started_at = now
    run.state, run.waiting_for = RunState.RUNNING, ""
    run.lease_until = now + timedelta(seconds=lease_seconds() + extra)
    run.save(update_fields=["state", "waiting_for", "started_at", "lease_until", "updated_at"])
    outputs = {
        node_id: {"output": s.output, "status": s.state}
        for node_id, s in steps.items()
        if s.state in (StepState.SUCCEEDED, StepState.SKIPPED)
    }
    credentials = run_credentials(tenant_id=run.tenant_id, graph=run.graph)
    return Work(run=run, step=step, node=node, credentials=credentials, steps_output=outputs)


def _execute(work: Work) -> Outcome:
    """The node's outcome; nothing it raises escapes (a broken node fails its step, not the worker)."""
    module = NODE_TYPES[work.node["type"]]
    raw = (work.node.get("data") or {}).get("config") or {}
    run = work.run
    requested_by = run.started_by.get_username() if run.started_by_id else "workflow"
    context = NodeContext(
        run_id=run.run_id,
        node_id=work.node["id"],
        input=run.input or {},
        credentials=work.credentials,
        requested_by=requested_by,
        now=timezone.now(),
        raw_config=raw,
    )
    try:
        rendered = render_config(
            raw,
            context=template_context(
                input=context.input, steps=work.steps_output, credentials=work.credentials
            ),
            credentials_allowed=lambda path: credentials_allowed(work.node["type"], raw, path),
            places=CREDENTIAL_PLACES,
        )
        work.derived_secrets = list(rendered.secret_fields.values())
        context = replace(context, secret_fields=rendered.secret_fields)
        config = module.Config.model_validate(rendered.value)
    except TemplateRenderError as exc:
        return Outcome.failed(f"Node '{context.node_id}' config could not be rendered", exc.message)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        return Outcome.failed(f"Node '{context.node_id}' config is invalid once rendered", problems)
    except Exception as exc:  # a template that raises (``{{ 1/0 }}``), a structure too deep to walk
        return Outcome.failed(
            f"Node '{context.node_id}' config could not be rendered", f"{type(exc).__name__}: {exc}"
        )
    try:
        return module.execute(config, context)
    except Exception as exc:
        text = mask_secrets(f"{type(exc).__name__}: {exc}", work.secrets())
        logger.error("Node %s of run %s crashed: %s", context.node_id, run.run_id, text)
        return Outcome.failed(f"Node '{context.node_id}' crashed", text)


def _record(work: Work, outcome: Outcome, token: str) -> None:
    secrets = work.secrets()
    message = storable(mask_secrets(outcome.message, secrets))
    output = storable(mask_secrets(outcome.output, secrets))
    error = storable(mask_secrets(outcome.error, secrets))
    approval = storable(mask_secrets(outcome.approval, secrets))
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("tenant").get(pk=work.run.pk)
        step = Step.objects.select_for_update().get(pk=work.step.pk)
        if run.lease_token != token or step.state != StepState.RUNNING:
            return  # another worker took the run over after our lease lapsed: its result counts
        now = timezone.now()
        node_id, node_type = step.node_id, step.node_type
        step.output, step.error = output, error
        if run.status in TERMINAL_STATUSES:  # ended meanwhile (a rejection): no more node events
            step_finish(step, StepState.SKIPPED if outcome.state == StepState.WAITING else outcome.state, now)
            return  # the next pass fails the run with the reason
        if outcome.state == StepState.WAITING:
            step.state = StepState.WAITING
            if node_type == "approval":
                event = run_event(
                    run,
                    node_id,
                    type="approval_requested",
                    title=message,
                    details=approval["reason"],
                    risk_level=approval.get("risk_level"),
                    approval={"status": "pending", "requested_by": _requester(run)},
                    expires_at=approval.get("expires_at"),
                )
                step.approval_event_id = event["id"]
            else:
                step.wake_at = outcome.wake_at
                schedule(TASK, run.pk, schedule_type=Schedule.ONCE, next_run=outcome.wake_at, repeats=-1)
                event = run_event(
                    run, node_id, type="action", title=message, details=details_text(output, message)
                )
            step.save()
            run_events_append(run, [event])
            return
        step.state = outcome.state
        step.finished_at = now
        step.duration_ms = max(0, int((now - step.started_at).total_seconds() * 1000))
        step.save()
        if outcome.state == StepState.SUCCEEDED:
            kind = {"start": "intent", "condition": "decision"}.get(node_type, "action")
            run_events_append(
                run,
                [run_event(run, node_id, type=kind, title=message, details=details_text(output, message))],
            )
            return
        run_events_append(
            run, [run_event(run, node_id, type="error", title=message, details=details_text(error, message))]
        )
        steps = {s.node_id: s for s in run.steps.select_for_update()}
        run_fail(run, steps, error or message, None)


def _requester(run: Run) -> str:
    return run.started_by.get_username() if run.started_by_id else "workflow"


def _wait_over(run: Run, step: Step, now) -> bool:
    """Settles a waiting step whose wait is over (decision recorded, delay elapsed); True if it did."""
    if step.node_type == "delay":
        if step.wake_at is None or step.wake_at > now:
            return False
        step_finish(step, StepState.SUCCEEDED, now)
        run_events_append(
            run,
            [
                run_event(
                    run, step.node_id, type="observation", title="Delay finished", details="Delay finished"
                )
            ],
        )
        return True
    decision = (step.output or {}).get("decision")
    if decision is None:
        return False
    who = step.output.get("resolvedBy") or "unknown"
    if decision == "approved":
        step_finish(step, StepState.SUCCEEDED, now)
        title = f"Approval granted by {who}"
        run_events_append(
            run,
            [
                run_event(
                    run,
                    step.node_id,
                    type="observation",
                    title=title,
                    details=step.output.get("reason") or title,
                )
            ],
        )
        return True
    step.error = {
        "rejected": f"Approval rejected by {who}",
        "expired": "Approval expired before anyone decided",
    }.get(decision, "Approval was cancelled")
    step_finish(step, StepState.FAILED, now)
    return True


def runs_sweep() -> int:
    """Scheduled every minute: re-enqueues runs that should be moving and are not (a killed worker's
    lapsed lease, a lost queue message, a delay or decision whose wake-up was lost). Returns how many."""
    now = timezone.now()
    grace = now - timedelta(seconds=lease_seconds())
    stalled = (
        across_tenants(Run, reason="stalled-run sweep")
        .filter(state__in=(RunState.QUEUED, RunState.RUNNING))
        .filter(Q(lease_until__lt=now) | Q(lease_until__isnull=True, updated_at__lt=grace))
    )
    woken = Step.objects.filter(run__state=RunState.WAITING, state=StepState.WAITING).filter(
        Q(wake_at__lt=now - timedelta(seconds=60)) | Q(output__has_key="decision", run__updated_at__lt=grace)
    )
    pks = set(stalled.values_list("pk", flat=True)[:SWEEP_BATCH])
    pks |= set(woken.values_list("run_id", flat=True)[:SWEEP_BATCH])
    for pk in sorted(pks):
        run_enqueue(pk)
    return len(pks)
