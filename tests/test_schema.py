"""The OpenAPI document describes the API: it validates with no warnings, names each contract's error
envelope and documents the errors every operation answers, with the bounds, formats and body shapes
the views enforce. The docs are served from our own static files."""

import json
import re

import jsonschema
import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from pydantic import ValidationError
from rest_framework.test import APIClient

import config
from core.contracts import renderer_for_path
from core.envelopes import automation_rules, operator_api, run_event, run_journal, workflow_runs
from core.errors import ErrorDetail
from core.openapi.envelopes import CONTRACT_ERRORS
from core.problems import Problem
from governance.models import Credential, PolicyDecision
from runs.journal.event_schema import event_parse

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def json_body(schema, path, method):
    return resolve(
        schema, schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    )


def error_schema(schema, path, method, status):
    return schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


@pytest.mark.django_db
def test_openapi_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/auth/login", "/api/auth/me", "/health", "/api/v1/api-keys"):
        assert f"{path}:" in text


@pytest.mark.django_db
def test_swagger_ui_uses_no_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html and "unpkg" not in html


def test_info_version_is_the_package_version(schema):
    assert schema["info"]["version"] == config.__version__ != ""


# --- error responses -------------------------------------------------------------------------


def test_every_operation_documents_the_errors_it_can_answer(schema):
    missing = []
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = set()
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected.add("400")
        missing += [f"{method.upper()} {path}: {status}" for status in sorted(expected - set(responses))]
    assert missing == []


@pytest.mark.parametrize(
    ("path", "method", "status", "component"),
    [
        ("/v1/events", "post", 422, "RunJournalError"),
        ("/v1/events", "post", 409, "RunJournalError"),
        ("/v1/runs/{run_id}/status", "get", 404, "RunJournalError"),
        ("/v1/runs/{run_id}/status", "get", 409, "RunJournalError"),
        ("/v1/approvals/{event_id}", "post", 409, "RunJournalError"),
        ("/v1/workflows", "post", 400, "WorkflowRunsError"),
        ("/api/v1/workflows/{workflow_id}", "get", 404, "WorkflowRunsError"),
        ("/v1/runs", "post", 409, "WorkflowRunsError"),
        ("/v1/credentials", "post", 409, "WorkflowRunsError"),
        ("/v1/templates", "post", 404, "WorkflowRunsError"),
        ("/api/app/run_event/v1", "post", 403, "RunEventError"),
        ("/api/app/run_event/v1", "post", 409, "RunEventError"),
        ("/api/v1/automation/rules/{rule_id}/execute", "post", 400, "AutomationError"),
        ("/api/v1/automation/rules/{rule_id}/execute", "post", 404, "AutomationError"),
        ("/api/v1/automation/rules/{rule_id}/execute", "post", 409, "AutomationError"),
        ("/api/v1/automation/executions/{execution_id}", "get", 400, "AutomationError"),
        ("/api/auth/me", "get", 401, "OperatorApiError"),
        ("/api/auth/login", "post", 401, "OperatorApiError"),
        ("/api/auth/login", "post", 429, "OperatorApiError"),
        ("/api/auth/register", "post", 400, "OperatorApiError"),
        ("/api/auth/register", "post", 403, "OperatorApiError"),
    ],
)
def test_error_responses_use_the_contracts_named_envelope(schema, path, method, status, component):
    assert error_schema(schema, path, method, status) == {"$ref": f"#/components/schemas/{component}"}


def test_operator_api_validation_errors_are_a_list_or_a_message(schema):
    assert error_schema(schema, "/api/auth/login", "post", 422) == {
        "oneOf": [
            {"$ref": "#/components/schemas/OperatorApiValidationError"},
            {"$ref": "#/components/schemas/OperatorApiError"},
        ]
    }


def test_only_rate_limited_operations_document_429(schema):
    limited = sorted(f"{m.upper()} {p}" for p, m, op in operations(schema) if "429" in op["responses"])
    assert limited == ["POST /api/auth/login", "POST /runs/start"]


def test_every_path_is_owned_by_the_contract_whose_envelope_its_view_renders(schema):
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    views = {path: callback.cls for path, _regex, _method, callback in generator.endpoints}
    assert set(schema["paths"]) <= set(views)
    mismatched = [
        path for path in schema["paths"] if renderer_for_path(path) is not views[path].envelope.render
    ]
    assert mismatched == []


