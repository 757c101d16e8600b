"""The outbound HTTP client against real local servers: pinning, checked redirects, bounded capture,
retries and timeouts. No network: every server listens on loopback, names are faked."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from runs.engine import egress, http_client
from runs.engine.egress import EgressRefused
from runs.engine.http_client import HttpCallFailed, HttpResult, http_call


class _Server:
    """Records each request (method, path, lower-cased headers, body) and answers by path:

    ``/json``, ``/text``, ``/big`` (100 bytes), ``/status/<n>``, ``/slow`` (sleeps 1 s), ``/drip``,
    ``/flaky?fail=<n>`` (500 for the first n hits), ``/redirect?to=<url>&code=<n>``, ``/loop``;
    anything else echoes the request back as JSON.
    """

    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[dict] = []
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, data: bytes, content_type: str, extra: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                seen = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
                server.requests.append(seen)
                server.hits += 1
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/json":
                    self._send(200, b'{"ok": true, "n": [1, 2]}', "application/json; charset=utf-8")
                elif parts.path == "/text":
                    self._send(200, "héllo".encode(), "text/plain; charset=utf-8")
                elif parts.path == "/big":
                    self._send(200, b"x" * 100, "text/plain")
                elif parts.path.startswith("/status/"):
                    self._send(int(parts.path.rsplit("/", 1)[1]), b'{"error": "nope"}', "application/json")
                elif parts.path == "/slow":
                    time.sleep(1.0)
                    self._send(200, b"late", "text/plain")
                elif parts.path == "/drip":  # 20 bytes, one every 50 ms
                    self.send_response(200)
                    self.send_header("Content-Length", "20")
                    self.end_headers()
                    for _ in range(20):
                        self.wfile.write(b"d")
                        self.wfile.flush()
                        time.sleep(0.05)
                elif parts.path == "/flaky":
                    failing = server.hits <= int(query["fail"])
                    self._send(500 if failing else 200, b"down" if failing else b"up", "text/plain")
                elif parts.path == "/redirect":
                    code = int(query.get("code", "302"))
                    self._send(code, b"", "text/plain", {"Location": query["to"]})
                elif parts.path == "/loop":
                    self._send(302, b"", "text/plain", {"Location": "/loop"})
                else:
                    self._send(200, json.dumps(seen).encode(), "application/json")

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

        server_class = ThreadingHTTPServer
        if ":" in host:
            server_class = type("V6Server", (ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
        self.server = server_class((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a client that gave up is expected here
        self.port = self.server.server_address[1]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_loopback(settings):
    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1"]


@pytest.fixture
def server(allow_loopback):
    running = _Server()
    yield running
    running.close()


@pytest.fixture
def other_server(allow_loopback):
    """Another port on the same host: another origin."""
    running = _Server()
    yield running
    running.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_json_body_is_parsed(server):
    result = http_call(method="GET", url=f"{server.url}/json")
    assert result == HttpResult(
        status=200,
        headers=result.headers,
        body={"ok": True, "n": [1, 2]},
        truncated=False,
        attempts=1,
        url=f"{server.url}/json",
    )
    assert result.headers["content-type"] == "application/json; charset=utf-8"
    assert all(name == name.lower() for name in result.headers)
    seen = server.requests[0]
    assert seen["method"] == "GET"
    assert seen["headers"]["host"] == f"127.0.0.1:{server.port}"
    assert seen["headers"]["accept-encoding"] == "identity"


def test_text_body_is_decoded(server):
    result = http_call(method="get", url=f"{server.url}/text")
    assert (result.status, result.body, result.truncated) == (200, "héllo", False)
    assert server.requests[0]["method"] == "GET"


def test_post_json_body_reaches_the_server(server):
    result = http_call(
        method="POST", url=f"{server.url}/echo", headers={"X-Trace": "abc"}, json_body={"a": 1, "b": "é"}
    )
    assert result.status == 200
    seen = server.requests[0]
    assert seen["method"] == "POST"
    assert json.loads(seen["body"]) == {"a": 1, "b": "é"}
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["x-trace"] == "abc"
    assert seen["headers"]["host"] == f"127.0.0.1:{server.port}"
    assert result.body["body"] == seen["body"]


def test_post_raw_content_reaches_the_server(server):
    result = http_call(
        method="PUT",
        url=f"{server.url}/echo",
        headers={"Content-Type": "text/plain", "Host": "spoofed.example", "Content-Length": "999"},
        content="plain words",
    )
    assert result.status == 200
    seen = server.requests[0]
    assert (seen["method"], seen["body"]) == ("PUT", "plain words")
    assert seen["headers"]["content-type"] == "text/plain"
    assert seen["headers"]["content-length"] == "11"
    assert seen["headers"]["host"] == f"127.0.0.1:{server.port}"  # the caller cannot retarget Host


def test_content_and_json_body_together_are_a_programming_error(server):
    with pytest.raises(ValueError, match="not both"):
        http_call(method="POST", url=f"{server.url}/echo", content="a", json_body={"b": 1})
    assert server.requests == []


def test_an_http_error_is_a_result_not_an_exception(server):
    result = http_call(method="GET", url=f"{server.url}/status/404", retry_attempts=3, sleep=pytest.fail)
    assert (result.status, result.body, result.attempts) == (404, {"error": "nope"}, 1)
    assert len(server.requests) == 1  # 4xx is not retried


def test_5xx_is_retried_with_exponential_backoff(server):
    slept: list[float] = []
    result = http_call(
        method="GET",
        url=f"{server.url}/flaky?fail=2",
        retry_attempts=3,
        backoff_seconds=0.5,
        sleep=slept.append,
    )
    assert (result.status, result.body, result.attempts) == (200, "up", 3)
    assert slept == [0.5, 1.0]
    assert len(server.requests) == 3


def test_the_last_5xx_is_returned(server):
    slept: list[float] = []
    result = http_call(
        method="GET", url=f"{server.url}/status/503", retry_attempts=2, backoff_seconds=1, sleep=slept.append
    )
    assert (result.status, result.attempts) == (503, 3)
    assert slept == [1, 2]
    assert len(server.requests) == 3


def test_a_transport_error_is_retried_then_raised(allow_loopback):
    slept: list[float] = []
    port = _closed_port()
    with pytest.raises(HttpCallFailed) as failed:
        http_call(
            method="GET",
            url=f"http://127.0.0.1:{port}/x",
            headers={"Authorization": "Bearer s3cret"},
            retry_attempts=2,
            backoff_seconds=0.25,
            sleep=slept.append,
        )
    assert failed.value.attempts == 3
    assert slept == [0.25, 0.5]
    assert str(failed.value).startswith(f"Connection to http://127.0.0.1:{port}/x failed:")
    assert "s3cret" not in str(failed.value)


def test_a_timeout_raises(server):
    started = time.monotonic()
    with pytest.raises(HttpCallFailed, match=r"timed out after 0\.3s") as failed:
        http_call(method="GET", url=f"{server.url}/slow", timeout_seconds=0.3)
    assert time.monotonic() - started < 0.9
    assert failed.value.attempts == 1
    assert failed.value.message == f"Request to {server.url}/slow timed out after 0.3s"


def test_a_slow_drip_cannot_stretch_the_timeout(server):
    """Each read is quick, but the attempt as a whole has to finish within timeout_seconds."""
    started = time.monotonic()
    with pytest.raises(HttpCallFailed, match=r"timed out after 0\.3s"):
        http_call(method="GET", url=f"{server.url}/drip", timeout_seconds=0.3)
    assert time.monotonic() - started < 0.9


def test_an_invalid_header_fails_without_echoing_it(server):
    with pytest.raises(HttpCallFailed, match="not valid HTTP") as failed:
        http_call(method="GET", url=f"{server.url}/echo", headers={"Authorization": "Bearer s3cret\r\nX: y"})
    assert "s3cret" not in str(failed.value)
    assert failed.value.__cause__ is None and failed.value.__context__ is None
    assert server.requests == []


def test_the_body_is_truncated_at_max_bytes(server):
    result = http_call(method="GET", url=f"{server.url}/big", max_bytes=10)
    assert (result.status, result.body, result.truncated) == (200, "x" * 10, True)
    exact = http_call(method="GET", url=f"{server.url}/big", max_bytes=100)
    assert (exact.body, exact.truncated) == ("x" * 100, False)


def test_the_default_cap_comes_from_settings(server, settings):
    settings.OPSGATE_HTTP_MAX_RESPONSE_BYTES = 4
    result = http_call(method="GET", url=f"{server.url}/big")
    assert (result.body, result.truncated) == ("xxxx", True)


def test_truncated_json_is_returned_as_text(server):
    result = http_call(method="GET", url=f"{server.url}/json", max_bytes=5)
    assert (result.body, result.truncated) == ('{"ok"', True)


def test_a_redirect_is_followed_and_the_final_url_reported(server):
    result = http_call(method="GET", url=f"{server.url}/redirect?to=/json")
    assert (result.status, result.body, result.url) == (200, {"ok": True, "n": [1, 2]}, f"{server.url}/json")
    assert [r["path"] for r in server.requests] == ["/redirect?to=/json", "/json"]


def test_a_redirect_to_a_private_address_is_refused(server):
    with pytest.raises(EgressRefused, match=r"10\.0\.0\.1"):
        http_call(method="GET", url=f"{server.url}/redirect?to=http://10.0.0.1/", retry_attempts=2)
    assert len(server.requests) == 1  # refused, not retried


def test_a_redirect_loop_fails(server):
    with pytest.raises(HttpCallFailed, match=r"Too many redirects \(more than 3\)") as failed:
        http_call(method="GET", url=f"{server.url}/loop", max_redirects=3)
    assert failed.value.attempts == 1
    assert len(server.requests) == 4


def test_303_after_post_becomes_a_get_without_body(server):
    result = http_call(method="POST", url=f"{server.url}/redirect?to=/echo&code=303", json_body={"a": 1})
    assert result.status == 200
    first, second = server.requests
    assert (first["method"], first["body"]) == ("POST", '{"a":1}')
    assert (second["method"], second["path"], second["body"]) == ("GET", "/echo", "")
    assert "content-type" not in second["headers"]


def test_307_keeps_method_and_body(server):
    result = http_call(method="POST", url=f"{server.url}/redirect?to=/echo&code=307", content="same body")
    assert result.status == 200
    assert [(r["method"], r["body"]) for r in server.requests] == [
        ("POST", "same body"),
        ("POST", "same body"),
    ]


def test_authorization_is_dropped_on_a_cross_origin_redirect(server, other_server):
    headers = {"Authorization": "Bearer s3cret", "Cookie": "session=1", "X-Keep": "yes"}
    result = http_call(method="GET", url=f"{server.url}/redirect?to={other_server.url}/echo", headers=headers)
    assert (result.status, result.url) == (200, f"{other_server.url}/echo")
    assert server.requests[0]["headers"]["authorization"] == "Bearer s3cret"
    landed = other_server.requests[0]["headers"]
    assert "authorization" not in landed
    assert "cookie" not in landed
    assert landed["x-keep"] == "yes"
    assert landed["host"] == f"127.0.0.1:{other_server.port}"


def test_authorization_is_kept_on_a_same_origin_redirect(server):
    headers = {"Authorization": "Bearer s3cret", "Cookie": "session=1"}
    http_call(method="GET", url=f"{server.url}/redirect?to=/echo", headers=headers)
    landed = server.requests[1]["headers"]
    assert (landed["authorization"], landed["cookie"]) == ("Bearer s3cret", "session=1")


def test_url_credentials_become_basic_auth_and_stay_on_the_origin(server, other_server):
    url = f"http://user:pa%20ss@127.0.0.1:{server.port}/redirect?to={other_server.url}/echo"
    result = http_call(method="GET", url=url)
    assert server.requests[0]["headers"]["authorization"] == "Basic dXNlcjpwYSBzcw=="  # user:pa ss
    assert "authorization" not in other_server.requests[0]["headers"]
    assert "user" not in result.url


def test_loopback_is_refused_when_the_allow_list_is_empty(settings):
    running = _Server()
    try:
        settings.OPSGATE_EGRESS_ALLOW = []
        with pytest.raises(EgressRefused, match="refused unless OPSGATE_EGRESS_ALLOW"):
            http_call(method="GET", url=f"{running.url}/json", retry_attempts=2)
        assert running.requests == []
    finally:
        running.close()


def test_a_name_resolving_to_loopback_is_refused_unless_allowed(settings):
    settings.OPSGATE_EGRESS_ALLOW = []
    with pytest.raises(EgressRefused, match="'localhost' resolves to"):
        http_call(method="GET", url="http://localhost:1/")

    settings.OPSGATE_EGRESS_ALLOW = ["127.0.0.1", "::1"]
    first = str(egress.egress_check("http://localhost/")[0])  # where the client must connect
    running = _Server(first)
    try:
        result = http_call(method="GET", url=f"http://localhost:{running.port}/echo")
        assert result.status == 200
        assert running.requests[0]["headers"]["host"] == f"localhost:{running.port}"
    finally:
        running.close()


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup(server, monkeypatch):
    """A rebinding DNS answer after the check changes nothing: the name is resolved exactly once."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding_getaddrinfo(host, port, *args, **kwargs):
        if host == "pinned.example":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "10.9.9.9"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    result = http_call(method="GET", url=f"http://pinned.example:{server.port}/echo")
    assert (result.status, result.url) == (200, f"http://pinned.example:{server.port}/echo")
    assert lookups == ["pinned.example"]
    assert server.requests[0]["headers"]["host"] == f"pinned.example:{server.port}"


