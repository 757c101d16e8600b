"""Where a saved URL's credentials may go: to the origin (scheme, host, port) written when it was saved.

A template in the path or the query is fine, but one anywhere before the path starts lets whoever
supplies the template's data (a run's input, a webhook's trigger data) choose the host, and so receive
the credentials: ``https://{{ trigger.host }}/`` or even ``https://good.com{{ x }}/``
(``x = ".evil.net"``). So a URL that carries credentials needs its origin written out (checked when it
is saved), and the rendered URL must still have that origin when it is sent (checked again then).
"""

from __future__ import annotations

import re

import httpx

# Jinja's three openers: a comment ({# ... #}) can hide the "/" that would seem to end the host.
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")
_BEFORE_PATH = re.compile(r"[^/?#]*")

Origin = tuple[str, bytes, int | None]


def origin(url: httpx.URL) -> Origin:
    return url.scheme, url.raw_host.lower(), url.port  # httpx normalises default ports to None


def origin_part(url: str) -> str:
    """The text of ``url`` before its path starts (``https://api.example.com:8443``). Cut at the
    first ``/``, ``?`` or ``#`` after ``scheme://``, even inside a template, so a template there is
    always counted as choosing the origin."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return _BEFORE_PATH.match(url).group(0)
    return scheme + separator + _BEFORE_PATH.match(rest).group(0)


def origin_is_templated(url: str) -> bool:
    """Whether a template could choose the scheme, host or port of ``url``: one that opens before
    the path starts (its ``{`` the last character there counts too, ``{#`` being a comment)."""
    return bool(_TEMPLATE_SYNTAX.search(url, 0, len(origin_part(url)) + 1))


def url_origin(url: str) -> Origin | None:
    """The origin the engine's client would send ``url`` to; None when it cannot be parsed."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    return origin(parsed) if parsed.scheme and parsed.host else None


def credentials_origin_problem(*, saved: str, sent: str) -> str | None:
    """Why credentials must not go with ``sent`` (a rendering of the ``saved`` URL), or None."""
    if origin_is_templated(saved):
        return (
            "the saved URL chooses its scheme, host or port with a template; credentials are sent only "
            "to an origin written out in the URL"
        )
    expected = url_origin(origin_part(saved))
    if expected is None or url_origin(sent) != expected:
        return f"the URL renders to another origin than the saved one ({origin_part(saved)})"
    return None
