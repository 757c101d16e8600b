"""OpenAPI shapes of run-journal-v0 (the event schema itself is runs.journal.event_schema's ``Event``)."""

from typing import Annotated

from pydantic import Field, RootModel
from rest_framework import serializers

from runs.journal.event_schema import Event

BATCH_LIMIT = 500


class EventBatch(RootModel[Annotated[list[Event], Field(min_length=1, max_length=BATCH_LIMIT)]]):
    """``POST /v1/events/batch``: 1 to 500 events (``{"events": [...]}`` is accepted too)."""


class AcceptedOutput(serializers.Serializer):
    status = serializers.CharField()
    event_id = serializers.CharField()
    integrity_warning = serializers.BooleanField()


class BatchAcceptedOutput(serializers.Serializer):
    status = serializers.CharField()
    accepted = serializers.IntegerField()
    events = AcceptedOutput(many=True)


class StoredEventOutput(serializers.Serializer):
    id = serializers.CharField()
    timestamp = serializers.CharField()
    run_id = serializers.CharField()
    payload = serializers.JSONField()
    integrity_warning = serializers.BooleanField()


class RunEventsOutput(serializers.Serializer):
    run_id = serializers.CharField()
    event_count = serializers.IntegerField()
    events = StoredEventOutput(many=True)


class PendingContextOutput(serializers.Serializer):
    event_id = serializers.CharField()
    requested_by = serializers.CharField(allow_null=True)
    requested_at = serializers.CharField()
    reason = serializers.CharField(allow_null=True)


class RunStatusOutput(serializers.Serializer):
    run_id = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["running", "paused", "approved", "rejected", "stopped", "expired", "completed"]
    )
    pending_approval = PendingContextOutput(allow_null=True)


class JournalOutput(serializers.Serializer):
    run_id = serializers.CharField()
    entry_count = serializers.IntegerField()
    entries = serializers.ListField(child=serializers.JSONField())


class VerifyOutput(serializers.Serializer):
    run_id = serializers.CharField()
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_break = serializers.JSONField(allow_null=True)
    projection_ok = serializers.BooleanField()
