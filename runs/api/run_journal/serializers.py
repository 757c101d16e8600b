"""OpenAPI shapes of run-journal-v0 (the event schema itself is runs.journal.schema's ``Event``)."""

from typing import Annotated

from pydantic import Field, RootModel
from rest_framework import serializers

from core.fields import StrictCharField
from runs.journal.schema import Event

BATCH_LIMIT = 500


class EventBatch(RootModel[Annotated[list[Event], Field(min_length=1, max_length=BATCH_LIMIT)]]):
    """``POST /v1/events/batch``: 1 to 500 events (``{"events": [...]}`` is accepted too)."""


class AcceptedOutput(serializers.Serializer):
    status = StrictCharField()
    event_id = StrictCharField()
    integrity_warning = serializers.BooleanField()


class BatchAcceptedOutput(serializers.Serializer):
    status = StrictCharField()
    accepted = serializers.IntegerField()
    events = AcceptedOutput(many=True)


class StoredEventOutput(serializers.Serializer):
    id = StrictCharField()
    timestamp = StrictCharField()
    run_id = StrictCharField()
    payload = serializers.JSONField()
    integrity_warning = serializers.BooleanField()


class RunEventsOutput(serializers.Serializer):
    run_id = StrictCharField()
    event_count = serializers.IntegerField()
    events = StoredEventOutput(many=True)


class PendingContextOutput(serializers.Serializer):
    event_id = StrictCharField()
    requested_by = StrictCharField(allow_null=True)
    requested_at = StrictCharField()
    reason = StrictCharField(allow_null=True)


class RunStatusOutput(serializers.Serializer):
    run_id = StrictCharField()
    status = serializers.ChoiceField(
        choices=["running", "paused", "approved", "rejected", "stopped", "expired", "completed"]
    )
    pending_approval = PendingContextOutput(allow_null=True)


class JournalOutput(serializers.Serializer):
    run_id = StrictCharField()
    entry_count = serializers.IntegerField()
    entries = serializers.ListField(child=serializers.JSONField())


class VerifyOutput(serializers.Serializer):
    run_id = StrictCharField()
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_break = serializers.JSONField(allow_null=True)
    projection_ok = serializers.BooleanField()
