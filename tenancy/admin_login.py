"""The admin's sign-in form under the same per-address attempt limit as the portal's and the API's.

``limit_admin_login(site)`` wraps the site's login view: each POST counts one attempt; once the
budget is spent the page answers 429 with ``Retry-After``, and its form refuses before any password
is checked (so even the right one fails until then), saying why in the admin's own error slot.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from tenancy.throttles import login_attempt_wait, too_many_attempts

REFUSED_FOR = "_opsgate_login_refused_for"  # request attribute: seconds until the next attempt


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        wait = getattr(self.request, REFUSED_FOR, None)
        if wait is not None:
            raise ValidationError(too_many_attempts(wait), code="throttled")
        return super().clean()


def limit_admin_login(site: AdminSite) -> None:
    """Installs the limit on ``site`` (before its URLs are built, as admin modules load first)."""
    login = site.login

    @wraps(login)
    def limited_login(request, extra_context=None):
        wait = login_attempt_wait(request) if request.method == "POST" else None
        setattr(request, REFUSED_FOR, wait)
        response = login(request, extra_context)
        if wait is not None:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response

    site.login_form = LimitedAdminAuthenticationForm
    site.login = limited_login
