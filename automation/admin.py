"""Rules in the Django admin: the trigger, conditions and actions are edited in forms generated
from the API's models (``automation.admin_editor``), and checked by the API's validation (their
text by the JSON check every door shares); each problem shows on its field in words
("actions.0.config.to: Invalid email") and on its box in the editor; saves keep schedules in step.
Webhook secrets show masked (sent back masked, they keep their stored value), and a rule that
failed to evaluate says why."""

from django import forms
from django.contrib import admin
from django.db import models

from automation.admin_editor import RULE_EDITOR_SCHEMAS
from automation.models import AutomationExecution, AutomationRule
from automation.rule_validation import RULE_FIELDS, rule_validate
from automation.services import rule_create, rule_update
from automation.webhook_secrets import actions_public
from core.forms import SchemaJSONWidget, StorableJSONField
from tenancy.admin import TenantScopedAdmin

FIELDS = RULE_FIELDS


class AutomationRuleForm(forms.ModelForm):
    class Meta:
        model = AutomationRule
        fields = ("tenant", *FIELDS)
        field_classes = {
            name: StorableJSONField
            for name in FIELDS
            if isinstance(AutomationRule._meta.get_field(name), models.JSONField)
        }
        widgets = {name: SchemaJSONWidget(schema=schema) for name, schema in RULE_EDITOR_SCHEMAS.items()}

    def clean(self):
        data = super().clean()
        candidate = {name: data.get(name) for name in FIELDS}
        for name in ("description", "template_category"):
            candidate[name] = candidate[name] or None
        stored = AutomationRule.objects.filter(pk=self.instance.pk).values_list("actions", flat=True).first()
        fields, problems = rule_validate(candidate, stored_actions=stored or [])
        in_editor: dict[str, dict[tuple, list[str]]] = {}
        for problem in problems:
            top, *inner = problem.path.split(".") if problem.path else [None]
            field = top if top in self.fields else None
            if field in self.errors:
                continue  # its own error (JSON it could not read or store) says enough
            self.add_error(field, f"{problem.path}: {problem.message}" if problem.path else problem.message)
            if field in RULE_EDITOR_SCHEMAS:
                in_editor.setdefault(field, {}).setdefault(tuple(inner), []).append(problem.message)
        for field, errors in in_editor.items():
            self.fields[field].widget.errors_show(errors)
        self.validated_rule = fields
        return data


@admin.register(AutomationRule)
class AutomationRuleAdmin(TenantScopedAdmin):
    form = AutomationRuleForm
    list_display = [
        "name",
        "tenant",
        "status",
        "trigger_type",
        "priority",
        "execution_count",
        "last_executed",
        "last_error_at",
    ]
    list_filter = ["status", "trigger_type", "priority"]
    search_fields = ["name"]
    readonly_fields = [
        "execution_count",
        "last_executed",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    ]

    def get_object(self, request, object_id, from_field=None):
        """The rule as a reader may see it (webhook secrets masked), for the form and the view page;
        a save resolves the masks against the stored row."""
        rule = super().get_object(request, object_id, from_field)
        if rule is not None:
            rule.actions = actions_public(rule.actions)
        return rule

    def save_model(self, request, obj, form, change):
        if change:
            rule, _ = rule_update(rule=obj, fields=form.validated_rule, user=request.user)
        else:
            rule, _ = rule_create(
                tenant=form.cleaned_data["tenant"], fields=form.validated_rule, user=request.user
            )
        obj.pk = rule.pk
        obj.refresh_from_db()


@admin.register(AutomationExecution)
class AutomationExecutionAdmin(TenantScopedAdmin):
    list_display = ["execution_id", "rule", "status", "started_at", "actions_successful", "actions_failed"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
