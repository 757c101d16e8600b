"""Every contract's envelope, pinned with exact bodies for every kind of error."""

import logging

import pytest

RID = "req_probe1"
UNAUTH = "Authentication credentials were not provided."
SCOPE = "Missing scope: runs:start"
INTERNAL_OPERATOR = {
    "detail": "Internal server error",
    "error_id": RID,
    "message": "An unexpected error occurred. Reference this error_id when reporting issues.",
}

EXPECTED = {
    "operator_api": {
        "validation": (
            422,
            {"detail": [{"type": "required", "loc": ["body", "name"], "msg": "This field is required."}]},
        ),
        "not_found": (404, {"detail": "Run not found"}),
        "conflict": (409, {"detail": "Already decided"}),
        "forbidden": (403, {"detail": SCOPE}),
        "unauthenticated": (401, {"detail": UNAUTH}),
        "unexpected": (500, INTERNAL_OPERATOR),
    },
    "run_journal": {
        "validation": (
            422,
            {
                "error": {
                    "code": "REQUEST_VALIDATION_ERROR",
                    "message": "Request validation failed.",
                    "details": [
                        {
                            "path": "name",
                            "message": "This field is required.",
                            "type": "required",
                            "code": "REQUIRED",
                        }
                    ],
                }
            },
        ),
        "not_found": (404, {"error": {"code": "NOT_FOUND", "message": "Run not found", "details": []}}),
        "conflict": (409, {"error": {"code": "CONFLICT", "message": "Already decided", "details": []}}),
        "coded_conflict": (
            409,
            {
                "error": {
                    "code": "DUPLICATE_EVENT_ID",
                    "message": "Event ID already exists for this run",
                    "details": [],
                }
            },
        ),
        "forbidden": (403, {"error": {"code": "FORBIDDEN", "message": SCOPE, "details": []}}),
        "unauthenticated": (401, {"error": {"code": "UNAUTHENTICATED", "message": UNAUTH, "details": []}}),
        "unexpected": (
            500,
            {
                "error": {
                    "code": "INTERNAL_ERROR",
                    "message": f"Internal server error (request id {RID})",
                    "details": [],
                }
            },
        ),
    },
    "workflow_runs": {
        "validation": (
            400,
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Request validation failed.",
                    "details": ["name: This field is required."],
                    "requestId": RID,
                }
            },
        ),
        "not_found": (404, {"error": {"code": "NOT_FOUND", "message": "Run not found", "requestId": RID}}),
        "conflict": (409, {"error": {"code": "CONFLICT", "message": "Already decided", "requestId": RID}}),
        "forbidden": (403, {"error": {"code": "FORBIDDEN", "message": SCOPE, "requestId": RID}}),
        "unauthenticated": (401, {"error": {"code": "UNAUTHORIZED", "message": UNAUTH, "requestId": RID}}),
        "unexpected": (
            500,
            {"error": {"code": "INTERNAL_ERROR", "message": "Internal server error", "requestId": RID}},
        ),
    },
    "automation_rules": {
        "validation": (
            400,
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Validation failed",
                    "details": [{"path": ["name"], "message": "This field is required.", "code": "REQUIRED"}],
                }
            },
        ),
        "not_found": (404, {"error": {"code": "NOT_FOUND", "message": "Run not found"}}),
        "conflict": (409, {"error": {"code": "CONFLICT", "message": "Already decided"}}),
        "forbidden": (403, {"error": {"code": "FORBIDDEN", "message": SCOPE}}),
        "unauthenticated": (401, {"error": {"code": "UNAUTHORIZED", "message": UNAUTH}}),
        "unexpected": (
            500,
            {
                "error": {
                    "code": "INTERNAL_ERROR",
                    "message": "An unexpected error occurred",
                    "details": {"requestId": RID},
                }
            },
        ),
    },
    "run_event": {
        "validation": (400, {"code": "api", "description": "Missing parameter: name"}),
        "not_found": (404, {"code": "api", "description": "Run not found"}),
        "conflict": (409, {"code": "api", "description": "Already decided"}),
        "forbidden": (403, {"code": "user", "description": SCOPE}),
        "unauthenticated": (401, {"code": "session", "description": UNAUTH}),
        "unexpected": (500, {"code": "server", "description": f"Internal server error (request id {RID})"}),
    },
}

CASES = [(contract, kind) for contract, kinds in EXPECTED.items() for kind in kinds]


@pytest.mark.urls("tests.core.probe_urls")
@pytest.mark.django_db
@pytest.mark.parametrize(("contract", "kind"), CASES)
def test_every_error_kind_renders_in_the_contracts_exact_shape(client, contract, kind, caplog):
    url = f"/probe/{contract}/auth" if kind == "unauthenticated" else f"/probe/{contract}/raise/{kind}"
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="opsgate.errors"):
        response = client.get(url, HTTP_X_REQUEST_ID=RID)
    status, body = EXPECTED[contract][kind]
    assert (response.status_code, response.json()) == (status, body)
    assert response["X-Request-ID"] == RID
    if kind == "unexpected":
        assert "hunter2" not in response.content.decode()
        assert any(RID in r.getMessage() and r.exc_info for r in caplog.records)
    if kind == "unauthenticated":
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.urls("tests.core.probe_urls")
@pytest.mark.django_db
@pytest.mark.parametrize("contract", list(EXPECTED))
def test_a_method_that_declares_no_scopes_is_refused(contract, keyed_client):
    response = keyed_client.post(f"/probe/{contract}/auth")
    assert response.status_code == 403


