"""The audit log: who changed what, hash-chained per tenant so a deleted or edited row shows."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from governance.models import AuditEntry
from tenancy.models import Tenant


def audit_record(*, tenant: Tenant, actor: str, action: str, obj, changes: dict | None = None) -> AuditEntry:
    """Appends one entry; the tenant row is locked so concurrent entries chain in order."""
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=tenant.pk).exists()
        previous = (
            AuditEntry.objects.filter(tenant=tenant).order_by("-id").values_list("hash", flat=True).first()
        )
        entry = AuditEntry(
            tenant=tenant,
            actor=actor[:200],
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            changes=json.loads(json.dumps(changes or {}, default=str)),
            prev_hash=previous or "",
        )
        body = json.dumps(
            [entry.prev_hash, entry.actor, entry.action, entry.object_type, entry.object_id, entry.changes],
            sort_keys=True,
            separators=(",", ":"),
        )
        entry.hash = hashlib.sha256(body.encode()).hexdigest()
        entry.save()
        return entry


def field_changes(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
