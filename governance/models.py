"""Governance rows."""

from django.db import models


class KillSwitch(models.Model):
    """An operator-api kill switch. ``enabled`` overrides its environment default; empty follows it.

    The known switches are seeded by a migration; their defaults live in
    ``settings.OPSGATE_KILL_SWITCH_DEFAULTS`` (read from the contract's environment variables).
    """

    key = models.SlugField(max_length=64, unique=True)
    env_var = models.CharField(max_length=64, help_text="The environment variable holding the default.")
    description = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(
        null=True, blank=True, help_text="On/off; leave empty to follow the environment default."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "kill switches"

    def __str__(self) -> str:
        return self.key
