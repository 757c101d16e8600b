from rest_framework import serializers

from core.fields import StrictCharField


class WorkerOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=["running", "stopped", "unknown"])
    clusters = serializers.IntegerField()
    queued = serializers.IntegerField(allow_null=True)


class HealthOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["healthy", "degraded", "unhealthy"])
    timestamp = serializers.DateTimeField()
    database_identity = StrictCharField()
    database = StrictCharField()
    qdrant = StrictCharField()
    kill_switches = serializers.DictField(child=serializers.BooleanField())
    version = StrictCharField()
    service = StrictCharField()
    component = StrictCharField()
    worker = WorkerOutput(help_text="The django-q2 cluster (our addition).")
