"""The build's human-readable files, rendered from its rows into the run's artifacts:
``run_summary.md``, ``tiers/tier_NN_<name>.md`` and ``phases/phase_NN_<phase id>.md``.

``readable_files_write`` reads the rows afresh under the run's lock (so concurrent writers leave
the newest state on disk) and stores only the files whose content changed, in a constant number
of queries whatever the run's size.
"""

from __future__ import annotations

from django.db import transaction

from builds.artifacts import artifacts_write_many, existing_digests, safe_segment
from builds.models import BuildRun, Phase, Tier
from builds.states import BuildRunState, PhaseState
from runs.models import Run

PENDING_TEXT = "(To be populated as run progresses)"


def run_summary_path() -> str:
    return "run_summary.md"


def tier_file_path(tier: Tier) -> str:
    return f"tiers/tier_{tier.tier_index:02d}_{safe_segment(tier.name)}.md"


def phase_file_path(phase: Phase) -> str:
    return f"phases/phase_{phase.phase_index:02d}_{safe_segment(phase.phase_id)}.md"


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def run_summary_text(build: BuildRun, phases: list[Phase], tier_count: int) -> str:
    lines = [
        f"# Run Summary: {build.run.run_id}",
        "",
        "## Status",
        f"- **State:** {build.state}",
        f"- **Safety Profile:** {build.safety_profile}",
        f"- **Run Scope:** {build.run_scope}",
        f"- **Created:** {_iso(build.created_at)}",
    ]
    if build.completed_at:
        lines.append(f"- **Completed:** {_iso(build.completed_at)}")
    lines += [
        "",
        "## Progress",
        f"- **Tiers:** {tier_count}",
        f"- **Phases:** {len(phases)}",
        f"- **Phases Complete:** {sum(p.state == PhaseState.COMPLETE for p in phases)}",
        f"- **Phases Failed:** {sum(p.state == PhaseState.FAILED for p in phases)}",
        "",
        "## Budgets",
        f"- **Tokens Used:** {build.tokens_used:,}" if build.tokens_used > 0 else PENDING_TEXT,
        "",
        "## Issues",
    ]
    if build.failure_reason:
        lines.append(f"**Failure Reason:** {build.failure_reason}")
    elif build.state.startswith("DONE_FAILED"):
        lines.append("(Run failed - see phase logs for details)")
    elif build.state == BuildRunState.DONE_SUCCESS:
        lines.append("No issues - run completed successfully.")
    else:
        lines.append(PENDING_TEXT)
    if build.minor_issues_count or build.major_issues_count:
        lines += [
            f"- **Minor Issues:** {build.minor_issues_count}",
            f"- **Major Issues:** {build.major_issues_count}",
        ]
    return "\n".join(lines) + "\n"


def tier_text(tier: Tier, phase_count: int) -> str:
    lines = [
        f"# Tier Summary: {tier.tier_id} - {tier.name}",
        "",
        "## Status",
        f"- **State:** {tier.state}",
        f"- **Tier ID:** {tier.tier_id}",
        f"- **Index:** {tier.tier_index}",
        "",
        "## Phases",
        f"- **Total:** {phase_count}",
        "",
        "## Issues",
    ]
    if tier.minor_issues_count or tier.major_issues_count:
        lines += [
            f"- **Minor Issues:** {tier.minor_issues_count}",
            f"- **Major Issues:** {tier.major_issues_count}",
        ]
    else:
        lines.append("(To be populated as phases execute)")
    lines += ["", "## Cleanliness"]
    ended = tier.state in ("COMPLETE", "FAILED", "SKIPPED")
    lines.append(tier.cleanliness if ended else "(To be determined after all phases complete)")
    return "\n".join(lines) + "\n"


def phase_text(phase: Phase) -> str:
    lines = [
        f"# Phase Summary: {phase.phase_id} - {phase.name}",
        "",
        "## Status",
        f"- **State:** {phase.state}",
        f"- **Phase ID:** {phase.phase_id}",
        f"- **Index:** {phase.phase_index}",
        "",
        "## Classification",
        f"- **Task Category:** {phase.task_category or 'N/A'}",
        f"- **Complexity:** {phase.complexity or 'N/A'}",
        "",
        "## Execution",
    ]
    execution = []
    if phase.started_at:
        execution.append(f"- Started: {_iso(phase.started_at)}")
    if phase.completed_at:
        execution.append(f"- Completed: {_iso(phase.completed_at)}")
    if phase.builder_attempts:
        execution.append(f"- Builder attempts: {phase.builder_attempts}")
    if phase.auditor_attempts:
        execution.append(f"- Auditor attempts: {phase.auditor_attempts}")
    if phase.tokens_used:
        execution.append(f"- Tokens used: {phase.tokens_used:,}")
    lines += execution or ["(To be populated as phase executes)"]
    lines += ["", "## Issues"]
    issues = []
    if phase.minor_issues_count or phase.major_issues_count:
        issues += [
            f"- Issue state: {phase.issue_state}",
            f"- Minor issues: {phase.minor_issues_count}",
            f"- Major issues: {phase.major_issues_count}",
        ]
    if phase.needs_human_review:
        issues.append("- Escalated for human review")
    if phase.last_failure_reason:
        issues.append(f"- Failure: {phase.last_failure_reason}")
    lines += issues or ["(To be populated if issues arise)"]
    return "\n".join(lines) + "\n"


def readable_files_render(*, build: BuildRun, phase: Phase | None = None) -> dict[str, bytes]:
    """The files' contents by path, from the rows now: all of them, or with ``phase`` only the run
    summary, that phase's file and its tier's file (what a change of that phase can alter)."""
    tiers = list(Tier.objects.filter(build_id=build.pk).order_by("tier_index", "id"))
    phases = list(Phase.objects.filter(build_id=build.pk).order_by("phase_index", "step_id"))
    files = {run_summary_path(): run_summary_text(build, phases, len(tiers))}
    phase_counts: dict[int, int] = {}
    for row in phases:
        phase_counts[row.tier_id] = phase_counts.get(row.tier_id, 0) + 1
    for tier in tiers:
        if phase is None or tier.pk == phase.tier_id:
            files[tier_file_path(tier)] = tier_text(tier, phase_counts.get(tier.pk, 0))
    for row in phases:
        if phase is None or row.pk == phase.pk:
            files[phase_file_path(row)] = phase_text(row)
    return {path: text.encode() for path, text in files.items()}


def readable_files_write(*, build: BuildRun, phase: Phase | None = None) -> None:
    """Brings the build's readable files in step with its rows (only the changed ones are stored).
    Safe inside the caller's transaction holding the run lock, or on commit after it."""
    with transaction.atomic():
        Run.objects.select_for_update().filter(pk=build.pk).values_list("pk", flat=True).first()
        fresh = BuildRun.objects.select_related("run").filter(pk=build.pk).first()
        if fresh is None:
            return
        files = readable_files_render(build=fresh, phase=phase)
        digests = existing_digests(run=fresh.run, paths=list(files))
        artifacts_write_many(run=fresh.run, files=files, known_digests=digests)
