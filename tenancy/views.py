"""Portal sign-in (Django's own login, shared with the admin) and the tenant switcher."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tenancy.models import Membership
from tenancy.portal import SESSION_TENANT
from tenancy.throttles import login_attempt_wait


class PortalLoginView(auth_views.LoginView):
    """Django's login form, with the per-address attempt limit every password form shares."""

    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = login_attempt_wait(request)
        if wait is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: showing the bound one's errors would check the password after all.
        context = self.get_context_data(form=self.get_form_class()(request), throttled=wait)
        return self.render_to_response(context, status=429, headers={"Retry-After": str(wait)})


login = PortalLoginView.as_view()
logout = auth_views.LogoutView.as_view(next_page="portal:login")


@require_POST
@login_required
def tenant_switch(request):
    """Remembers the chosen tenant in the session; only a tenant the person belongs to is accepted."""
    wanted = request.POST.get("tenant", "")
    membership = (
        Membership.objects.filter(user=request.user, team__tenant_id__in=_uuid_or_none(wanted))
        .select_related("team__tenant")
        .first()
    )
    if membership is None:
        messages.error(request, "You are not a member of that tenant.")
        return redirect("portal:inbox")
    request.session[SESSION_TENANT] = str(membership.team.tenant_id)
    messages.info(request, f"Now working in {membership.team.tenant.name}.")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # A page of the other tenant's object would be a 404 here: go to the same section's list.
        return redirect(_section_root(target))
    return redirect("portal:inbox")


def _uuid_or_none(value: str) -> list:
    try:
        return [uuid.UUID(value)]
    except ValueError:
        return []


def _section_root(path: str) -> str:
    for section in ("/portal/runs", "/portal/rules", "/portal/health"):
        if path.startswith(section):
            return section
    return "/portal/"
