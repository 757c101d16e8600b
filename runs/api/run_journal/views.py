"""run-journal-v0: ingest and read a run's journal."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from pydantic import ValidationError
from rest_framework.response import Response

from core.api import RunJournalApi
from core.errors import ErrorDetail, Forbidden
from runs.api.run_journal import serializers as s
from runs.errors import EventInvalid
from runs.journal.entries import journal_entry
from runs.journal.event_schema import Event, event_parse, event_payload, validation_details
from runs.journal.projection import is_resolution_signal
from runs.journal.verify import journal_verify
from runs.selectors import reads_storage, run_events, run_status, run_with_journal
from runs.services import journal_append

BATCH_LIMIT = s.BATCH_LIMIT


def _refuse_decisions_without_resolve_scope(request, payloads: list[dict]) -> None:
    """An event that decides an approval is a decision: it needs ``approvals:resolve`` as well."""
    if "approvals:resolve" not in request.auth.scopes and any(is_resolution_signal(p) for p in payloads):
        raise Forbidden("Posting an approval decision needs the approvals:resolve scope")


def _accepted(event) -> dict:
    return {"status": "accepted", "event_id": event.event_id, "integrity_warning": event.integrity_warning}


class EventIngestApi(RunJournalApi):
    required_scopes = {"POST": ("runs:report",)}

    @extend_schema(request=Event, responses={201: s.AcceptedOutput}, tags=["run-journal"])
    def post(self, request):
        try:
            payload = event_payload(event_parse(request.data))
        except ValidationError as exc:
            raise EventInvalid(details=validation_details(exc)) from None
        _refuse_decisions_without_resolve_scope(request, [payload])
        [event] = journal_append(tenant=request.auth.tenant, payloads=[payload], external=True)
        return Response(_accepted(event), status=201)


class EventBatchApi(RunJournalApi):
    """Our addition: up to 500 events, validated together, appended in one transaction."""

    required_scopes = {"POST": ("runs:report",)}

    @extend_schema(request=s.EventBatch, responses={201: s.BatchAcceptedOutput}, tags=["run-journal"])
    def post(self, request):
        items = request.data.get("events") if isinstance(request.data, dict) else request.data
        if not isinstance(items, list) or not 1 <= len(items) <= BATCH_LIMIT:
            raise EventInvalid(
                details=[
                    ErrorDetail(
                        "events",
                        f"must be a list of 1 to {BATCH_LIMIT} events",
                        "batch_size",
                        "INVALID_BATCH_SIZE",
                    )
                ]
            )
        payloads, problems = [], []
        for index, item in enumerate(items):
            try:
                payloads.append(event_payload(event_parse(item)))
            except ValidationError as exc:
                problems.extend(validation_details(exc, prefix=f"{index}."))
        if problems:
            raise EventInvalid(details=problems)
        _refuse_decisions_without_resolve_scope(request, payloads)
        events = journal_append(tenant=request.auth.tenant, payloads=payloads, external=True)
        return Response(
            {"status": "accepted", "accepted": len(events), "events": [_accepted(e) for e in events]},
            status=201,
        )


class RunEventsApi(RunJournalApi):
    required_scopes = {"GET": ("runs:read",)}

    @extend_schema(responses={200: s.RunEventsOutput}, tags=["run-journal"])
    def get(self, request, run_id):
        events = run_events(tenant=request.auth.tenant, run_id=run_id)
        body = [
            {
                "id": e.event_id,
                "timestamp": e.payload["timestamp"],
                "run_id": run_id,
                "payload": e.payload,
                "integrity_warning": e.integrity_warning,
            }
            for e in events
        ]
        return Response({"run_id": run_id, "event_count": len(body), "events": body})


class RunStatusApi(RunJournalApi):
    required_scopes = {"GET": ("runs:read",)}

    @extend_schema(responses={200: s.RunStatusOutput}, tags=["run-journal"])
    def get(self, request, run_id):
        return Response(run_status(tenant=request.auth.tenant, run_id=run_id))


class RunJournalEntriesApi(RunJournalApi):
    required_scopes = {"GET": ("runs:read",)}

    @extend_schema(responses={200: s.JournalOutput}, tags=["run-journal"])
    def get(self, request, run_id):
        run = run_with_journal(tenant=request.auth.tenant, run_id=run_id)
        events = run_events(tenant=request.auth.tenant, run_id=run_id)
        entries = [journal_entry(i, run.run_id, e) for i, e in enumerate(events, 1)]
        return Response({"run_id": run.run_id, "entry_count": len(entries), "entries": entries})


class RunVerifyApi(RunJournalApi):
    """Our addition: the hash chain and projection recomputed, as ``manage.py verify_journal``."""

    required_scopes = {"GET": ("runs:read",)}

    @extend_schema(
        responses={200: s.VerifyOutput, 404: OpenApiResponse(description="RUN_NOT_FOUND")},
        tags=["run-journal"],
    )
    def get(self, request, run_id):
        run = run_with_journal(tenant=request.auth.tenant, run_id=run_id, consistent=False)
        return Response(reads_storage(journal_verify)(run))
