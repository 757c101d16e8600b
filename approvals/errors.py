"""Approval errors with the run-journal-v0 contract's codes and texts."""

from core.errors import Conflict, Forbidden, Invalid, NotFound, SingleDetailError


class ApprovalRequestInvalid(Invalid):
    default_code = "REQUEST_VALIDATION_ERROR"
    default_message = "Approval request payload failed validation"


class ApprovalNotFound(SingleDetailError, NotFound):
    default_code = "APPROVAL_NOT_FOUND"
    default_message = "Approval target not found"
    detail_path, detail_type = "event_id", "not_found"
    detail_message = "Approval target event '{event_id}' was not found"


class AmbiguousEventId(SingleDetailError, Conflict):
    default_code = "AMBIGUOUS_EVENT_ID"
    default_message = "Event ID maps to multiple runs"
    detail_path, detail_type = "event_id", "state_conflict"
    detail_message = "Event ID '{event_id}' exists in multiple runs"


class NoPendingApproval(SingleDetailError, Conflict):
    default_code = "NO_PENDING_APPROVAL"
    default_message = "No pending approval for target event"
    detail_path, detail_type = "event_id", "state_conflict"
    detail_message = "Event '{event_id}' is not the currently pending approval"


class DuplicateApproval(SingleDetailError, Conflict):
    default_code = "DUPLICATE_APPROVAL"
    default_message = "Approval already resolved"
    detail_path, detail_type = "event_id", "state_conflict"
    detail_message = "Approval for event '{event_id}' has already been resolved"


class ApproverMismatch(Forbidden):
    default_code = "APPROVER_MISMATCH"
    default_message = "approver_id must be your own username when you sign in as a person"


class SelfApprovalForbidden(SingleDetailError, Forbidden):
    """The requester may not decide their own request unless the tenant policy allows it."""

    default_code = "SELF_APPROVAL_FORBIDDEN"
    default_message = "You cannot decide your own approval request"
    detail_path, detail_type = "approver_id", "forbidden"
    detail_message = "'{approver}' requested this approval; the tenant policy does not allow self-approval"
