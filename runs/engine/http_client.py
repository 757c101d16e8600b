"""The product's one outbound HTTP client (the workflow ``http`` node, automation webhook calls).

Every hop is checked by the egress guard and then *pinned*: the request is sent to the first address
``egress_check`` returned (the URL's host is swapped for that IP literal), while the ``Host`` header,
TLS SNI and certificate verification still use the name. Nothing resolves the name a second time,
so a DNS server that answers "public" to the guard and "127.0.0.1" to the connect (DNS rebinding)
gains nothing. Redirects are followed here rather than by httpx, because each ``Location`` is a new
destination that has to pass the guard too. Credentials do not follow a redirect to another origin:
``Authorization``, ``Proxy-Authorization``, ``Cookie`` and every header the caller names in
``secret_headers`` are dropped, and a body that carries a credential is never re-sent there.

Responses are read as a stream and capped at ``max_bytes``, so a huge or endless body cannot exhaust
memory. Header values can hold secrets: they are never logged nor put in error messages.
"""

from __future__ import annotations

import base64
import codecs
import functools
import json
import logging
import ssl
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from runs.engine.egress import egress_check
from runs.engine.origins import origin

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ORIGIN_CREDENTIALS = ("authorization", "proxy-authorization", "cookie")  # dropped leaving the origin
MAX_PORT = 65535
_BODY_HEADERS = ("content-type", "content-encoding")  # dropped when a redirect turns into a GET
_COMPUTED_HEADERS = ("host", "content-length", "transfer-encoding")  # ours to set, never the caller's


class _NoRequestLines(logging.Filter):
    """httpx logs every request's URL at INFO; a URL may carry a credential (a workflow that opted in
    to one in its query string), and each call is in the run's journal, masked, anyway."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("HTTP Request:")


logging.getLogger("httpx").addFilter(_NoRequestLines())


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: dict[str, str]  # response headers, lower-cased names
    body: Any  # parsed JSON when the response is complete JSON, else the decoded text
    truncated: bool  # the body was cut at max_bytes
    attempts: int
    url: str  # the final URL, after redirects


class HttpCallFailed(Exception):
    """No usable response after every attempt (timeout, refused connection, redirect loop, ...)."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.message = message
        self.attempts = attempts


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be fetched as it is written (None when it can): parsed the way the client
    will parse it, so a URL that passes here does not fail later with a raw parsing error."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return str(exc) or "it cannot be parsed"
    if parsed.scheme not in ("http", "https"):
        return "the scheme must be http or https"
    if not parsed.host:
        return "it has no host"
    if parsed.port is not None and not 1 <= parsed.port <= MAX_PORT:
        return f"port {parsed.port} is out of range (1-{MAX_PORT})"
    return None


class _Retryable(Exception):
    """A transport failure another attempt might not hit (the message is safe to show)."""


