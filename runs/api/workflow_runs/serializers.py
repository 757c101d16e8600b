from rest_framework import serializers

from runs.models import Workflow


class WorkflowInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    targets = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    graph = serializers.JSONField(help_text="{nodes, edges}: the @automateos/workflow-schema shape.")


class WorkflowCreatedOutput(serializers.ModelSerializer):
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Workflow
        fields = ["id", "name", "createdAt", "version"]


class WorkflowSummaryOutput(serializers.ModelSerializer):
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "category",
            "tags",
            "targets",
            "version",
            "createdAt",
            "updatedAt",
        ]


class WorkflowOutput(WorkflowSummaryOutput):
    class Meta(WorkflowSummaryOutput.Meta):
        fields = [*WorkflowSummaryOutput.Meta.fields, "graph"]


class WorkflowExport(serializers.Serializer):
    """The origin's ``WorkflowJson``: ``{nodes, edges, meta: {name, version, exportedAt, description}}``."""

    nodes = serializers.ListField(child=serializers.JSONField())
    edges = serializers.ListField(child=serializers.JSONField())
    meta = serializers.JSONField(required=False)
    metadata = serializers.JSONField(required=False)


class TemplatePublishInput(serializers.Serializer):
    workflowId = serializers.UUIDField()
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class TemplateSummaryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    publisher = serializers.CharField(source="publisher.slug")
    sourceVersion = serializers.IntegerField(source="source_version")
    publishedAt = serializers.DateTimeField(source="published_at")


class TemplateOutput(TemplateSummaryOutput):
    graph = serializers.JSONField()
