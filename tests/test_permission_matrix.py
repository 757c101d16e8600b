"""The permission matrix, generated from the URL conf: every API route x every method its view
handles x {anonymous, a key without the scope, a key of another tenant, the right key}.

Nothing is listed per route: scopes come from each view's ``required_scopes``, path values from
the one parameter table (tests/matrix/world.py), statuses from the per-contract table below. A new
endpoint without declared scopes, without a factory for its path parameter, or without tenant
scoping fails here by itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.api import WorkflowRunsApi
from core.tenant_scope import across_tenants, for_tenant
from governance.models import Credential
from tenancy.permissions import ScopePermission
from tenancy.scopes import ALL_SCOPES
from tests.factories import TenantFactory, api_key_for, member
from tests.matrix.routes import PARAMETER, Route, api_routes, portal_routes
from tests.matrix.world import PARAMETERS, World

RID = "req_matrix"
ROUTES = api_routes()


@dataclass(frozen=True)
class Answers:
    """How a contract refuses: HTTP statuses and the error code its envelope carries."""

    code_of: object  # body -> the envelope's error code
    unauthenticated: object
    forbidden: object
    foreign_tenant: tuple[int, object]  # a key naming another tenant in X-Tenant-ID


def _error_code(body):
    return body["error"]["code"]


def _detail(body):
    return body["detail"].split(":")[0]  # "Missing scope: runs:read" -> "Missing scope"


CONTRACTS: dict[str, Answers] = {
    # FastAPI style: no code, the message is the body (its scope-needing routes: none yet)
    "operator_api": Answers(
        _detail, "Authentication credentials were not provided.", "Missing scope", (404, "Tenant not found")
    ),
    "run_journal": Answers(_error_code, "UNAUTHENTICATED", "FORBIDDEN", (404, "NOT_FOUND")),
    "workflow_runs": Answers(_error_code, "UNAUTHORIZED", "FORBIDDEN", (404, "NOT_FOUND")),
    # the origin answers a tenant the caller does not belong to with 401
    "automation_rules": Answers(_error_code, "UNAUTHORIZED", "FORBIDDEN", (401, "UNAUTHORIZED")),
    # xyOps codes: "session" without credentials, "api" for an API key's missing privilege
    "run_event": Answers(lambda body: body["code"], "session", "api", (404, "api")),
}

# Methods open to anonymous callers: each one reviewed, so a new one has to be added here on purpose.
PUBLIC_REVIEWED = {
    ("RegisterApi", "POST"): "sign-up",
    ("LoginApi", "POST"): "sign-in (rate limited)",
    ("JwksApi", "GET"): "public keys to verify our tokens",
    ("RuleWebhookApi", "POST"): "an inbound webhook: its secret token is the credential",
}
# Methods any authenticated caller may use: reviewed too.
SCOPE_FREE_REVIEWED = {
    ("MeApi", "GET"): "who am I: any signed-in caller",
    ("HealthApi", "GET"): "liveness and worker state, no tenant data",
    ("RunEventApi", "POST"): "checks runs:start itself after its parameters, in the origin's order",
}


def cases(*, public: bool | None = None, scoped: bool = False, objects: bool | None = None):
    """``(route, method)`` params. ``public``: only public (True) / non-public (False) methods;
    ``scoped``: only methods needing a scope; ``objects``: only routes with (True) or without (False)
    a tenant's object in the path."""
    out = []
    for route in ROUTES:
        for method in route.handlers():
            if not route.declared(method):
                continue  # fails test_every_handler_declares_its_scopes
            if public is not None and route.public(method) != public:
                continue
            if scoped and not route.scopes(method):
                continue
            if objects is not None and _names_tenant_objects(route) != objects:
                continue
            out.append(pytest.param(route, method, id=f"{method} {route}"))
    return out


def _names_tenant_objects(route) -> bool:
    return any(not PARAMETERS[p].shared for p in route.params if p in PARAMETERS)


def call(client, method: str, url: str, **headers):
    return getattr(client, method.lower())(url, {}, format="json", HTTP_X_REQUEST_ID=RID, **headers)


def body_of(response):
    try:
        return response.json()
    except (ValueError, TypeError):
        return None


def path_values(world: World, route) -> dict[str, str]:
    missing = [p for p in route.params if p not in PARAMETERS]
    if missing:
        pytest.fail(f"{route}: no factory for path parameter(s) {missing}: add them to PARAMETERS")
    return {p: world.value(p) for p in route.params}


def key_client(tenant, *, scopes=(), role="admin", **headers) -> APIClient:
    raw, _ = api_key_for(member(tenant=tenant, role=role), tenant, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw, **headers)
    return client


def assert_refused(response, route, kind: str, status: int) -> None:
    answers = CONTRACTS[route.contract]
    body = body_of(response)
    assert response.status_code == status, (response.status_code, body)
    assert answers.code_of(body) == getattr(answers, kind), body


def assert_no_markers(response, markers: set[str], echoed: set[str]) -> None:
    text = response.content.decode("utf-8", "replace")
    leaked = sorted(m for m in markers - echoed if m in text)
    assert not leaked, f"tenant A's data in another tenant's answer: {leaked}: {text[:800]}"


