"""A build run's page in a real Chromium: its tiers and phases, and a screenshot artifact loaded as an
image through the portal's tenant-checked artifact view; on a phone-sized screen too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from builds.artifacts import artifact_write
from builds.states import PhaseState
from ops.demo import SCREENSHOT_SIZE, demo_screenshot_png
from tests.browser.conftest import screenshot, sign_in
from tests.builds.factories import build_run
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def build(tenant):
    build = build_run(
        tenant,
        "build-browser",
        tiers=[("T1", "Foundation"), ("T2", "Interface")],
        phases=[
            ("P1", "T1", PhaseState.COMPLETE),
            ("P2", "T1", PhaseState.GATE),
            ("P3", "T2", PhaseState.EXECUTING),
        ],
    )
    artifact_write(run=build.run, path="screenshots/checkout.png", content=demo_screenshot_png())
    artifact_write(run=build.run, path="run_summary.md", content=b"# Run summary\n3 phases\n")
    return build


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_a_build_run_s_page_shows_tiers_phases_and_its_screenshot(portal, new_page, tenant, build, viewport):
    viewer = member(tenant=tenant, role="viewer")
    page = new_page(viewport=viewport)
    sign_in(page, portal, viewer.username)

    page.goto(f"{portal}/portal/runs?kind=build")
    page.get_by_role("link", name="build-browser").click()
    page.wait_for_url(f"{portal}/portal/builds/build-browser")

    tiers = page.locator(".build-tier")
    expect(tiers).to_have_count(2)
    expect(tiers.nth(0).get_by_role("heading")).to_contain_text("Foundation")
    expect(tiers.nth(1).get_by_role("heading")).to_contain_text("Interface")
    expect(page.locator("tr.build-phase")).to_have_count(3)
    expect(page.locator('tr[data-phase="P2"]')).to_contain_text("GATE")
    expect(page.get_by_label("Progress")).to_have_attribute("value", "33.3")
    expect(page.get_by_text("1 of 3 phases done (33.3%)")).to_be_visible()
    expect(page.get_by_text("# Run summary")).to_be_visible()

    image = page.get_by_role("img", name="Image artifact screenshots/checkout.png")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert tuple(natural) == SCREENSHOT_SIZE
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the page scrolls sideways"
    screenshot(page, f"build-{viewport['width']}")
