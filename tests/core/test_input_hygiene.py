"""NUL characters and lone surrogates from clients are refused at the door, in each contract's
envelope: 404 for a path, 400/422 for query and form parameters (InputHygieneMiddleware), and for
any string or key of a JSON body (SafeJSONParser). PostgreSQL answered 500 to every one of these;
run this file with ``DATABASE_URL=postgres://...`` as well as on SQLite."""

import io
import json

import pytest
from django.test import Client
from rest_framework.exceptions import ValidationError

from automation.models import AutomationRule
from core.input_hygiene import json_text_problems, printable
from core.parsers import SafeJSONParser
from governance.models import Credential, PolicyDecision
from runs.models import Run, RunEvent
from tests.automation.conftest import rule_body
from tests.factories import api_key_for, member
from tests.portal.helpers import ask, signed_in
from tests.runs.journal_helpers import event

RID = "req_hygiene1"
NUL = "text must not contain NUL characters"
SURROGATE = "text must be valid Unicode"
JOURNAL_404 = {"error": {"code": "NOT_FOUND", "message": "Not found.", "details": []}}
RUNS_404 = {"error": {"code": "NOT_FOUND", "message": "Not found.", "requestId": RID}}


@pytest.fixture
def key(tenant):
    return api_key_for(member(tenant=tenant, role="admin"), tenant)[0]


def call(method, url, key, body=None, content_type="application/json"):
    client = Client(raise_request_exception=False)
    kwargs = {"HTTP_X_API_KEY": key, "HTTP_X_REQUEST_ID": RID}
    if body is not None:
        kwargs.update(data=body, content_type=content_type)
    return getattr(client, method)(url, **kwargs)


# --- the path: a 404 in the contract's envelope -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        ("get", "/v1/runs/%00/status", JOURNAL_404),
        ("get", "/v1/runs/%00/events", JOURNAL_404),
        ("get", "/v1/runs/run%00x/journal", JOURNAL_404),
        ("post", "/v1/approvals/%00", JOURNAL_404),
        ("get", "/v1/runs/%00", RUNS_404),
        ("get", "/api/v1/runs/%00", RUNS_404),
        ("get", "/v1/credentials/%00", RUNS_404),
        ("delete", "/v1/credentials/%00", RUNS_404),
        ("get", "/api/v1/automation/rules/%00", {"error": {"code": "NOT_FOUND", "message": "Not found."}}),
        ("post", "/api/app/run_event%00/v1", {"code": "api", "description": "Not found."}),
    ],
)
def test_a_nul_in_the_path_is_a_404_in_the_contracts_envelope(key, method, url, expected):
    response = call(method, url, key, body="{}" if method == "post" else None)
    assert (response.status_code, response.json()) == (404, expected)
    assert response["X-Request-ID"] == RID


@pytest.mark.django_db
def test_a_nul_in_a_path_id_reads_no_run_and_decides_nothing(key, tenant):
    approval = ask(tenant, "run_1", event_id="evt_1")
    body = json.dumps({"decision": "approved", "approver_id": "x"})
    assert call("post", "/v1/approvals/evt_1%00", key, body).status_code == 404
    approval.refresh_from_db()
    assert approval.status == "pending" and RunEvent.objects.filter(run__run_id="run_1").count() == 1


# --- query parameters: 400 or 422, naming the parameter -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status", "expected"),
    [
        (
            "/v1/workflows?tag=%00",
            400,
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Query validation failed",
                    "details": [f"tag: {NUL}"],
                    "requestId": RID,
                }
            },
        ),
        (
            "/api/v1/workflows?name=ok&category=a%00",
            400,
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Query validation failed",
                    "details": [f"category: {NUL}"],
                    "requestId": RID,
                }
            },
        ),
        (
            "/v1/approvals/pending?x%00=1",
            422,
            {
                "error": {
                    "code": "REQUEST_VALIDATION_ERROR",
                    "message": "Query validation failed",
                    "details": [
                        {"path": "x\\x00", "message": NUL, "type": "string_nul", "code": "STRING_NUL"}
                    ],
                }
            },
        ),
        (
            "/api/v1/automation/rules?status=%00",
            400,
            {
                "error": {
                    "code": "VALIDATION_ERROR",
                    "message": "Query validation failed",
                    "details": [{"path": ["status"], "message": NUL, "code": "STRING_NUL"}],
                }
            },
        ),
        (
            "/api/app/get_automation_manager/v1?title=%00",
            400,
            {"code": "api", "description": f"Malformed parameter: title ({NUL})"},
        ),
        (
            "/health?probe=%00",
            422,
            {"detail": [{"type": "string_nul", "loc": ["body", "probe"], "msg": NUL}]},
        ),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_client_error_naming_it(key, url, status, expected):
    response = call("get", url, key)
    assert (response.status_code, response.json()) == (status, expected)


# --- form fields (every method) -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_nul_in_a_form_field_is_refused_before_the_view_runs(key):
    response = call(
        "post",
        "/api/app/evaluate_automation_task/v1",
        key,
        "title=a%00b",
        "application/x-www-form-urlencoded",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"code": "api", "description": f"Malformed parameter: title ({NUL})"},
    )
    assert not PolicyDecision.objects.exists()


