"""Sign-in attempts per client address: one budget for every password form (``/api/auth/login``,
the portal's sign-in page and the admin's), so no form is a way around ``OPSGATE_LOGIN_RATE``."""

from __future__ import annotations

import math

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

TOO_MANY_ATTEMPTS = "Too many sign-in attempts from here. Try again in {wait} second{s}."


class LoginRateThrottle(AnonRateThrottle):
    """Per-client-IP attempts, read at request time so settings can be changed in tests."""

    scope = "login"

    def get_rate(self):
        return settings.OPSGATE_LOGIN_RATE

    def get_cache_key(self, request, view):
        # Every attempt counts, signed in or not: a signed-in person may try the admin's form.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


def login_attempt_wait(request) -> int | None:
    """Counts one sign-in attempt from ``request``'s address: None when it may go ahead, else the
    whole seconds until it may (for ``Retry-After``)."""
    throttle = LoginRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def too_many_attempts(wait: int) -> str:
    return TOO_MANY_ATTEMPTS.format(wait=wait, s="" if wait == 1 else "s")
