from django.conf import settings
from django.contrib import admin

from governance.models import KillSwitch


@admin.register(KillSwitch)
class KillSwitchAdmin(admin.ModelAdmin):
    list_display = ["key", "enabled", "environment_default", "env_var", "updated_at"]
    readonly_fields = ["key", "env_var", "description", "updated_at"]
    fields = ["key", "description", "env_var", "enabled", "updated_at"]

    @admin.display(boolean=True)
    def environment_default(self, obj):
        return settings.OPSGATE_KILL_SWITCH_DEFAULTS.get(obj.key)

    def has_add_permission(self, request):
        return False  # the known switches are seeded; unknown keys would do nothing

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser
