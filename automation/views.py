"""Portal pages for automation: rules, a rule's page with Dry run / Run now, and executions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from automation.executions import manual_execute
from automation.models import AutomationExecution, AutomationRule, ExecutionStatus
from automation.rule_validation import ManualExecution
from automation.selectors import rule_execution_list, rule_list_by_name
from automation.webhook_secrets import actions_public
from core.errors import DomainError
from core.input_hygiene import json_text_problems
from tenancy.portal import portal_page

RULES_PAGE_SIZE = 50
EXECUTIONS_PAGE_SIZE = 20
TRIGGER_DATA_MAX = 64 * 1024


@require_GET
@portal_page("automation:read")
def rules_page(request):
    rules = rule_list_by_name(tenant=request.portal.tenant)
    page = Paginator(rules, RULES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/rules.html", {"nav": "automation", "page_obj": page})


@require_GET
@portal_page("automation:read")
def rule_page(request, rule_id):
    rule = get_object_or_404(AutomationRule, tenant=request.portal.tenant, pk=rule_id)
    page = Paginator(rule_execution_list(rule=rule), EXECUTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "automation",
        "rule": rule,
        "actions": actions_public(rule.actions),
        "page_obj": page,
        "can_execute": request.portal.can("automation:execute"),
    }
    return render(request, "portal/rule.html", context)


def _trigger_data(raw: str) -> tuple[dict | None, str | None]:
    if not raw.strip():
        return {}, None
    if len(raw) > TRIGGER_DATA_MAX:
        return None, f"Trigger data is limited to {TRIGGER_DATA_MAX // 1024} KiB."
    try:
        data = json.loads(raw)
    except ValueError as exc:
        return None, f"Trigger data is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
    except RecursionError:
        return None, "Trigger data is nested too deeply."
    if not isinstance(data, dict):
        return None, 'Trigger data must be a JSON object, like {"ticket": {"priority": "high"}}.'
    problems = json_text_problems(data)  # ``\u0000`` is a NUL only now: the middleware saw text
    if problems:
        return None, f"Trigger data cannot be stored: {'; '.join(map(str, problems))}."
    return data, None


@require_POST
@portal_page("automation:execute")
def rule_execute(request, rule_id):
    """``mode=dry_run`` logs what each action would do and writes nothing else; ``mode=run`` queues a
    real execution for the worker. Both land on the execution's page."""
    rule = get_object_or_404(AutomationRule, tenant=request.portal.tenant, pk=rule_id)
    dry_run = request.POST.get("mode") != "run"
    data, problem = _trigger_data(request.POST.get("trigger_data", ""))
    if problem:
        messages.error(request, problem)
        return redirect("portal:rule", rule_id=rule.pk)
    execution_input = ManualExecution(automation_rule_id=str(rule.pk), execution_data=data, dry_run=dry_run)
    try:
        execution, _ = manual_execute(
            rule=rule,
            execution_input=execution_input,
            user=request.user,
            inactive_dry_runs=True,
        )
    except DomainError as exc:
        messages.error(request, f"Not executed: {exc.message}.")
        return redirect("portal:rule", rule_id=rule.pk)
    if dry_run and execution.status == ExecutionStatus.FAILED:
        messages.error(request, f"The dry run failed: {execution.error_message}")
    elif dry_run:
        messages.info(request, "Dry run: this is what a real execution would do. Nothing was executed.")
    else:
        messages.success(request, "Execution queued; the worker runs it now.")
    return redirect("portal:execution", execution_id=execution.pk)


@require_GET
@portal_page("automation:read")
def execution_page(request, execution_id):
    execution = get_object_or_404(
        AutomationExecution.objects.select_related("rule"), tenant=request.portal.tenant, pk=execution_id
    )
    return render(request, "portal/execution.html", {"nav": "automation", "execution": execution})