def test_the_client_connects_to_the_address_egress_check_returned(server, monkeypatch):
    checked: list[str] = []

    def fake_check(url):
        checked.append(url)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(http_client, "egress_check", fake_check)
    result = http_call(method="GET", url=f"http://pinned.example:{server.port}/redirect?to=/echo")
    assert result.status == 200
    assert checked == [
        f"http://pinned.example:{server.port}/redirect?to=/echo",
        f"http://pinned.example:{server.port}/echo",
    ]
    assert [r["headers"]["host"] for r in server.requests] == [f"pinned.example:{server.port}"] * 2


def test_https_pins_the_address_and_keeps_the_name_for_sni(monkeypatch):
    sent: list[httpx.Request] = []

    def fake_transport(self, request):
        sent.append(request)
        return httpx.Response(200, text="ok")

    monkeypatch.setattr(http_client, "egress_check", lambda url: [ipaddress.ip_address("2001:db8::7")])
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", fake_transport)
    result = http_call(method="GET", url="https://api.example:8443/v1?q=1")
    assert (result.status, result.body, result.url) == (200, "ok", "https://api.example:8443/v1?q=1")
    (request,) = sent
    assert str(request.url) == "https://[2001:db8::7]:8443/v1?q=1"
    assert request.headers["host"] == "api.example:8443"
    assert request.extensions["sni_hostname"] == "api.example"

    sent.clear()
    http_call(method="GET", url="https://api.example/")
    assert sent[0].headers["host"] == "api.example"  # default port left out


