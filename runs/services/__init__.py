"""runs' writes; import from here.

The public write path of the runs app for the apps above it and for runs' own API and pages:
appending to a run's journal, starting and cancelling runs, writing workflows, publishing and
installing workflow templates. The code lives in the modules named below; reads are
``runs.selectors``.
"""

from runs.engine.cancel import run_cancel
from runs.engine.launch import Launch, request_fingerprint, run_replay, run_start
from runs.engine.launch_gate import GateRequest
from runs.journal.append import journal_append, journal_now, lock_run
from runs.run_event import RunEventLaunch, run_event_launch
from runs.workflow_templates import template_install, template_publish
from runs.workflows import workflow_create, workflow_delete, workflow_replace

__all__ = [
    "GateRequest",
    "Launch",
    "RunEventLaunch",
    "journal_append",
    "journal_now",
    "lock_run",
    "request_fingerprint",
    "run_cancel",
    "run_event_launch",
    "run_replay",
    "run_start",
    "template_install",
    "template_publish",
    "workflow_create",
    "workflow_delete",
    "workflow_replace",
]
