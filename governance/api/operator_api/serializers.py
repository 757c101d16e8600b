from rest_framework import serializers


class WorkerOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=["running", "stopped", "unknown"])
    clusters = serializers.IntegerField()
    queued = serializers.IntegerField(allow_null=True)


class HealthOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["healthy", "degraded", "unhealthy"])
    timestamp = serializers.DateTimeField()
    database_identity = serializers.CharField()
    database = serializers.CharField()
    qdrant = serializers.CharField()
    kill_switches = serializers.DictField(child=serializers.BooleanField())
    version = serializers.CharField()
    service = serializers.CharField()
    component = serializers.CharField()
    worker = WorkerOutput(help_text="The django-q2 cluster (our addition).")
