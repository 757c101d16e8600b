"""A build run's errors: its ``ErrorReport`` rows (failed phases, failed builder results and
probes, auditor rejections) and the ``error`` events of its journal, merged oldest first.

``GET /runs/{run_id}/errors`` answers ``{run_id, error_count, errors}``, each report in the origin's
keys (``traceback``, ``stack_frames``, ``python_version`` and ``platform`` describe a crashed Python
process in the origin; none of these reports is one, so they are null or empty) plus ``source``.
``GET /runs/{run_id}/errors/summary`` answers ``{run_id, summary}`` with the origin's text, plus the
counts by phase and by type and the first and last report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from builds.models import ErrorReport, Phase
from builds.reads.shapes import iso
from builds.selectors import build_get
from core.tenant_scope import for_tenant
from runs.selectors import run_events
from tenancy.models import Tenant

JOURNAL_ERROR_TYPE = "journal_error"
SUMMARY_RULE = "=" * 80
SUMMARY_MESSAGE_MAX = 200


class ErrorReportItem(TypedDict):
    timestamp: str | None
    error_type: str
    error_message: str
    run_id: str
    phase_id: str | None
    component: str | None
    operation: str | None
    traceback: None
    stack_frames: list[Any]
    context_data: dict[str, Any]
    python_version: None
    platform: None
    source: str  # "error_report" or "journal"


class RunErrors(TypedDict):
    run_id: str
    error_count: int
    errors: list[ErrorReportItem]


class ErrorCount(TypedDict):
    key: str | None
    count: int


class RunErrorSummary(TypedDict):
    run_id: str
    summary: str
    error_count: int
    by_phase: list[ErrorCount]
    by_type: list[ErrorCount]
    first: ErrorReportItem | None
    last: ErrorReportItem | None


def _item(run_id: str, *, source: str, **fields: Any) -> ErrorReportItem:
    return {
        "timestamp": fields["timestamp"],
        "error_type": fields["error_type"],
        "error_message": fields["error_message"],
        "run_id": run_id,
        "phase_id": fields["phase_id"],
        "component": fields["component"] or None,
        "operation": fields["operation"] or None,
        "traceback": None,
        "stack_frames": [],
        "context_data": fields["context_data"],
        "python_version": None,
        "platform": None,
        "source": source,
    }


def run_errors_list(*, tenant: Tenant, run_id: str) -> RunErrors:
    """Oldest first; a report and a journal event at the same instant: the report first."""
    build = build_get(tenant=tenant, run_id=run_id)
    run_id = build.run.run_id
    reports = for_tenant(ErrorReport, tenant).filter(build=build).select_related("phase")
    timed: list[tuple[datetime, int, ErrorReportItem]] = []
    for report in reports.order_by("created_at", "id"):
        timestamp = iso(report.created_at)
        timed.append(
            (
                report.created_at,
                0,
                _item(
                    run_id,
                    source="error_report",
                    timestamp=timestamp,
                    error_type=report.error_type,
                    error_message=report.error_message,
                    phase_id=report.phase.phase_id if report.phase else None,
                    component=report.component,
                    operation=report.operation,
                    context_data=report.context_data or {},
                ),
            )
        )
    events = [e.payload for e in run_events(tenant=tenant, run_id=run_id) if e.payload.get("type") == "error"]
    if events:
        phase_ids = set(Phase.objects.filter(build=build).values_list("phase_id", flat=True))
        for payload in events:
            step = (payload.get("meta") or {}).get("step")
            timed.append(
                (
                    datetime.fromisoformat(payload["timestamp"]),
                    1,
                    _item(
                        run_id,
                        source="journal",
                        timestamp=payload["timestamp"],
                        error_type=JOURNAL_ERROR_TYPE,
                        error_message=payload.get("details", ""),
                        phase_id=step if step in phase_ids else None,
                        component="journal",
                        operation=payload.get("title"),
                        context_data={
                            "event_id": payload.get("id"),
                            "actor": payload.get("actor"),
                            "step": step,
                        },
                    ),
                )
            )
    timed.sort(key=lambda entry: (entry[0], entry[1]))
    errors = [item for _, _, item in timed]
    return {"run_id": run_id, "error_count": len(errors), "errors": errors}


def _counts(values: list[str | None]) -> list[ErrorCount]:
    tally: dict[str | None, int] = {}
    for value in values:
        tally[value] = tally.get(value, 0) + 1
    ordered = sorted(tally.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
    return [{"key": key, "count": count} for key, count in ordered]


def error_summary_text(run_id: str, errors: list[ErrorReportItem]) -> str:
    """The origin's text, line for line."""
    if not errors:
        return f"No errors reported for run {run_id}"
    lines = [f"ERROR SUMMARY FOR RUN: {run_id}", f"Total Errors: {len(errors)}", SUMMARY_RULE, ""]
    for number, error in enumerate(errors, 1):
        lines += [
            f"{number}. [{error['timestamp']}] {error['error_type']}",
            f"   Component: {error['component'] or 'unknown'}",
            f"   Operation: {error['operation'] or 'unknown'}",
            f"   Message: {error['error_message'][:SUMMARY_MESSAGE_MAX]}",
            "",
        ]
    return "\n".join(lines)


def run_error_summary_get(*, tenant: Tenant, run_id: str) -> RunErrorSummary:
    """Counts most frequent first (``key`` null: reports tied to no phase)."""
    listed = run_errors_list(tenant=tenant, run_id=run_id)
    errors = listed["errors"]
    return {
        "run_id": listed["run_id"],
        "summary": error_summary_text(listed["run_id"], errors),
        "error_count": len(errors),
        "by_phase": _counts([error["phase_id"] for error in errors]),
        "by_type": _counts([error["error_type"] for error in errors]),
        "first": errors[0] if errors else None,
        "last": errors[-1] if errors else None,
    }