def _problems():
    detail = ErrorDetail("approval.status", "Field required", "missing", "MISSING_APPROVAL")
    yield Problem(kind="invalid", message="Request validation failed.", details=[detail], request_id="req_1")
    yield Problem(kind="invalid", message="Invalid ID format", request_id="req_1")
    yield Problem(kind="bad_request", message="Malformed parameter: id", code="api", request_id="req_1")
    yield Problem(kind="unauthenticated", message="API key required", request_id="req_1")
    yield Problem(kind="forbidden", message="Missing scope", principal="api_key", request_id="req_1")
    yield Problem(kind="not_found", message="Not found.", request_id="req_1")
    yield Problem(kind="conflict", message="Already resolved", code="DUPLICATE_APPROVAL", request_id="req_1")
    yield Problem(kind="rate_limited", message="Too many login attempts.", request_id="req_1")


@pytest.mark.parametrize(
    "envelope",
    [run_journal, workflow_runs, run_event, automation_rules, operator_api],
    ids=lambda m: m.__name__,
)
def test_each_envelope_component_describes_what_its_renderer_renders(schema, envelope):
    contract = CONTRACT_ERRORS[envelope.render]
    components = {"components": schema["components"]}
    for problem in _problems():
        status, body = envelope.render(problem)
        expected = {**contract.body(status), **components}
        jsonschema.validate(json.loads(json.dumps(body)), expected)


# --- parameters ------------------------------------------------------------------------------


def test_every_limit_and_offset_is_bounded(schema):
    bounds = {}
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] in ("limit", "offset", "page"):
                s = parameter["schema"]
                bounds[f"{method} {path} {parameter['name']}"] = (s.get("minimum"), s.get("maximum"))
    assert bounds["get /v1/workflows limit"] == (1, 100)
    assert bounds["get /api/v1/api-keys limit"] == (1, 100)
    assert bounds["get /api/v1/automation/rules limit"] == (1, 100)
    assert bounds["get /api/v1/automation/executions page"][0] == 1
    assert all(low is not None and high is not None for low, high in bounds.values()), bounds


def test_automation_path_ids_are_uuids(schema):
    ids = {
        (path, p["name"]): p["schema"]
        for path, _method, operation in operations(schema)
        if path.startswith("/api/v1/automation/")
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    assert ("/api/v1/automation/executions/{execution_id}", "execution_id") in ids
    assert ("/api/v1/automation/rules/{rule_id}/execute", "rule_id") in ids
    assert all(s == {"type": "string", "format": "uuid"} for s in ids.values()), ids


@pytest.mark.django_db
def test_a_malformed_automation_id_is_still_the_contracts_400(keyed_client):
    response = keyed_client.get("/api/v1/automation/rules/not-a-uuid")
    assert (response.status_code, response.json()) == (
        400,
        {"error": {"code": "VALIDATION_ERROR", "message": "Invalid ID format"}},
    )


# --- request bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "method", "field"),
    [
        ("/v1/runs", "post", "graph"),
        ("/v1/workflows", "post", "graph"),
        ("/v1/workflows/{workflow_id}", "put", "graph"),
        ("/v1/events", "post", "approval"),
    ],
)
def test_objects_the_views_require_are_objects_not_null(schema, path, method, field):
    prop = resolve(schema, json_body(schema, path, method)["properties"][field])
    assert prop["type"] == "object"
    assert not prop.get("nullable")


def test_the_event_body_is_the_journal_validator_closed_to_unknown_fields(schema):
    body = json_body(schema, "/v1/events", "post")
    assert body["additionalProperties"] is False
    risk = [resolve(schema, choice)["enum"] for choice in body["properties"]["risk_level"]["oneOf"]]
    assert risk == [["low", "medium", "high", "critical"], [None]]
    assert body["required"] == ["id", "run_id", "timestamp", "type", "actor", "title", "details", "approval"]
    meta = body["properties"]["meta"]
    assert meta["nullable"] and {"required": ["expires_at"]}.items() <= meta["anyOf"][1].items()
    batch = json_body(schema, "/v1/events/batch", "post")
    assert (batch["type"], batch["minItems"], batch["maxItems"]) == ("array", 1, 500)


