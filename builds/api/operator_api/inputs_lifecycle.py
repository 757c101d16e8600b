"""The operator-api's run lifecycle bodies (the origin's ``schemas``): ``RunStartRequest`` (a run,
its tiers and phases), ``PhaseStatusUpdate`` and ``record_issue``'s query parameters and body, as
pydantic v2 models. Unknown fields are ignored, as the origin does, except in ``IntentionRefs``.

Our additions: ids are 1 to 200 characters and a phase id is never one of the journal's run-level
markers (``run_started``, ``summary``, ``run_stopped``, ...); numbers are bounded by the columns that
keep them and texts by theirs (a huge or negative count is a 422, not a database error);
``PhaseStatusUpdate.failure_reason`` says why a phase reported FAILED failed.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from builds.journal_events import RESERVED_STEPS
from builds.models import DEFAULT_MAX_DURATION_MINUTES, DEFAULT_MAX_PHASES, DEFAULT_TOKEN_CAP
from builds.states import PhaseState

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # IntegerField / PositiveIntegerField
BIGINT_MAX = 2**63 - 1  # PositiveBigIntegerField
ID_MAX = 200

Id = Annotated[str, Field(min_length=1, max_length=ID_MAX)]
Index = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
Positive = Annotated[int, Field(ge=1, le=INT_MAX)]
Tokens = Annotated[int, Field(ge=0, le=BIGINT_MAX)]


class RunCreate(BaseModel):
    run_id: Id
    safety_profile: str = Field(default="normal", max_length=100, description="normal, safety_critical")
    run_scope: str = Field(default="multi_tier", max_length=100, description="multi_tier, single_tier")
    token_cap: Annotated[int, Field(ge=1, le=BIGINT_MAX)] | None = DEFAULT_TOKEN_CAP
    max_phases: Positive | None = DEFAULT_MAX_PHASES
    max_duration_minutes: Positive | None = DEFAULT_MAX_DURATION_MINUTES


class TierCreate(BaseModel):
    tier_id: Id
    tier_index: Index
    name: str = Field(max_length=200)
    description: str | None = None


class IntentionRefs(BaseModel):
    """Which of the plan's intentions a phase serves, by index (kept with the phase)."""

    model_config = ConfigDict(extra="forbid")

    success_criteria: list[int] = Field(default_factory=list)
    constraints_must: list[int] = Field(default_factory=list)
    constraints_must_not: list[int] = Field(default_factory=list)
    constraints_preferences: list[int] = Field(default_factory=list)


def _context_entry(entry: Any) -> dict[str, Any] | None:
    if isinstance(entry, dict):
        return {"path": entry["path"], "reason": entry.get("reason", "")} if entry.get("path") else None
    if isinstance(entry, str):
        return {"path": entry, "reason": ""}
    return None


class PhaseCreate(BaseModel):
    phase_id: Id
    phase_index: Index
    tier_id: Id = Field(description="A tier_id of the request's tiers.")
    name: str = Field(max_length=200)
    description: str | None = None
    task_category: str | None = Field(default=None, max_length=200)
    complexity: str | None = Field(default=None, max_length=100, description="low, medium, high")
    builder_mode: str | None = Field(default=None, max_length=100)
    scope: dict[str, Any] | None = None
    intention_refs: IntentionRefs | None = None

    @field_validator("phase_id")
    @classmethod
    def _not_a_run_marker(cls, value: str) -> str:
        if value in RESERVED_STEPS:
            raise ValueError(f"{value} is reserved for the run's own journal events")
        return value

    @field_validator("scope", mode="before")
    @classmethod
    def _read_only_context(cls, value: Any) -> Any:
        """``read_only_context`` entries as ``{path, reason}``: a string is a path; an entry without
        a path, or of another type, is dropped (the origin's normalisation)."""
        if isinstance(value, dict) and isinstance(value.get("read_only_context"), list):
            entries = [_context_entry(entry) for entry in value["read_only_context"]]
            if value["read_only_context"]:
                value = {**value, "read_only_context": [entry for entry in entries if entry is not None]}
        return value


class RunStartRequest(BaseModel):
    run: RunCreate
    tiers: list[TierCreate] = Field(default_factory=list)
    phases: list[PhaseCreate] = Field(default_factory=list)


class PhaseStatusUpdate(BaseModel):
    state: str = Field(  # checked by the view: a word outside PhaseState is the origin's 400, not a 422
        description="A PhaseState word, case-sensitive.",
        json_schema_extra={"enum": list(PhaseState.values)},
    )
    builder_attempts: Count | None = None
    tokens_used: Tokens | None = None
    minor_issues_count: Count | None = None
    major_issues_count: Count | None = None
    quality_level: str | None = Field(default=None, max_length=40, description="ok, needs_review, blocked")
    quality_blocked: bool | None = None
    failure_reason: str | None = Field(default=None, description="Ours: why the phase failed (FAILED).")


class RecordIssueQuery(BaseModel):
    issue_key: Id
    severity: str = Field(max_length=40, description="minor or major are counted")
    source: str = Field(max_length=100)
    category: str = Field(max_length=200)
    task_category: str | None = Field(default=None, max_length=200)
    complexity: str | None = Field(default=None, max_length=100)


class EvidenceRefs(RootModel[list[str] | None]):
    """``record_issue``'s optional body: a bare JSON list of evidence references."""

    root: list[str] | None = None
