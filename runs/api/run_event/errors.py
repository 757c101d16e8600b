"""run-event errors with the origin's codes (``api``, ``access``, ``event``) and texts."""

from core.errors import BadRequest, Conflict, Forbidden, NotFound


class ApiParameterError(BadRequest):
    default_code = "api"


class EventCriteriaMissing(BadRequest):
    default_code = "event"
    default_message = "Failed to locate event: No criteria specified"


class EventNotFound(NotFound):
    default_code = "event"


class EventNotRunnable(Conflict):
    """Disabled, or no manual runs: the workflow's state refuses the launch (409)."""

    default_code = "event"


class AccessDenied(Forbidden):
    default_code = "access"


class LaunchFailed(Forbidden):
    """A launch the policy gate refused: the origin's text, HTTP 403 (docs/decisions.md)."""

    default_code = "event"
