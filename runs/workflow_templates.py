"""Workflow templates: publish a workflow for every tenant, install a copy into your own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from core.errors import ErrorDetail, Invalid, NotFound
from governance.crypto import decrypt
from governance.models import Credential
from runs.models import Template, Workflow
from runs.workflows import workflow_create
from tenancy.models import Tenant

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SECRET_HEADERS = {"authorization", "proxy-authorization", "x-api-key", "api-key", "cookie", "x-auth-token"}


class TemplateNotFound(NotFound):
    default_message = "Template not found"


class TemplateCarriesSecrets(Invalid):
    default_code = "TEMPLATE_CARRIES_SECRETS"
    default_message = "A published graph may reference credentials by name only"


def _strings(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


def graph_secret_problems(graph: dict[str, Any], tenant: Tenant) -> list[ErrorDetail]:
    """Where ``graph`` would carry a secret: a stored credential's value anywhere, or a literal
    (not templated) value in an authentication header."""
    secrets = [
        decrypt(token)
        for token in Credential.objects.filter(tenant=tenant).values_list("value_encrypted", flat=True)
    ]
    problems = []
    for path, text in _strings(graph):
        if any(secret and secret in text for secret in secrets):
            problems.append(ErrorDetail(path, "contains the value of a stored credential"))
    for node in graph.get("nodes", []):
        headers = ((node.get("data") or {}).get("config") or {}).get("headers") or {}
        for name, value in headers.items():
            if name.lower() in SECRET_HEADERS and "{{" not in str(value):
                problems.append(
                    ErrorDetail(
                        f"node {node.get('id')}.headers.{name}",
                        "must use {{ credentials.<name> }}, not a literal",
                    )
                )
    return problems


def template_publish(
    *, tenant: Tenant, workflow: Workflow, user: User | None = None, name: str = "", description: str = ""
) -> Template:
    problems = graph_secret_problems(workflow.graph, tenant)
    if problems:
        raise TemplateCarriesSecrets(details=problems)
    return Template.objects.create(
        publisher=tenant,
        source_workflow=workflow,
        source_version=workflow.version,
        name=name or workflow.name,
        description=description or workflow.description,
        category=workflow.category,
        tags=workflow.tags,
        graph=workflow.graph,
        published_by=user,
    )


def template_list() -> QuerySet[Template]:
    """Every published template: they are visible to every tenant."""
    return Template.objects.defer("graph").select_related("publisher").order_by("name", "id")


def template_get(*, template_id: uuid.UUID | str) -> Template:
    template = Template.objects.select_related("publisher").filter(pk=template_id).first()
    if template is None:
        raise TemplateNotFound()
    return template


def template_install(
    *,
    template: Template,
    tenant: Tenant,
    user: User | None = None,
    categories: frozenset[str] | None = None,
) -> Workflow:
    definition = {
        "name": template.name,
        "description": template.description,
        "category": template.category,
        "tags": list(template.tags),
        "targets": [],
        "graph": template.graph,
    }
    return workflow_create(tenant=tenant, definition=definition, user=user, categories=categories)
