"""run-journal-v0 errors, with the contract's codes, messages and detail entries."""

from core.errors import Conflict, ErrorDetail, Forbidden, Invalid, NotFound, SingleDetailError, StorageError


class EventInvalid(Invalid):
    default_code = "SCHEMA_VALIDATION_ERROR"
    default_message = "Event payload failed schema validation"


class DuplicateEventId(SingleDetailError, Conflict):
    default_code = "DUPLICATE_EVENT_ID"
    default_message = "Event ID already exists for this run"
    detail_path, detail_type = "event_id", "duplicate_event"
    detail_message = "Event ID '{event_id}' already exists for run '{run_id}'"


class StorageWriteError(SingleDetailError, StorageError):
    default_code = "STORAGE_WRITE_ERROR"
    default_message = "Failed to persist event"
    detail_path, detail_type, detail_code = "storage", "storage_failure", "STORAGE_APPEND_FAILED"
    detail_message = "storage backend append failed"


class StorageReadError(SingleDetailError, StorageError):
    default_code = "STORAGE_READ_ERROR"
    default_message = "Failed to load events"
    detail_path, detail_type, detail_code = "storage", "storage_failure", "STORAGE_READ_FAILED"
    detail_message = "storage backend read failed"


class RunNotFound(SingleDetailError, NotFound):
    default_code = "RUN_NOT_FOUND"
    default_message = "Run not found"
    detail_path, detail_type = "run_id", "not_found"
    detail_message = "No events found for run '{run_id}'"


class RunManagedByEngine(SingleDetailError, Conflict):
    default_code = "RUN_MANAGED_BY_ENGINE"
    default_message = "Run is executed by the workflow engine; its journal cannot be written directly"
    detail_path, detail_type = "run_id", "state_conflict"
    detail_message = (
        "Run '{run_id}' is a workflow run: decide its approvals through /v1/approvals/{{event_id}}"
    )


class InconsistentRunState(Conflict):
    default_code = "INCONSISTENT_RUN_STATE"
    default_message = "Run events contain inconsistent approval state"

    def __init__(self, inconsistency: dict):
        super().__init__(details=[ErrorDetail(**inconsistency)])


class WorkflowNotFound(NotFound):
    default_message = "Workflow not found"


class GraphInvalid(Invalid):
    default_message = "Invalid workflow graph"


class CategoryForbidden(Forbidden):
    default_message = "Your teams may not use this workflow category"
