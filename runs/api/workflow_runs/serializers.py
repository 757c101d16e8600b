from rest_framework import serializers

from core.fields import StrictBooleanField, StrictCharField
from core.json_values import non_finite_problems
from core.schema import JSONObjectField
from runs.models import Workflow


class WorkflowInput(serializers.Serializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="")
    category = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=StrictCharField(max_length=100), required=False, default=list)
    targets = serializers.ListField(child=StrictCharField(max_length=200), required=False, default=list)
    graph = JSONObjectField(help_text="{nodes, edges}: the @automateos/workflow-schema shape.")

    def validate_graph(self, graph):
        problems = non_finite_problems(graph, "graph")  # text: the JSON parser's check
        if problems:
            raise serializers.ValidationError(problems)
        return graph


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
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    description = StrictCharField(required=False, allow_blank=True, default="")


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


class RunStartInput(serializers.Serializer):
    graph = JSONObjectField(required=False, help_text="An inline graph; or give workflowId.")
    workflowId = serializers.UUIDField(required=False)
    input = serializers.DictField(required=False, default=dict)
    # Policy gate (additive): counted only as docs/decisions.md says.
    riskLevel = serializers.ChoiceField(choices=["low", "medium", "high", "critical"], required=False)
    humanApproved = StrictBooleanField(required=False, help_text="Honoured with approvals:resolve only.")
    approvalId = StrictCharField(required=False, max_length=200, help_text="An approved Approval's id.")

    def validate(self, attrs):
        if ("graph" in attrs) == ("workflowId" in attrs):
            raise serializers.ValidationError("Provide either graph or workflowId, not both")
        graph, data = attrs.get("graph"), attrs["input"]
        problems = non_finite_problems(graph, "graph") + non_finite_problems(data, "input")
        if problems:
            raise serializers.ValidationError(problems)
        return attrs

    def fingerprint_data(self) -> dict:
        """What makes two requests the same, for Idempotency-Key (defaults filled in)."""
        data = self.validated_data
        workflow_id = data.get("workflowId")
        return {
            "graph": data.get("graph"),
            "workflowId": workflow_id and str(workflow_id),
            "input": data["input"],
            **{name: data[name] for name in ("riskLevel", "humanApproved", "approvalId") if name in data},
        }


class RunAcceptedOutput(serializers.Serializer):
    runId = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued"])


class RunLogOutput(serializers.Serializer):
    ts = serializers.CharField()
    level = serializers.ChoiceField(choices=["info", "error"])
    msg = serializers.CharField()
    nodeId = serializers.CharField(allow_null=True)


class RunStepOutput(serializers.Serializer):
    id = serializers.CharField()
    nodeId = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["pending", "running", "waiting", "succeeded", "failed", "skipped"]
    )
    durationMs = serializers.IntegerField(allow_null=True)


class RunWaitingOutput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=["approval", "delay"])
    nodeId = serializers.CharField(allow_null=True)
    approvalEventId = serializers.CharField(allow_null=True)
    until = serializers.CharField(allow_null=True)


class RunOutput(serializers.Serializer):
    """The contract's run, plus our additive fields (``waiting``, ``workflowId``, ...)."""

    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "succeeded", "failed"])
    createdAt = serializers.CharField()
    finishedAt = serializers.CharField(allow_null=True)
    logs = RunLogOutput(many=True)
    steps = RunStepOutput(many=True)
    waiting = RunWaitingOutput(allow_null=True)
    error = serializers.CharField(allow_null=True)
    workflowId = serializers.UUIDField(allow_null=True)
    workflowVersion = serializers.IntegerField(allow_null=True)
    input = serializers.DictField()
    automation_policy = serializers.DictField(
        allow_null=True, help_text="The policy gate's decision (xyOps names)."
    )
    logsTruncated = serializers.BooleanField()
