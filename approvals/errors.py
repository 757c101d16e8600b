"""Approval errors with the run-journal-v0 contract's codes and texts."""

from core.errors import Conflict, ErrorDetail, Forbidden, Invalid, NotFound


class ApprovalRequestInvalid(Invalid):
    default_code = "REQUEST_VALIDATION_ERROR"
    default_message = "Approval request payload failed validation"


class ApprovalNotFound(NotFound):
    default_code = "APPROVAL_NOT_FOUND"
    default_message = "Approval target not found"

    def __init__(self, event_id: str):
        detail = ErrorDetail(
            "event_id", f"Approval target event '{event_id}' was not found", "not_found", "APPROVAL_NOT_FOUND"
        )
        super().__init__(details=[detail])


class AmbiguousEventId(Conflict):
    default_code = "AMBIGUOUS_EVENT_ID"
    default_message = "Event ID maps to multiple runs"

    def __init__(self, event_id: str):
        detail = ErrorDetail(
            "event_id",
            f"Event ID '{event_id}' exists in multiple runs",
            "state_conflict",
            "AMBIGUOUS_EVENT_ID",
        )
        super().__init__(details=[detail])


class NoPendingApproval(Conflict):
    default_code = "NO_PENDING_APPROVAL"
    default_message = "No pending approval for target event"

    def __init__(self, event_id: str):
        detail = ErrorDetail(
            "event_id",
            f"Event '{event_id}' is not the currently pending approval",
            "state_conflict",
            "NO_PENDING_APPROVAL",
        )
        super().__init__(details=[detail])


class DuplicateApproval(Conflict):
    default_code = "DUPLICATE_APPROVAL"
    default_message = "Approval already resolved"

    def __init__(self, event_id: str):
        detail = ErrorDetail(
            "event_id",
            f"Approval for event '{event_id}' has already been resolved",
            "state_conflict",
            "DUPLICATE_APPROVAL",
        )
        super().__init__(details=[detail])


class ApproverMismatch(Forbidden):
    default_code = "APPROVER_MISMATCH"
    default_message = "approver_id must be your own username when you sign in as a person"
