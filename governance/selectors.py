"""Reads in governance."""

from django.conf import settings

from governance.models import KillSwitch


def kill_switch_states() -> dict[str, bool]:
    """Every known switch: its row's override, else its environment default."""
    states = dict(settings.OPSGATE_KILL_SWITCH_DEFAULTS)
    for key, enabled in KillSwitch.objects.filter(enabled__isnull=False).values_list("key", "enabled"):
        if key in states:
            states[key] = enabled
    return states
