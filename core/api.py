"""Base API views: each contract's views inherit its envelope and declare scopes per method.

A view says, per HTTP method, which scopes it needs (``required_scopes``); a method it does not
list is refused (tenancy.permissions.ScopePermission). ``public_methods`` are served to anonymous
callers (login, JWKS); ``public_read_methods`` only when ``OPSGATE_PUBLIC_READ=1`` (the contracts'
"Auth: None" reads). ``tenant_required=False`` lets an authenticated user without a tenant in.
"""

from __future__ import annotations

from typing import ClassVar

from rest_framework.views import APIView

from core.envelopes import automation_rules, operator_api, run_event, run_journal, workflow_runs


class ContractApi(APIView):
    envelope: ClassVar = operator_api
    required_scopes: ClassVar[dict[str, tuple[str, ...]]] = {}
    public_methods: ClassVar[frozenset[str]] = frozenset()
    public_read_methods: ClassVar[frozenset[str]] = frozenset()
    tenant_required: ClassVar[bool] = True

    def get_exception_handler(self):
        return self.envelope.exception_handler


class OperatorApi(ContractApi):
    envelope = operator_api


class RunJournalApi(ContractApi):
    envelope = run_journal


class WorkflowRunsApi(ContractApi):
    envelope = workflow_runs


class RunEventApi(ContractApi):
    envelope = run_event


class AutomationRulesApi(ContractApi):
    envelope = automation_rules
    foreign_tenant_unauthenticated = True  # the origin answers a foreign x-tenant-id with 401
