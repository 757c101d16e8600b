"""Errors of the build surface, with the operator-api's ``detail`` texts."""

from __future__ import annotations

from core.errors import BadRequest, Conflict, NotFound


class BuildRunNotFound(NotFound):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"Run {run_id} not found")


class PhaseNotFound(NotFound):
    def __init__(self, phase_id: str, run_id: str) -> None:
        super().__init__(f"Phase {phase_id} not found in run {run_id}")


class BuildRunExists(Conflict):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"Run {run_id} already exists")


class UnknownTier(BadRequest):
    def __init__(self, phase_id: str, tier_id: str) -> None:
        super().__init__(f"Phase {phase_id} references unknown tier {tier_id}")


class InvalidPhaseState(BadRequest):
    def __init__(self, state: str) -> None:
        super().__init__(f"Invalid phase state: {state}")


class IllegalPhaseTransition(Conflict):
    def __init__(self, phase_id: str, current: str, new: str) -> None:
        super().__init__(f"Illegal phase transition for {phase_id}: {current} -> {new}")


class BuildRunEnded(Conflict):
    """Nothing of a run changes once it has ended (its journal has its terminal event)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"Run {run_id} has ended")


class DuplicateTierId(BadRequest):
    def __init__(self, tier_id: str) -> None:
        super().__init__(f"Duplicate tier_id {tier_id} in the request")


class DuplicatePhaseId(BadRequest):
    def __init__(self, phase_id: str) -> None:
        super().__init__(f"Duplicate phase_id {phase_id} in the request")


class ArtifactPathRefused(BadRequest):
    """A ``path`` that could name something outside the run's folder (the texts are the origin's)."""


class ArtifactNotFound(NotFound):
    def __init__(self, path: str) -> None:
        super().__init__(f"File not found: {path}")


class NoFileProvided(BadRequest):
    def __init__(self) -> None:
        super().__init__("No file provided")


class UploadTooLarge(BadRequest):
    """Answered 413 by the upload view (``limit`` and, when known, ``size`` in bytes)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"File too large: the limit is {limit} bytes")


class ArtifactTooLarge(BadRequest):
    """A binary artifact above the served-size cap (answered 413; text is truncated instead)."""

    def __init__(self, size: int, cap: int) -> None:
        super().__init__(f"File size {size} bytes exceeds cap of {cap} bytes")


class ResultIdsMismatch(BadRequest):
    """A builder or auditor result whose ``run_id``/``phase_id`` are not the path's."""

    def __init__(self, payload: str) -> None:
        super().__init__(f"Path parameters (run_id, phase_id) must match {payload} payload")


class PhaseNotAtGate(Conflict):
    """An auditor's approve or revise of a phase that is not waiting at GATE."""

    def __init__(self, phase_id: str, state: str, recommendation: str) -> None:
        super().__init__(f"Phase {phase_id} is {state}: an auditor's {recommendation} needs it at GATE")