def test_environment_proxies_are_ignored(server, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = http_call(method="GET", url=f"{server.url}/json")
    assert result.status == 200
    assert len(server.requests) == 1


def test_named_secret_headers_are_dropped_on_a_cross_origin_redirect(server, other_server):
    headers = {"X-Api-Key": "k-s3cret", "Proxy-Authorization": "Basic cA==", "X-Keep": "yes"}
    result = http_call(
        method="GET",
        url=f"{server.url}/redirect?to={other_server.url}/echo",
        headers=headers,
        secret_headers=["x-api-KEY"],
    )
    assert (result.status, result.url) == (200, f"{other_server.url}/echo")
    assert server.requests[0]["headers"]["x-api-key"] == "k-s3cret"
    landed = other_server.requests[0]["headers"]
    assert "x-api-key" not in landed and "proxy-authorization" not in landed
    assert landed["x-keep"] == "yes"


def test_named_secret_headers_are_kept_on_a_same_origin_redirect(server):
    http_call(
        method="GET",
        url=f"{server.url}/redirect?to=/echo",
        headers={"X-Api-Key": "k"},
        secret_headers=["X-Api-Key"],
    )
    assert [r["headers"].get("x-api-key") for r in server.requests] == ["k", "k"]


def test_a_secret_body_is_not_resent_to_another_origin(server, other_server):
    with pytest.raises(HttpCallFailed, match="a body carrying a credential is not sent there"):
        http_call(
            method="POST",
            url=f"{server.url}/redirect?to={other_server.url}/echo&code=307",
            content="client_secret=s3cret",
            secret_body=True,
        )
    assert other_server.requests == []
    same = http_call(
        method="POST",
        url=f"{server.url}/redirect?to=/echo&code=307",
        content="client_secret=s3cret",
        secret_body=True,
    )
    assert same.body["body"] == "client_secret=s3cret"
    server.requests.clear()
    turned = http_call(  # a 303 turns it into a GET without the body: nothing secret travels
        method="POST",
        url=f"{server.url}/redirect?to={other_server.url}/echo&code=303",
        content="client_secret=s3cret",
        secret_body=True,
    )
    assert (turned.status, other_server.requests[-1]["body"]) == (200, "")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:99999/", "port 99999 is out of range (1-65535)"),
        ("http://127.0.0.1:0/", "port 0 is out of range (1-65535)"),
        ("ftp://127.0.0.1/", "the scheme must be http or https"),
        ("http:///path", "it has no host"),
        ("http://[::1/", "Invalid port: ':1'"),
    ],
)
def test_an_unusable_url_is_a_clean_failure(allow_loopback, url, problem):
    with pytest.raises(HttpCallFailed) as failed:
        http_call(method="GET", url=url)
    assert (failed.value.message, failed.value.attempts) == (f"Invalid URL: {problem}", 0)


def test_a_redirect_to_an_impossible_port_is_a_clean_failure(server):
    with pytest.raises(HttpCallFailed, match="redirected to an invalid URL"):
        http_call(method="GET", url=f"{server.url}/redirect?to=http://127.0.0.1:99999/")
    assert len(server.requests) == 1
