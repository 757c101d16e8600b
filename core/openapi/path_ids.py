"""``type_path_ids``: the automation contract's path ids are UUIDs.

Its views parse the id themselves, so a malformed one is the contract's 400 "Invalid ID format"
rather than a URL miss; the URL converters stay ``str`` and the schema says ``format: uuid``.
"""

from __future__ import annotations

from core.contracts import renderer_for_path
from core.envelopes import automation_rules

UUID_PATH_IDS = {automation_rules.render}


def type_path_ids(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        if renderer_for_path(path) not in UUID_PATH_IDS:
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"] = {"type": "string", "format": "uuid"}
    return result
