"""The inbox count badge in the portal's navigation (one COUNT per page)."""

from approvals.selectors import inbox_count


def inbox_badge(request) -> dict:
    caller = getattr(request, "portal", None)
    if caller is None or not caller.can("approvals:read"):
        return {}
    return {"inbox_count": inbox_count(tenant=caller.tenant, categories=caller.categories)}
