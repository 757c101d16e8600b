"""Workflows: their writes and their list, scoped by tenant and by the caller's category privileges
(one workflow by id: ``runs.selectors.workflow_get``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import QuerySet

from core.errors import ErrorDetail
from runs.engine.graph import graph_problems
from runs.errors import CategoryForbidden, GraphInvalid
from runs.models import Workflow, WorkflowVersion
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _check(definition: dict[str, Any], categories: frozenset[str] | None) -> None:
    problems = graph_problems(definition["graph"])
    if problems:
        raise GraphInvalid(details=[ErrorDetail("", problem) for problem in problems])
    if categories is not None and definition.get("category", "") not in categories:
        raise CategoryForbidden()


@transaction.atomic
def workflow_create(
    *,
    tenant: Tenant,
    definition: dict[str, Any],
    user: User | None = None,
    categories: frozenset[str] | None = None,
) -> Workflow:
    """A new workflow at version 1. Raises ``GraphInvalid`` (every problem) or ``CategoryForbidden``."""
    _check(definition, categories)
    workflow = Workflow.objects.create(tenant=tenant, created_by=user, version=1, **definition)
    WorkflowVersion.objects.create(workflow=workflow, version=1, created_by=user, **definition)
    return workflow


@transaction.atomic
def workflow_replace(
    *,
    workflow: Workflow,
    definition: dict[str, Any],
    user: User | None = None,
    categories: frozenset[str] | None = None,
) -> Workflow:
    """PUT: the whole definition replaced, the version bumped, the previous one kept."""
    _check(definition, categories)
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    for field in Workflow.definition_fields():
        setattr(locked, field, definition[field])
    locked.version += 1
    locked.save()
    WorkflowVersion.objects.create(workflow=locked, version=locked.version, created_by=user, **definition)
    return locked


def workflow_delete(*, workflow: Workflow) -> None:
    workflow.delete()


def workflow_list(
    *,
    tenant: Tenant,
    categories: frozenset[str] | None = None,
    name: str = "",
    tag: str = "",
    category: str = "",
) -> QuerySet[Workflow]:
    workflows = Workflow.objects.filter(tenant=tenant).defer("graph")
    if categories is not None:
        workflows = workflows.filter(category__in=categories)
    if name:
        workflows = workflows.filter(name__icontains=name)
    if category:
        workflows = workflows.filter(category=category)
    if tag:
        workflows = _with_tag(workflows, tag)
    return workflows.order_by("name", "id")


def _with_tag(workflows: QuerySet[Workflow], tag: str) -> QuerySet[Workflow]:
    if connection.features.supports_json_field_contains:
        return workflows.filter(tags__contains=[tag])
    # SQLite has no JSON containment: pick the ids here (its deployments are small).
    ids = [pk for pk, tags in workflows.values_list("pk", "tags") if tag in (tags or [])]
    return workflows.filter(pk__in=ids)
