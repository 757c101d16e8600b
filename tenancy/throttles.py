"""Sign-in attempts per client address, shared by the API's login and the portal's login form."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class LoginRateThrottle(AnonRateThrottle):
    """Per-client-IP attempts, read at request time so settings can be changed in tests."""

    scope = "login"

    def get_rate(self):
        return settings.OPSGATE_LOGIN_RATE

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