@pytest.mark.urls("tests.core.probe_urls")
@pytest.mark.django_db
def test_a_crash_in_a_plain_view_under_a_contract_prefix_uses_that_envelope(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level(logging.ERROR, logger="opsgate.errors"):
        response = client.get("/v1/plain-crash", HTTP_X_REQUEST_ID=RID)
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "INTERNAL_ERROR", "message": "Internal server error", "requestId": RID}
    }
    assert "hunter2" not in response.content.decode()
    assert any(RID in r.getMessage() for r in caplog.records)


ROUTE_MISSES = [
    ("/v1/nope", 404, {"error": {"code": "NOT_FOUND", "message": "Not found", "requestId": RID}}),
    ("/api/v1/nope/deeper", 404, {"error": {"code": "NOT_FOUND", "message": "Not found", "requestId": RID}}),
    ("/v1/runs/r1/unknown", 404, {"error": {"code": "NOT_FOUND", "message": "Not found", "requestId": RID}}),
    (
        "/v1/events/x",
        404,
        {"error": {"code": "NOT_FOUND", "message": "Resource not found", "details": []}},
    ),
    (
        "/v1/approvals/evt/extra",
        404,
        {"error": {"code": "NOT_FOUND", "message": "Resource not found", "details": []}},
    ),
    ("/api/app/get_nothing/v1", 404, {"code": 1, "description": "Unsupported API: get_nothing"}),
    ("/api/v1/automation/nope/nope", 404, {"error": {"code": "NOT_FOUND", "message": "Resource not found"}}),
    ("/dashboard/nope", 404, {"detail": "Not Found"}),
    ("/api/auth/nope", 404, {"detail": "Not Found"}),
    ("/runs/r1/nope", 404, {"detail": "Not Found"}),
    (
        "/api/v1/templates/x%0A/install/more",
        404,
        {"error": {"code": "NOT_FOUND", "message": "Not found", "requestId": RID}},
    ),
    ("/runs/r1%0A", 404, {"detail": "Not Found"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "status", "body"), ROUTE_MISSES)
def test_unknown_paths_under_a_contract_prefix_answer_in_its_envelope(client, path, status, body):
    response = client.get(path, HTTP_X_REQUEST_ID=RID)
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.django_db
def test_paths_outside_every_contract_keep_djangos_404(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health", "/v1/nope", "/admin/login/", "/api/auth/.well-known/jwks.json"])
def test_every_response_carries_a_request_id(client, path):
    kept = client.get(path, HTTP_X_REQUEST_ID="trace-42.a:b")
    assert kept["X-Request-ID"] == "trace-42.a:b"
    fresh = client.get(path)
    assert fresh["X-Request-ID"].startswith("req_") and len(fresh["X-Request-ID"]) == 36
    unsafe = client.get(path, HTTP_X_REQUEST_ID="evil\r value " + "x" * 200)
    assert unsafe["X-Request-ID"].startswith("req_")


@pytest.mark.urls("tests.core.probe_urls")
@pytest.mark.django_db
def test_a_foreign_x_tenant_id_is_401_for_the_automation_contract_and_404_elsewhere(client_api, admin_key):
    from tests.factories import TenantFactory

    foreign = TenantFactory().slug
    client_api.credentials(HTTP_X_API_KEY=admin_key[0], HTTP_X_TENANT_ID=foreign)
    automation = client_api.get("/probe/automation_rules/auth")
    assert (automation.status_code, automation.json()) == (
        401,
        {"error": {"code": "UNAUTHORIZED", "message": "Tenant ID not found"}},
    )
    journal = client_api.get("/probe/run_journal/auth")
    assert (journal.status_code, journal.json()["error"]["code"]) == (404, "NOT_FOUND")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/nope", {"error": {"code": "NOT_FOUND", "message": "Not found", "requestId": RID}}),
        ("/api/app/run_nothing/v1", {"code": 1, "description": "Unsupported API: run_nothing"}),
        ("/api/app", {"code": 1, "description": "Unsupported API: app"}),
        ("/api/auth/nope", {"detail": "Not Found"}),
    ],
)
def test_route_misses_answer_every_method_in_the_envelope_even_with_csrf_checks(path, body):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    for method in ("post", "put", "delete", "patch"):
        response = getattr(browser, method)(path, HTTP_X_REQUEST_ID=RID)
        assert (response.status_code, response.json()) == (404, body), method


@pytest.mark.urls("tests.core.probe_urls")
@pytest.mark.django_db
def test_an_undeclared_method_is_refused_with_the_envelopes_body(keyed_client):
    response = keyed_client.post("/probe/workflow_runs/auth", HTTP_X_REQUEST_ID=RID)
    assert response.json() == {
        "error": {"code": "FORBIDDEN", "message": "POST is not permitted on this endpoint.", "requestId": RID}
    }


@pytest.mark.django_db
def test_too_many_form_fields_is_a_client_error_not_a_crash(client):
    body = "&".join(f"f{i}=x" for i in range(1200))
    response = client.post("/api/auth/login", body, content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.json()) == (400, {"detail": "Bad request."})


def test_a_bare_django_permission_denied_keeps_a_message():
    from django.core.exceptions import PermissionDenied

    from core.problems import problem_from_exception

    assert (
        problem_from_exception(PermissionDenied()).message
        == "You do not have permission to perform this action."
    )