@pytest.fixture
def world(db) -> World:
    return World()


# -- declarations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_handler_declares_its_scopes(route):
    undeclared = [m for m in route.handlers() if not route.declared(m)]
    assert not undeclared, (
        f"{route.view.__name__} handles {undeclared} without required_scopes or public_methods"
    )
    unknown = {s for m in route.handlers() for s in route.scopes(m)} - set(ALL_SCOPES)
    assert not unknown, f"{route.view.__name__} requires unknown scopes {unknown}"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_path_parameter_has_a_factory(route):
    missing = [p for p in route.params if p not in PARAMETERS]
    assert not missing, f"{route}: add a factory for {missing} to PARAMETERS in tests/matrix/world.py"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_contract_has_its_answers(route):
    assert route.contract in CONTRACTS, f"{route}: add {route.contract!r} to CONTRACTS"


def test_public_and_scope_free_methods_are_the_reviewed_ones():
    public = {(r.view.__name__, m) for r in ROUTES for m in r.handlers() if r.public(m)}
    scope_free = {
        (r.view.__name__, m)
        for r in ROUTES
        for m in r.handlers()
        if m in r.view.required_scopes and not r.scopes(m)
    }
    assert public == set(PUBLIC_REVIEWED)
    assert scope_free == set(SCOPE_FREE_REVIEWED)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_view_checks_scopes(route):
    """Public views too: ScopePermission lets their public methods through and refuses the rest."""
    assert ScopePermission in route.view.permission_classes, route.view.permission_classes


# -- the four callers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "method"), cases(public=False))
def test_anonymous_is_refused(world, route, method):
    response = call(APIClient(), method, route.url(path_values(world, route)))
    assert_refused(response, route, "unauthenticated", 401)


@pytest.mark.parametrize(("route", "method"), cases(public=True))
def test_public_methods_serve_anonymous_callers(world, route, method):
    response = call(APIClient(), method, route.url(path_values(world, route)))
    assert response.status_code not in (401, 403) and response.status_code < 500, body_of(response)


@pytest.mark.parametrize(("route", "method"), cases(public=False, scoped=True))
def test_a_key_without_the_scope_is_refused(world, route, method):
    """For each scope the method needs, a key of the same tenant with every other scope."""
    values = path_values(world, route)
    clients = [
        key_client(world.tenant, scopes=[s for s in ALL_SCOPES if s != x]) for x in route.scopes(method)
    ]
    before = world.snapshot()
    for client in clients:
        response = call(client, method, route.url(values))
        assert_refused(response, route, "forbidden", 403)
    assert world.snapshot() == before


@pytest.mark.parametrize(("route", "method"), cases(objects=True))
def test_another_tenant_cannot_tell_the_object_exists(world, route, method):
    """A key of tenant B on tenant A's object: answered exactly as for an object that does not exist
    (404; or the validation error that comes before the lookup; or an empty list where the route lists
    the object's children), nothing of A written, nothing of A shown."""
    world.build_all()
    values = path_values(world, route)
    missing = {p: (PARAMETERS[p].missing() if not PARAMETERS[p].shared else v) for p, v in values.items()}
    outsider = key_client(TenantFactory(slug="matrix-tenant-b"))
    before = world.snapshot()
    foreign = call(outsider, method, route.url(values))
    absent = call(outsider, method, route.url(missing))
    assert world.snapshot() == before
    assert foreign.status_code < 500, body_of(foreign)
    assert (foreign.status_code, _normalised(foreign, values)) == (
        absent.status_code,
        _normalised(absent, missing),
    )
    assert_no_markers(foreign, world.markers(route), set(values.values()))
    if foreign.status_code != 404 and not route.public(method):
        # not a 404: then the owner gets the same status (validation first, or a list), not more
        own = call(key_client(world.tenant), method, route.url(values))
        assert own.status_code == foreign.status_code, body_of(own)


def _normalised(response, values: dict[str, str]) -> str:
    text = response.content.decode("utf-8", "replace")
    for name, value in values.items():
        text = text.replace(value, f"<{name}>")
    return text


@pytest.mark.parametrize(("route", "method"), cases(objects=False))
def test_another_tenant_sees_none_of_the_collection(world, route, method):
    world.build_all()
    values = path_values(world, route)
    before = world.snapshot()
    response = call(key_client(TenantFactory(slug="matrix-tenant-b")), method, route.url(values))
    assert response.status_code < 500, body_of(response)
    assert world.snapshot() == before
    assert_no_markers(response, world.markers(route), set(values.values()))


@pytest.mark.parametrize(("route", "method"), cases(public=False))
def test_a_key_naming_another_tenant_is_refused(world, route, method):
    values = path_values(world, route)
    outsider = key_client(TenantFactory(slug="matrix-tenant-b"), HTTP_X_TENANT_ID=world.tenant.slug)
    before = world.snapshot()
    response = call(outsider, method, route.url(values))
    answers = CONTRACTS[route.contract]
    status, code = answers.foreign_tenant
    assert (response.status_code, answers.code_of(body_of(response))) == (status, code), body_of(response)
    assert world.snapshot() == before


