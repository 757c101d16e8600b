"""Every route of the URL conf, read with ``get_resolver()``: nothing here is listed by hand except
what is *not* an API route (``NOT_API``), so a new endpoint joins the matrix by itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from core.api import ContractApi

# Full route prefixes that are no API route, each with why it stays out of the matrix.
NOT_API: dict[str, str] = {
    "admin/": "Django admin: staff sessions, its own login",
    "portal/": "HTML pages: checked separately (anonymous is sent to the login page)",
    "api/schema/": "OpenAPI document: public, holds no tenant data",
    "api/docs/": "Swagger UI: public, holds no tenant data",
    "api/redoc/": "ReDoc: public, holds no tenant data",
    "demo/echo": "the demo workflows' local peer, only with OPSGATE_DEMO_ENDPOINTS",
    "favicon.ico": "a static file",
}
HOME = ""  # the redirect to the portal
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # HEAD is GET's; OPTIONS is checked on its own


@dataclass(frozen=True)
class Route:
    route: str  # Django's route syntax, without the leading slash: "v1/runs/<str:run_id>/events"
    view: type
    params: tuple[str, ...] = field(default=())

    def url(self, values: dict[str, str]) -> str:
        return "/" + PARAMETER.sub(lambda m: quote(values[m["name"]], safe=""), self.route)

    @property
    def contract(self) -> str:
        """The contract whose envelope the view answers in (its module's name in core.envelopes)."""
        return self.view.envelope.__name__.rsplit(".", 1)[-1]

    def handlers(self) -> tuple[str, ...]:
        return tuple(m for m in METHODS if hasattr(self.view, m.lower()))

    def declared(self, method: str) -> bool:
        return method in self.view.required_scopes or method in self.view.public_methods

    def scopes(self, method: str) -> tuple[str, ...]:
        return tuple(self.view.required_scopes.get(method, ()))

    def public(self, method: str) -> bool:
        return method in self.view.public_methods

    def __str__(self) -> str:
        return "/" + self.route


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _route_of(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _route_of(entry.pattern), entry


def _route_of(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern._route)
    if isinstance(pattern, RegexPattern):
        return "regex:" + pattern._regex  # only the contract catch-all may be one (see below)
    raise AssertionError(f"unknown URL pattern type {type(pattern).__name__}")


def _is_catch_all(entry: URLPattern) -> bool:
    from core.views import contract_route_not_found

    return entry.callback is contract_route_not_found


def _not_api(route: str) -> bool:
    return route == HOME or any(route.startswith(prefix) for prefix in NOT_API)


def api_routes() -> list[Route]:
    """Every API route. A route that is neither a contract view nor listed in ``NOT_API`` fails here:
    the matrix cannot check what it does not understand."""
    routes, strangers = [], []
    for route, entry in _walk(get_resolver().url_patterns):
        if _not_api(route) or _is_catch_all(entry):
            continue
        view = getattr(entry.callback, "cls", None)
        if "regex:" in route or view is None or not issubclass(view, ContractApi):
            strangers.append(f"/{route} -> {entry.callback!r}")
            continue
        params = tuple(m["name"] for m in PARAMETER.finditer(route))
        routes.append(Route(route=route, view=view, params=params))
    assert not strangers, (
        "Routes that are no contract view (core.api.ContractApi) and not listed in NOT_API: "
        + "; ".join(strangers)
    )
    return routes


def portal_routes() -> list[tuple[str, str]]:
    """``(route, url name)`` of every portal page."""
    return [
        (route, entry.name)
        for route, entry in _walk(get_resolver().url_patterns)
        if route.startswith("portal/")
    ]
