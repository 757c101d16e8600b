"""Registers the journal's subscribers from ``settings.OPSGATE_JOURNAL_SUBSCRIBERS``, in its order.

One list, in the settings, names every hook and its place: the apps above runs (approvals,
automation) subscribe there rather than each from its own ``AppConfig.ready``, whose order would
depend on ``INSTALLED_APPS`` and be visible nowhere.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from runs.journal.append import journal_subscribe


def journal_subscribers_load() -> None:
    """Called once from ``RunsConfig.ready`` (every app's modules are importable by then)."""
    for entry in settings.OPSGATE_JOURNAL_SUBSCRIBERS:
        journal_subscribe(
            import_string(entry["subscriber"]),
            reconcile=import_string(entry["reconcile"]),
            isolated=entry.get("isolated", False),
        )
