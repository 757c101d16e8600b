"""builds' writes; import from here.

Starting a build run and the executor's reports on its phases (``lifecycle``), issues (``issues``),
builder and auditor results (``results``); a run's files (``builds.artifacts``, its readable
files ``builds.readable_files``) and uploads (``builds.uploads``). Every write to a run holds its
row lock (``build_lock``) and journals what it changed. Reads are ``builds.selectors``.
"""

from builds.artifacts import artifact_write
from builds.readable_files import readable_files_write
from builds.services.issues import issue_record, phase_issue_counts, phase_issue_record
from builds.services.lifecycle import (
    BuildPlan,
    PhaseMetrics,
    PhasePlan,
    TierPlan,
    build_ensure_open,
    build_lock,
    build_roll_up,
    build_start,
    issue_state_for,
    phase_status_update,
    phase_transition,
)
from builds.services.results import (
    AuditorReport,
    BuilderReport,
    IssueSuggestion,
    ProbeOutcome,
    auditor_result_submit,
    builder_result_submit,
)
from builds.uploads import upload_store

__all__ = [
    "AuditorReport",
    "BuildPlan",
    "BuilderReport",
    "IssueSuggestion",
    "PhaseMetrics",
    "PhasePlan",
    "ProbeOutcome",
    "TierPlan",
    "artifact_write",
    "auditor_result_submit",
    "build_ensure_open",
    "build_lock",
    "build_roll_up",
    "build_start",
    "builder_result_submit",
    "issue_record",
    "issue_state_for",
    "phase_issue_counts",
    "phase_issue_record",
    "phase_status_update",
    "phase_transition",
    "readable_files_write",
    "upload_store",
]
