"""The operator-api's builder and auditor result bodies (the origin's ``builder_schemas``), as
pydantic v2 models, and their validation as the envelope's 422 details.

``BuilderResult`` refuses unknown fields (the origin's boundary tests: a legacy payload is a 422
naming "extra"); ``AuditorResult`` ignores them, as the origin does. Our additions: numbers are
bounded by the columns that keep them (so a huge or negative count is a 422, not a database
error), texts by theirs, and ``recommendation`` is one of approve, revise, escalate.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

INT_MAX = 2**31 - 1  # PositiveIntegerField
BIGINT_MAX = 2**63 - 1  # PositiveBigIntegerField
ID_MAX = 200

Count = Annotated[int, Field(ge=0, le=INT_MAX)]
Tokens = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
Minutes = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Id = Annotated[str, Field(min_length=1, max_length=ID_MAX)]


class BuilderProbeResult(BaseModel):
    probe_type: str = Field(max_length=100, description="pytest, lint, script, ...")
    exit_code: int = Field(ge=-INT_MAX - 1, le=INT_MAX)
    stdout: str = ""
    stderr: str = ""
    duration_seconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class BuilderSuggestedIssue(BaseModel):
    """An issue a builder suggests or an auditor found; each becomes an issue occurrence."""

    issue_key: Id
    severity: str = Field(max_length=40)
    source: str = Field(default="cursor_self_doubt", max_length=100)
    category: str = Field(max_length=200)
    evidence_refs: list[str] = Field(default_factory=list)
    description: str = ""


class BuilderResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase_id: Id
    run_id: Id
    run_type: str = Field(default="project_build", max_length=100)
    allowed_paths: list[str] = Field(
        default_factory=list, description="When given, the patch may touch only these paths (and below)."
    )
    patch_content: str | None = Field(default=None, description="A unified diff.")
    files_changed: list[str] = Field(default_factory=list)
    lines_added: Count = 0
    lines_removed: Count = 0
    builder_attempts: Count = 1
    tokens_used: Tokens = 0
    duration_minutes: Minutes = 0.0
    probe_results: list[BuilderProbeResult] = Field(default_factory=list)
    suggested_issues: list[BuilderSuggestedIssue] = Field(default_factory=list)
    status: str = Field(max_length=40, description='"success" moves the phase to GATE; "failed" is an error.')
    notes: str = ""


class AuditorSuggestedPatch(BaseModel):
    description: str
    patch_content: str
    files_affected: list[str] = Field(default_factory=list)


class AuditorResult(BaseModel):
    phase_id: Id
    run_id: Id
    review_notes: str
    issues_found: list[BuilderSuggestedIssue] = Field(default_factory=list)
    suggested_patches: list[AuditorSuggestedPatch] = Field(default_factory=list)
    auditor_attempts: Count = 1
    tokens_used: Tokens = 0
    recommendation: Literal["approve", "revise", "escalate"]
    confidence: str = Field(default="medium", max_length=40)