@pytest.mark.django_db
def test_a_nul_in_a_put_form_is_refused_too(key, tenant):
    response = call(
        "put",
        "/api/v1/automation/rules/3b8f8f47-3b5a-4f0e-9a39-4f4f4f4f4f4f",
        key,
        "name=a%00b",
        "application/x-www-form-urlencoded",
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Validation failed",
                "details": [{"path": ["name"], "message": NUL, "code": "STRING_NUL"}],
            }
        },
    )


@pytest.mark.django_db
def test_a_nul_in_the_login_form_is_422_and_no_attempt_is_made(client_api):
    response = client_api.generic(
        "POST",
        "/api/auth/login",
        "username=a%00b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert (response.status_code, response.json()) == (
        422,
        {"detail": [{"type": "string_nul", "loc": ["body", "username"], "msg": NUL}]},
    )


# --- the portal and the admin: Django's own 404 and 400 pages -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/portal/runs/%00", 404),
        ("/portal/runs/run_1%00", 404),
        ("/portal/run-cancel/%00", 404),
        ("/portal/runs?q=%00", 400),
        ("/portal/runs?status=running&workflow=%00", 400),
        ("/portal/?run=%00", 400),
        ("/portal/rules?q=%00", 400),
        ("/admin/auth/user/?q=%00", 400),
    ],
)
def test_the_portals_pages_and_filters_refuse_a_nul(tenant, url, status):
    user = member(tenant=tenant, role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    ask(tenant, "run_1")
    response = signed_in(user).get(url)
    assert response.status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["urlencoded", "multipart"])
def test_a_portal_form_with_a_nul_decides_nothing(tenant, content_type):
    operator = member(tenant=tenant, role="operator")
    approval = ask(tenant, "run_1")
    client = signed_in(operator)
    url = f"/portal/approvals/{approval.pk}/decide"
    if content_type == "multipart":
        response = client.post(url, {"decision": "approved", "reason": "ok\x00"})
    else:
        response = client.post(
            url, "decision=approved&reason=ok%00", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400
    approval.refresh_from_db()
    assert approval.status == "pending"


# --- JSON bodies: the parser refuses NUL and lone surrogates in every string and key -------------

BAD_STRINGS = [("a\\u0000b", NUL, "string_nul"), ("\\ud800", SURROGATE, "string_unicode")]


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "message", "_type"), BAD_STRINGS)
@pytest.mark.parametrize(
    ("url", "template", "path"),
    [
        ("/api/app/run_event/v1", '{"title": "%s"}', "title"),
        ("/api/app/run_event/v1", '{"id": "x", "input": {"a": [1, "%s"]}}', "input.a.1"),
        ("/api/app/run_event/v1", '{"title": "x", "params": {"%s": 1}}', "params.%s (key)"),
        ("/api/app/evaluate_automation_task/v1", '{"title": "%s", "risk_level": "high"}', "title"),
        ("/api/app/evaluate_automation_task/v1", '{"id": "%s"}', "id"),
    ],
)
def test_run_event_bodies_with_unstorable_text_are_400_in_the_envelope(
    key, tenant, url, template, path, raw, message, _type
):
    response = call("post", url, key, template % raw)
    shown = path % ("a\\x00b" if "0000" in raw else "\\ud800") if "%s" in path else path
    assert (response.status_code, response.json()) == (
        400,
        {"code": "api", "description": f"Malformed parameter: {shown} ({message})"},
    )
    assert not Run.objects.exists() and not PolicyDecision.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_itself_a_bad_string_is_400(key):
    response = call("post", "/api/app/run_event/v1", key, '"\\ud800"')
    assert (response.status_code, response.json()) == (400, {"code": "api", "description": SURROGATE})


@pytest.mark.django_db
@pytest.mark.parametrize(("raw", "message", "type_"), BAD_STRINGS)
def test_every_contract_refuses_them_as_a_validation_error(key, raw, message, type_):
    """Stores that held such text unchecked (a rule's metadata) were a 500 on PostgreSQL."""
    rule = json.dumps(rule_body(metadata={"note": "PLACEHOLDER"})).replace("PLACEHOLDER", raw)
    response = call("post", "/api/v1/automation/rules", key, rule)
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Validation failed",
                "details": [{"path": ["metadata", "note"], "message": message, "code": type_.upper()}],
            }
        },
    )
    assert not AutomationRule.objects.exists()

    body = json.dumps(event("run_1", title="PLACEHOLDER")).replace("PLACEHOLDER", raw)
    response = call("post", "/v1/events", key, body)
    assert (response.status_code, response.json()) == (
        422,
        {
            "error": {
                "code": "REQUEST_VALIDATION_ERROR",
                "message": "Request validation failed.",
                "details": [{"path": "title", "message": message, "type": type_, "code": type_.upper()}],
            }
        },
    )
    assert not RunEvent.objects.exists()

    response = call(
        "post", "/v1/credentials", key, json.dumps({"name": "abc", "value": "@"}).replace('"@"', f'"{raw}"')
    )
    assert (response.status_code, response.json()["error"]["details"]) == (400, [f"value: {message}"])
    assert not Credential.objects.exists()

    response = call(
        "post",
        "/api/auth/login",
        key,
        json.dumps({"username": "@", "password": "x"}).replace('"@"', f'"{raw}"'),
    )
    assert (response.status_code, response.json()) == (
        422,
        {"detail": [{"type": type_, "loc": ["body", "username"], "msg": message}]},
    )