def http_call(
    *,
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    secret_headers: Collection[str] = (),
    content: str | bytes | None = None,
    secret_body: bool = False,
    json_body: Any = None,
    timeout_seconds: float = 10.0,
    retry_attempts: int = 0,
    backoff_seconds: float = 1.0,
    max_bytes: int | None = None,
    max_redirects: int = 5,
    sleep: Callable[[float], Any] = time.sleep,
) -> HttpResult:
    """Send one request through the egress guard; see the module docstring for the guarantees.

    ``timeout_seconds`` bounds each attempt, redirects included (a slow-dripping server cannot stretch
    it much past that). Transport errors and 5xx answers are retried ``retry_attempts`` times, sleeping
    ``backoff_seconds * 2**n`` in between; the last 5xx is returned, the last transport error raises
    ``HttpCallFailed``. ``EgressRefused`` is raised as is and never retried.

    ``secret_headers`` names the caller's headers that carry a credential; ``secret_body`` says the
    body does. Neither is sent to another origin when a redirect leads there.
    """
    if content is not None and json_body is not None:
        raise ValueError("Pass content or json_body, not both")
    problem = url_problem(url)
    if problem:
        raise HttpCallFailed(f"Invalid URL: {problem}", 0)
    start = httpx.URL(url)
    request_headers = httpx.Headers(headers or {})
    for name in _COMPUTED_HEADERS:
        request_headers.pop(name, None)
    if start.username or start.password:  # as a header, so it obeys the same-origin rule on redirects
        token = base64.b64encode(f"{start.username}:{start.password}".encode()).decode("ascii")
        request_headers.setdefault("Authorization", f"Basic {token}")
        start = start.copy_with(username=None, password=None)
    body: bytes | None = None
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        request_headers.setdefault("Content-Type", "application/json")
    elif content is not None:
        body = content.encode() if isinstance(content, str) else content
    # Compressed bodies could expand far beyond max_bytes in one chunk; ask for them plain.
    request_headers.setdefault("Accept-Encoding", "identity")

    limit = (
        max_bytes
        if max_bytes is not None
        else getattr(settings, "OPSGATE_HTTP_MAX_RESPONSE_BYTES", 1_048_576)
    )
    call = _Call(
        timeout_seconds=timeout_seconds,
        max_bytes=limit,
        max_redirects=max_redirects,
        origin_bound=frozenset(name.lower() for name in (*_ORIGIN_CREDENTIALS, *secret_headers)),
        secret_body=secret_body and body is not None,
    )
    attempts = 0
    while True:
        attempts += 1
        try:
            result = call.attempt(method.upper(), start, request_headers, body, attempts)
        except _Retryable as exc:
            if attempts > retry_attempts:
                raise HttpCallFailed(str(exc), attempts) from exc
        else:
            if result.status < 500 or attempts > retry_attempts:
                return result
        sleep(backoff_seconds * 2 ** (attempts - 1))


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Built once per process (loading the CA bundle costs ~28 ms, measured: it was most of a run's
    overhead). trust_env honours SSL_CERT_FILE/SSL_CERT_DIR (an operator's CA bundle); the clients
    themselves ignore the environment (proxies, .netrc)."""
    return httpx.create_ssl_context(trust_env=True)


class _Call:
    """The settings one ``http_call`` shares across its attempts and redirect hops."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        max_bytes: int,
        max_redirects: int,
        origin_bound: frozenset[str],
        secret_body: bool,
    ):
        self.timeout_seconds = timeout_seconds
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.origin_bound = origin_bound  # header names that never leave the first origin
        self.secret_body = secret_body
        self.deadline = 0.0

    def attempt(
        self, method: str, url: httpx.URL, headers: httpx.Headers, body: bytes | None, attempt: int
    ) -> HttpResult:
        """One attempt: the request and the redirects it leads to, each hop checked by the guard."""
        self.deadline = time.monotonic() + self.timeout_seconds
        headers = headers.copy()
        for hop in range(self.max_redirects + 1):
            response, data, truncated = self._exchange(method, url, headers, body, attempt)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or location is None:
                return HttpResult(
                    status=response.status_code,
                    headers=dict(response.headers.items()),
                    body=_parse_body(response, data, truncated),
                    truncated=truncated,
                    attempts=attempt,
                    url=str(url),
                )
            if hop == self.max_redirects:
                break
            try:
                target = url.join(location).copy_with(username=None, password=None)
            except (httpx.InvalidURL, TypeError, ValueError):
                target = None
            if target is None or url_problem(str(target)):
                raise HttpCallFailed(f"{url} redirected to an invalid URL", attempt) from None
            status = response.status_code
            if (status == 303 and method != "HEAD") or (
                status in (301, 302) and method not in ("GET", "HEAD")
            ):
                method, body = "GET", None
                for name in _BODY_HEADERS:
                    headers.pop(name, None)
            if origin(target) != origin(url):
                for name in self.origin_bound:
                    headers.pop(name, None)
                if body is not None and self.secret_body:
                    raise HttpCallFailed(
                        f"{url} redirected to another origin; a body carrying a credential is not sent there",
                        attempt,
                    )
            url = target
        raise HttpCallFailed(f"Too many redirects (more than {self.max_redirects}) from {url}", attempt)

    def _exchange(
        self, method: str, url: httpx.URL, headers: httpx.Headers, body: bytes | None, attempt: int
    ) -> tuple[httpx.Response, bytes, bool]:
        """One request to the pinned address; a redirect's body is not read."""
        address = egress_check(str(url))[0]
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _Retryable(f"Request to {url} timed out after {self.timeout_seconds}s")
        pinned = url.copy_with(host=str(address))  # httpx brackets an IPv6 literal itself
        hop_headers = headers.copy()
        hop_headers["Host"] = url.netloc.decode("ascii")  # the name (and non-default port), not the IP
        extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else None
        client = httpx.Client(
            timeout=httpx.Timeout(remaining),
            follow_redirects=False,
            trust_env=False,
            verify=_ssl_context(),  # shared: httpx would otherwise load the CA bundle per client
        )
        # A client per hop: its pool is keyed by IP, so a kept-alive TLS connection verified for one
        # name could otherwise be reused for another name on the same address.
        try:
            with client:
                request = client.build_request(
                    method, pinned, headers=hop_headers, content=body, extensions=extensions
                )
                response = client.send(request, stream=True)
                try:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        return response, b"", False
                    data, truncated = self._read(response, url)
                finally:
                    response.close()
        except httpx.TimeoutException:
            raise _Retryable(f"Request to {url} timed out after {self.timeout_seconds}s") from None
        except httpx.ConnectError as exc:
            raise _Retryable(f"Connection to {url} failed: {_reason(exc)}") from exc
        except httpx.LocalProtocolError:
            # h11's message quotes the offending header, which may be a secret: say less, and raise
            # after this block so the original is not even attached as __context__.
            pass
        except httpx.TransportError as exc:
            raise _Retryable(f"Request to {url} failed: {_reason(exc)}") from exc
        except httpx.DecodingError as exc:
            raise HttpCallFailed(
                f"Response from {url} could not be decoded: {_reason(exc)}", attempt
            ) from exc
        else:
            return response, data, truncated
        raise HttpCallFailed(
            f"Request to {url} could not be sent: a header name or value is not valid HTTP", attempt
        )

    def _read(self, response: httpx.Response, url: httpx.URL) -> tuple[bytes, bool]:
        """At most ``max_bytes`` of the body, and whether there was more."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            if size + len(chunk) > self.max_bytes:
                chunks.append(chunk[: self.max_bytes - size])
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
            if time.monotonic() > self.deadline:
                raise _Retryable(f"Request to {url} timed out after {self.timeout_seconds}s")
        return b"".join(chunks), False


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN/Infinity are not JSON and cannot be stored as JSON later


def _parse_body(response: httpx.Response, data: bytes, truncated: bool) -> Any:
    """JSON when the response says so and is complete and valid; otherwise text, never an error."""
    mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not truncated and (mime == "application/json" or mime.endswith("+json")):
        try:
            return json.loads(data, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            pass
    encoding = response.charset_encoding or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")
