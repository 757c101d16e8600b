"""Rules in the Django admin: the JSON fields are checked by the API's validation, and each problem
shows on its field in words ("actions.0.config.to: Invalid email"); saves keep schedules in step."""

from django import forms
from django.contrib import admin

from automation.models import AutomationExecution, AutomationRule
from automation.schemas import RULE_FIELDS, rule_validate
from automation.services import rule_create, rule_update
from tenancy.admin import TenantScopedAdmin

FIELDS = RULE_FIELDS


class AutomationRuleForm(forms.ModelForm):
    class Meta:
        model = AutomationRule
        fields = ("tenant", *FIELDS)

    def clean(self):
        data = super().clean()
        candidate = {name: data.get(name) for name in FIELDS}
        for name in ("description", "template_category"):
            candidate[name] = candidate[name] or None
        fields, problems = rule_validate(candidate)
        for problem in problems:
            top = problem.path.split(".")[0] if problem.path else None
            field = top if top in self.fields else None
            self.add_error(field, f"{problem.path}: {problem.message}" if problem.path else problem.message)
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
    ]
    list_filter = ["status", "trigger_type", "priority"]
    search_fields = ["name"]
    readonly_fields = ["execution_count", "last_executed", "created_at", "updated_at"]

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