# --- the evaluate body's id ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("task_id", "description"),
    [
        ("x" * 65, "Malformed parameter: id (at most 64 characters)"),  # a 500 on PostgreSQL before
        ({"a": 1}, "Malformed parameter: id (must be string)"),
        (True, "Malformed parameter: id (must be string)"),
    ],
)
def test_an_evaluate_task_id_the_record_cannot_hold_is_400(key, task_id, description):
    response = call("post", "/api/app/evaluate_automation_task/v1", key, json.dumps({"id": task_id}))
    assert (response.status_code, response.json()) == (400, {"code": "api", "description": description})
    assert not PolicyDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("task_id", "recorded"), [("x" * 64, "x" * 64), (12, "12")])
def test_an_evaluate_task_id_up_to_64_characters_is_recorded(key, task_id, recorded):
    response = call("post", "/api/app/evaluate_automation_task/v1", key, json.dumps({"id": task_id}))
    assert response.status_code == 200 and response.json()["task"]["id"] == recorded
    assert PolicyDecision.objects.get().decision_id == recorded


# --- the pieces ----------------------------------------------------------------------------------


def test_the_parser_names_every_bad_string_and_key_by_path():
    data = {"ok": "fine", "a": ["x", "b\x00"], "k\ud800": {"deep": "\udfff"}, "pair": "\U0001f600"}
    problems = [(p.path, p.type) for p in json_text_problems(data)]
    assert problems == [
        ("a.1", "string_nul"),
        ("k\\ud800 (key)", "string_unicode"),
        ("k\\ud800.deep", "string_unicode"),
    ]


def test_the_parser_accepts_what_can_be_stored():
    body = '{"emoji": "\\ud83d\\ude00", "text": "caf\\u00e9", "n": [1, 2.5, null, true]}'
    assert SafeJSONParser().parse(io.BytesIO(body.encode())) == {
        "emoji": "\U0001f600",
        "text": "café",
        "n": [1, 2.5, None, True],
    }


def parse(body: bytes, encoding="utf-8"):
    return SafeJSONParser().parse(io.BytesIO(body), parser_context={"encoding": encoding})


def test_a_body_without_an_unstorable_escape_is_not_walked(monkeypatch):
    """The walk costs four times the parse of an event; raw NUL and surrogates never parse."""
    import core.parsers

    def walk(value):
        raise AssertionError("walked")

    monkeypatch.setattr(core.parsers, "json_text_problems", walk)
    text = "caf\u00e9 \U0001f600 \\ud7ff \\u0001" * 20  # a raw emoji; escapes short of the ranges
    body = json.dumps({**event("run_1"), "details": text}, ensure_ascii=False)
    assert parse(body.encode())["details"] == text
    with pytest.raises(AssertionError, match="walked"):
        parse(b'{"x": "\\uDC00"}')  # any case, any surrogate


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (b'{"x": "\\uD800"}', "x", SURROGATE),
        (b'{"x": "\\uDFFF"}', "x", SURROGATE),
        (b'{"\\u0000": 1}', "\\x00 (key)", NUL),
    ],
)
def test_escapes_in_any_case_are_refused(body, path, message):
    with pytest.raises(ValidationError) as raised:
        parse(body)
    assert raised.value.detail == {path: [message]}


def test_an_escaped_backslash_is_walked_and_accepted():
    assert parse(b'{"x": "\\\\u0000 \\\\ud800"}') == {"x": "\\u0000 \\ud800"}


def test_a_body_in_another_encoding_is_always_walked():
    with pytest.raises(ValidationError) as raised:
        parse('{"x": "a\\u0000"}'.encode("utf-16"), "utf-16")
    assert raised.value.detail == {"x": [NUL]}


def test_a_hostile_body_gets_a_bounded_answer():
    assert len(json_text_problems(["\x00"] * 10_000)) == 20


def test_printable_escapes_what_cannot_be_echoed():
    assert printable("a\x00b\ud800") == "a\\x00b\\ud800"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/automation/executions?page=1&page=2", 400, "REPEATED_PARAMETER"),
        ("/v1/workflows?tag=a&tag=b", 400, "tag: given more than once"),
        ("/v1/runs/r1/events?limit=5&limit=500", 422, "REPEATED_PARAMETER"),
    ],
)
def test_an_api_query_parameter_sent_twice_is_refused_not_guessed(key, url, status, code):
    response = call("get", url, key)
    assert response.status_code == status, response.content
    assert code in response.content.decode() and "given more than once" in response.content.decode()
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_the_portal_keeps_its_repeated_parameters(tenant):
    user = member(tenant=tenant, role="operator")
    assert signed_in(user).get("/portal/runs?status=running&status=failed").status_code == 200
