"""OpenAPI shapes of run-journal-v0 (the event schema itself is validated by runs.journal.schema)."""

from typing import get_args

from rest_framework import serializers

from runs.journal.schema import Actor, EventType, RiskLevel


class EventInput(serializers.Serializer):
    """The run-journal-v0 event; every field is checked by the journal schema, unknown ones refused."""

    id = serializers.CharField()
    run_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=get_args(EventType))
    actor = serializers.ChoiceField(choices=get_args(Actor))
    title = serializers.CharField()
    details = serializers.CharField()
    confidence = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    risk_level = serializers.ChoiceField(choices=get_args(RiskLevel), required=False, allow_null=True)
    requires_approval = serializers.BooleanField(required=False)
    approval = serializers.JSONField()
    evidence = serializers.ListField(child=serializers.JSONField(), required=False)
    meta = serializers.JSONField(required=False, allow_null=True)


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
