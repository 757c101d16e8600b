"""run-journal-v0 errors, with the contract's codes, messages and detail entries."""

from core.errors import Conflict, ErrorDetail, Invalid, NotFound, StorageError


class EventInvalid(Invalid):
    default_code = "SCHEMA_VALIDATION_ERROR"
    default_message = "Event payload failed schema validation"


class DuplicateEventId(Conflict):
    default_code = "DUPLICATE_EVENT_ID"
    default_message = "Event ID already exists for this run"

    def __init__(self, event_id: str, run_id: str, path: str = "event_id"):
        detail = ErrorDetail(
            path,
            f"Event ID '{event_id}' already exists for run '{run_id}'",
            "duplicate_event",
            "DUPLICATE_EVENT_ID",
        )
        super().__init__(details=[detail])


class StorageWriteError(StorageError):
    default_code = "STORAGE_WRITE_ERROR"
    default_message = "Failed to persist event"

    def __init__(self):
        detail = ErrorDetail(
            "storage", "storage backend append failed", "storage_failure", "STORAGE_APPEND_FAILED"
        )
        super().__init__(details=[detail])


class StorageReadError(StorageError):
    default_code = "STORAGE_READ_ERROR"
    default_message = "Failed to load events"

    def __init__(self):
        detail = ErrorDetail(
            "storage", "storage backend read failed", "storage_failure", "STORAGE_READ_FAILED"
        )
        super().__init__(details=[detail])


class RunNotFound(NotFound):
    default_code = "RUN_NOT_FOUND"
    default_message = "Run not found"

    def __init__(self, run_id: str):
        detail = ErrorDetail("run_id", f"No events found for run '{run_id}'", "not_found", "RUN_NOT_FOUND")
        super().__init__(details=[detail])


class InconsistentRunState(Conflict):
    default_code = "INCONSISTENT_RUN_STATE"
    default_message = "Run events contain inconsistent approval state"

    def __init__(self, inconsistency: dict):
        super().__init__(details=[ErrorDetail(**inconsistency)])