def test_a_non_blank_pattern_accepts_exactly_the_text_the_journal_keeps(schema):
    """The journal (pydantic) strips whitespace before its length checks; the pattern says which
    one-character titles survive, for every character from U+0001 to U+3100 (NUL is refused in any
    text, which .ci/schemathesis.sh's second pass covers)."""
    pattern = re.compile(json_body(schema, "/v1/events", "post")["properties"]["title"]["pattern"])
    event = {
        "id": "evt_1",
        "run_id": "run_1",
        "timestamp": "2026-01-01T00:00:00Z",
        "type": "intent",
        "actor": "agent",
        "details": "d",
        "approval": {"status": "not_required"},
    }
    disagree = []
    for code in range(1, 0x3100):
        try:
            event_parse({**event, "title": chr(code)})
            kept = True
        except ValidationError:
            kept = False
        if kept != (pattern.search(chr(code)) is not None):
            disagree.append(hex(code))
    assert disagree == []


def test_a_drf_text_field_documents_the_blank_text_drf_refuses(schema):
    """DRF strips text with str.strip() before its blank check; the pattern keeps exactly the rest."""
    pattern = re.compile(json_body(schema, "/v1/workflows", "post")["properties"]["name"]["pattern"])
    disagree = [hex(c) for c in range(0x3100) if (pattern.search(chr(c)) is None) != chr(c).isspace()]
    assert disagree == []


def test_run_event_bodies_are_objects_and_name_the_workflow(schema):
    run = json_body(schema, "/api/app/run_event/v1", "post")
    assert run["type"] == "object" and run["anyOf"] == [{"required": ["id"]}, {"required": ["title"]}]
    assert schema["paths"]["/api/app/run_event/v1"]["post"]["requestBody"]["required"] is True
    evaluate = schema["paths"]["/api/app/evaluate_automation_task/v1"]["post"]["requestBody"]
    assert evaluate["content"]["application/json"]["schema"]["type"] == "object"


def test_forms_are_documented_only_where_a_form_can_carry_the_body(schema):
    form = "application/x-www-form-urlencoded"
    with_forms = sorted(
        f"{m.upper()} {p}"
        for p, m, op in operations(schema)
        if form in op.get("requestBody", {}).get("content", {})
    )
    assert "POST /api/auth/login" in with_forms and "POST /v1/credentials" in with_forms
    assert "POST /v1/runs" not in with_forms and "POST /api/app/run_event/v1" not in with_forms
    credential = schema["paths"]["/v1/credentials"]["post"]["requestBody"]["content"][form]["schema"]
    assert not any(prop.get("nullable") for prop in credential["properties"].values())


def test_policy_bounds_are_documented(schema):
    policy = json_body(schema, "/api/v1/policy", "put")["properties"]
    lifetime = policy["approval_lifetime_minutes"]
    assert (lifetime["minimum"], lifetime["maximum"]) == (1, 43200)
    assert policy["require_human_approval_for"]["uniqueItems"] is True


# --- the view fixes this schema work found -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["null", "[]", "0", '""', "false"])
def test_evaluate_automation_task_refuses_a_body_that_is_not_an_object(keyed_client, body):
    response = keyed_client.generic(
        "POST", "/api/app/evaluate_automation_task/v1", body, content_type="application/json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"code": "api", "description": "Malformed request body (must be a JSON object)"},
    )
    assert not PolicyDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("title", [{}, False, 0, []])
def test_evaluate_automation_task_refuses_a_title_that_is_not_text(keyed_client, title):
    response = keyed_client.post("/api/app/evaluate_automation_task/v1", {"title": title}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"code": "api", "description": "Malformed parameter: title (must be string)"},
    )
    assert not PolicyDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_an_empty_form_kind_is_refused_not_read_as_the_default(keyed_client, prefix):
    response = keyed_client.generic(
        "POST",
        f"{prefix}/credentials",
        "name=openai&value=sk-test&kind=",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"] == ['kind: "" is not a valid choice.']
    assert not Credential.objects.exists()


@pytest.mark.django_db
def test_a_form_without_kind_still_gets_the_default(keyed_client):
    response = keyed_client.generic(
        "POST",
        "/v1/credentials",
        "name=openai&value=sk-test",
        content_type="application/x-www-form-urlencoded",
    )
    assert (response.status_code, response.json()["kind"]) == (201, "api_key")


@pytest.mark.django_db
@pytest.mark.parametrize("value", [" \t", "\x1c", "\u3000"])
def test_a_blank_credential_value_is_refused(keyed_client, value):
    response = keyed_client.post("/v1/credentials", {"name": "openai", "value": value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["details"] == ["value: This field may not be blank."]
    assert not Credential.objects.exists()


def test_anonymous_schema_is_served_with_the_package_version():
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["version"] == config.__version__
