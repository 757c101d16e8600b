"""Template helpers for the portal: timestamps the browser localises, JSON shown readably."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

register = template.Library()

RISK_CLASSES = {"critical": "risk-critical", "high": "risk-high", "medium": "risk-medium", "low": "risk-low"}


def _as_datetime(value) -> datetime | None:
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


@register.filter
def when(value):
    """``<time>``: UTC in the markup and on hover; portal.js rewrites the text in the browser's zone."""
    moment = _as_datetime(value)
    if moment is None:
        return "—"
    utc = moment.astimezone(UTC)
    iso = utc.isoformat().replace("+00:00", "Z")
    label = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return format_html('<time datetime="{}" title="{}" data-local>{}</time>', iso, label, label)


@register.filter
def iso(value) -> str:
    moment = _as_datetime(value)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def risk_class(value) -> str:
    return RISK_CLASSES.get(value or "", "risk-none")


@register.filter
def duration(ms) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"
