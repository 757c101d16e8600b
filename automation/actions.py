"""What each action type does, and what it would do (dry runs). Strings in an action's config are
templates over ``trigger`` (the execution's trigger data), ``rule`` and ``execution``.

Each executor returns a short result for the execution's log or raises ``ActionFailed``; the
launch path (``workflow_execution``) goes through ``run_start``, so the policy gate applies, and
``webhook_call`` through the engine's http client and egress guard.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from automation.rule_validation import ACTIONS
from automation.webhook_secrets import (
    SEALED,
    WEBHOOK,
    SecretsUnreadable,
    carries_credentials,
    webhook_credentials,
)
from core.errors import DomainError
from core.ids import new_ulid
from core.json_values import storable
from governance.errors import CredentialNotFound
from runs.engine.egress import EgressRefused
from runs.engine.http_client import HttpCallFailed, http_call
from runs.engine.origins import credentials_origin_problem
from runs.engine.rendering import TemplateRenderError, mask_secrets, render
from runs.journal.event_schema import event_parse, event_payload, utc_z

AUTOMATION_WORKFLOW = "automation"  # meta.workflow of events rules write: rules never fire on them


class ActionFailed(Exception):
    pass


@dataclass(frozen=True)
class ActionContext:
    rule: Any  # AutomationRule
    execution: Any  # AutomationExecution

    def templates(self) -> dict:
        return {
            "trigger": self.execution.trigger_data or {},
            "rule": {"id": str(self.rule.rule_id), "name": self.rule.name},
            "execution": {"id": str(self.execution.execution_id)},
        }


def action_config(action: dict, context: ActionContext):
    """The action's validated config with its templates rendered. A webhook's credentials are
    opened here, after rendering: a secret is sent as it was given, never read as a template, and
    only to the origin its saved URL names (``ActionFailed`` if the rendered URL left it)."""
    config = action["config"]
    auth = config.get("authentication") if action["type"] == WEBHOOK else None
    if isinstance(auth, dict):
        shown = {k: v for k, v in auth.items() if k not in (SEALED, "credentials")}
        config = {**config, "authentication": shown}
    try:
        rendered = render(config, context.templates())
    except TemplateRenderError as exc:
        raise ActionFailed(exc.message) from None
    if isinstance(auth, dict):
        rendered["authentication"]["credentials"] = _credentials(auth, context)
    validated = ACTIONS[action["type"]].model_validate(rendered)
    if isinstance(auth, dict) and carries_credentials(auth):
        problem = credentials_origin_problem(saved=str(config.get("url") or ""), sent=str(validated.url))
        if problem:
            raise ActionFailed(f"Credentials not sent: {problem}")
    return validated


def _credentials(auth: dict, context: ActionContext) -> dict[str, str]:
    try:
        return webhook_credentials(auth, tenant=context.rule.tenant)
    except CredentialNotFound:
        raise ActionFailed(f"Credential not found: {auth.get('credential_name')}") from None
    except SecretsUnreadable:
        raise ActionFailed(
            "The webhook's credentials open with none of the configured encryption keys: enter them again"
        ) from None


def action_describe(action: dict) -> str:
    """What a dry run reports for one action (templates not rendered: nothing is evaluated twice)."""
    config = action["config"]
    return {
        "workflow_execution": lambda: f"Would start workflow {config.get('workflow_id')}",
        "webhook_call": lambda: f"Would call {config.get('method', 'POST')} {config.get('url')}",
        "email_notification": lambda: (
            f"Would e-mail {', '.join(config.get('to') or [])}: {config.get('subject')}"
        ),
        "request_approval": lambda: f"Would request an approval: {config.get('title')}",
        "append_event": lambda: (
            f"Would append an event of type {config.get('type', 'action')} to run {config.get('run_id')}"
        ),
    }[action["type"]]()


def _workflow_execution(config, context: ActionContext) -> dict:
    from runs.models import Workflow
    from runs.services import GateRequest, run_start

    workflow = Workflow.objects.filter(tenant=context.rule.tenant, pk=config.workflow_id).first()
    if workflow is None:
        raise ActionFailed(f"Workflow not found: {config.workflow_id}")
    if not workflow.enabled:
        raise ActionFailed(f"Workflow is disabled: {workflow.name}")
    try:
        launch = run_start(
            tenant=context.rule.tenant,
            user=context.rule.created_by,
            workflow=workflow,
            input=storable(config.input),  # rendered: a template may make a NUL
            gate=GateRequest(
                risk_level=config.risk_level, title=f"Rule '{context.rule.name}': {workflow.name}"
            ),
        )
    except DomainError as exc:  # the policy gate, an invalid graph
        raise ActionFailed(exc.message) from None
    return {"message": f"Started run {launch.run.run_id}", "run_id": launch.run.run_id}


def _auth_headers(auth) -> tuple[dict[str, str], list[str]]:
    """The headers ``auth`` adds, and every secret they carry (to mask wherever a message goes)."""
    if auth is None or auth.type == "none":
        return {}, []
    creds = auth.credentials or {}
    if auth.type == "bearer":
        value = f"Bearer {creds.get('token', '')}"
        return {"Authorization": value}, [creds.get("token", ""), value]
    if auth.type == "basic":
        pair = base64.b64encode(f"{creds.get('username', '')}:{creds.get('password', '')}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}, [creds.get("password", ""), pair]
    return {creds.get("header", "X-API-Key"): creds.get("key", "")}, [creds.get("key", "")]


def _webhook_call(config, context: ActionContext) -> dict:
    added, secrets = _auth_headers(config.authentication)
    headers = {**(config.headers or {}), **added}
    body = config.body
    try:
        result = http_call(
            method=config.method,
            url=str(config.url),
            headers=headers,
            secret_headers=list(added),  # never sent on to another origin by a redirect
            content=body if isinstance(body, str) else None,
            json_body=None if body is None or isinstance(body, str) else body,
            timeout_seconds=config.timeout_seconds,
            retry_attempts=config.retry_attempts,
        )
    except (HttpCallFailed, EgressRefused) as exc:
        raise ActionFailed(mask_secrets(str(exc), secrets)) from None
    except Exception as exc:  # whatever it says may quote a header: mask it, keep no traceback
        raise ActionFailed(mask_secrets(f"{type(exc).__name__}: {exc}", secrets)) from None
    if result.status >= 400:
        raise ActionFailed(f"{config.method} {config.url} answered {result.status}")
    return {"message": f"{config.method} {config.url} answered {result.status}", "status": result.status}


def _email_notification(config, context: ActionContext) -> dict:
    message = EmailMultiAlternatives(
        subject=config.subject,
        body="" if config.is_html else config.body,
        to=config.to,
        cc=config.cc or None,
        bcc=config.bcc or None,
    )
    if config.is_html:
        message.attach_alternative(config.body, "text/html")
    try:
        message.send()
    except Exception as exc:  # SMTP and socket errors alike: the action failed, the worker did not
        raise ActionFailed(f"E-mail not sent: {exc}") from None
    return {"message": f"E-mailed {', '.join(config.to)}"}


def _journal_event(
    *, run_id: str, type: str, title: str, details: str, context: ActionContext, **extra
) -> dict:
    event = {
        "id": f"evt_{new_ulid()}",
        "run_id": run_id,
        "timestamp": utc_z(timezone.now()),
        "type": type,
        "actor": "system",
        "title": title,
        "details": details or title,
        "approval": {"status": "not_required"},
        "meta": {"workflow": AUTOMATION_WORKFLOW, "step": f"rule_{context.rule.rule_id}"},
        **extra,
    }
    # Rendered templates may make a NUL or a lone surrogate (``{{ "\\x00" }}``): stored as U+FFFD.
    return event_payload(event_parse(storable(event)))


def _request_approval(config, context: ActionContext) -> dict:
    from runs.services import journal_append

    run_id = f"automation_{context.execution.execution_id}"
    expires = None
    if config.expires_in_minutes:
        expires = utc_z(timezone.now() + timezone.timedelta(minutes=config.expires_in_minutes))
    payload = _journal_event(
        run_id=run_id,
        type="approval_requested",
        title=config.title,
        details=config.reason,
        context=context,
        risk_level=config.risk_level,
        requires_approval=True,
        approval={"status": "pending", "requested_by": f"rule:{context.rule.name}"[:200]},
    )
    if expires:
        payload["meta"]["expires_at"] = expires
    journal_append(tenant=context.rule.tenant, payloads=[payload], context={"kind": "automation"})
    return {"message": f"Requested approval {payload['id']} in run {run_id}", "approval_id": payload["id"]}


def _append_event(config, context: ActionContext) -> dict:
    from runs.services import journal_append

    payload = _journal_event(
        run_id=config.run_id, type=config.type, title=config.title, details=config.details, context=context
    )
    try:
        journal_append(tenant=context.rule.tenant, payloads=[payload], external=True)
    except DomainError as exc:
        raise ActionFailed(exc.message) from None
    return {"message": f"Appended {payload['id']} to run {config.run_id}", "event_id": payload["id"]}


EXECUTORS = {
    "workflow_execution": _workflow_execution,
    "webhook_call": _webhook_call,
    "email_notification": _email_notification,
    "request_approval": _request_approval,
    "append_event": _append_event,
}


def action_execute(action: dict, context: ActionContext) -> dict:
    """Runs one action; raises ``ActionFailed`` with a message for the log."""
    config = action_config(action, context)
    return EXECUTORS[action["type"]](config, context)
