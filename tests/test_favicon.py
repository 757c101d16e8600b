"""``/favicon.ico`` answers 200 with an icon, for anyone, and the portal's pages link the icon."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import member
from tests.portal.helpers import signed_in

ICON = Path(settings.BASE_DIR) / "static" / "favicon.ico"


def test_favicon_is_served_to_anyone():
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(response.streaming_content)
    assert body == ICON.read_bytes()
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file's header


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/portal/login", "/portal/"])
def test_portal_pages_link_the_icon(path, tenant):
    client = signed_in(member(tenant=tenant, role="operator")) if path == "/portal/" else Client()
    page = client.get(path)
    assert page.status_code == 200
    assert b'<link rel="icon" href="/static/favicon.ico">' in page.content
    assert Client().get("/static/favicon.ico").status_code == 200