@pytest.mark.parametrize(("route", "method"), cases(public=False))
def test_the_right_key_gets_in(world, route, method):
    """A key holding exactly the declared scopes (all of its owner's, when none are declared)."""
    values = path_values(world, route)
    response = call(key_client(world.tenant, scopes=route.scopes(method)), method, route.url(values))
    refused = (401, 403, 404) if _names_tenant_objects(route) else (401, 403)
    assert response.status_code not in refused and response.status_code < 500, body_of(response)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_method_without_declared_scopes_fails_closed(world, route):
    """OPTIONS is handled by every view and declared by none: refused to every caller."""
    url = route.url(path_values(world, route))
    anonymous = APIClient().options(url, HTTP_X_REQUEST_ID=RID)
    assert anonymous.status_code in (401, 403), body_of(anonymous)  # 403 where no credential is read
    admin = key_client(world.tenant).options(url, HTTP_X_REQUEST_ID=RID)
    assert admin.status_code == 403, body_of(admin)


# -- the portal's pages ---------------------------------------------------------------------------

PORTAL_PUBLIC = {"login": "the sign-in page itself"}
PORTAL_SAMPLE = {"int": "1", "uuid": "00000000-0000-4000-8000-000000000001", "path": "x/y", "str": "x"}


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), portal_routes(), ids=lambda v: str(v))
def test_portal_pages_send_anonymous_callers_to_the_login_page(route, name):
    url = "/" + PARAMETER.sub(lambda m: PORTAL_SAMPLE[m["converter"] or "str"], route)
    client = Client()
    if name in PORTAL_PUBLIC:
        assert client.get(url).status_code == 200
        return
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code == 405:
            continue  # that method is not served at all
        assert response.status_code == 302, (method, response.status_code)
        assert response["Location"].startswith("/portal/login"), response["Location"]


def test_the_matrix_is_not_empty():
    assert len(ROUTES) > 30
    assert json.dumps(sorted(CONTRACTS)) == json.dumps(sorted({r.contract for r in ROUTES}))


# -- the matrix can fail --------------------------------------------------------------------------


def _route(path: str):
    return next(r for r in ROUTES if str(r) == path)


def test_it_catches_a_list_that_shows_another_tenants_rows(world, monkeypatch):
    leaky = lambda *, tenant: across_tenants(Credential, reason="a leak planted by this test")  # noqa: E731
    monkeypatch.setattr("governance.api.workflow_runs.views.credential_list", leaky)
    with pytest.raises(AssertionError, match="tenant A's data in another tenant's answer"):
        test_another_tenant_sees_none_of_the_collection(world, _route("/v1/credentials"), "GET")


def test_it_catches_an_object_read_without_its_tenant(world, monkeypatch):
    leaky = lambda source, tenant: across_tenants(source, reason="a leak planted by this test")  # noqa: E731
    monkeypatch.setattr("runs.selectors.for_tenant", leaky)
    with pytest.raises(AssertionError):
        test_another_tenant_cannot_tell_the_object_exists(
            world, _route("/v1/runs/<str:run_id>/status"), "GET"
        )


def test_it_catches_a_write_to_another_tenants_object(world, monkeypatch):
    monkeypatch.setattr(
        "governance.api.workflow_runs.views.credential_get",
        lambda *, tenant, name: across_tenants(Credential, reason="a leak planted by this test").get(
            name=name
        ),
    )
    with pytest.raises(AssertionError):
        test_another_tenant_cannot_tell_the_object_exists(
            world, _route("/v1/credentials/<str:name>"), "DELETE"
        )
    assert not for_tenant(Credential, world.tenant).filter(name=world.value("name")).exists()  # it did


def test_it_catches_a_view_that_skips_the_scope_check(world, monkeypatch):
    route = _route("/v1/credentials")
    monkeypatch.setattr(route.view, "permission_classes", [])
    with pytest.raises(AssertionError):
        test_every_view_checks_scopes(route)
    with pytest.raises(AssertionError):
        test_a_key_without_the_scope_is_refused(world, route, "GET")


def test_it_catches_a_scope_declared_empty(monkeypatch):
    monkeypatch.setattr(_route("/v1/runs/<str:run_id>/status").view, "required_scopes", {"GET": ()})
    with pytest.raises(AssertionError):
        test_public_and_scope_free_methods_are_the_reviewed_ones()


def test_it_catches_a_handler_without_declared_scopes_and_a_path_parameter_without_factory(world):
    class Undeclared(WorkflowRunsApi):
        required_scopes = {"GET": ("runs:read",)}

        def get(self, request, thing_id): ...

        def patch(self, request, thing_id): ...

    route = Route(route="v1/things/<str:thing_id>", view=Undeclared, params=("thing_id",))
    with pytest.raises(AssertionError, match=r"handles \['PATCH'\] without required_scopes"):
        test_every_handler_declares_its_scopes(route)
    with pytest.raises(AssertionError, match="add a factory for"):
        test_every_path_parameter_has_a_factory(route)
    with pytest.raises(pytest.fail.Exception, match="no factory for path parameter"):
        path_values(world, route)
