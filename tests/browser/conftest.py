"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser) against
pytest-django's live server. ``make test`` installs the ``chromium`` package when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections

from runs.journal import triggers

CHROMIUM = "/usr/bin/chromium"
# Chromium as root in a container, with nothing phoning home (the network is closed here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT_DIR = Path(os.environ.get("OPSGATE_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-results"))


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process. Playwright's sync API keeps an event loop running on this
    thread from here on; Django's ORM refuses to run beside one unless told that this thread
    serves no async code, which holds for the whole test process, so it is told for as long as
    the browser lives."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    wrappers = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            # Starting Playwright gives this thread a new context, where Django's connection handler
            # would open new database wrappers without the test database's serialized contents (so a
            # serialized rollback would restore nothing). Keep the wrappers the tests started with.
            for alias, wrapper in wrappers.items():
                connections[alias] = wrapper
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def portal(browser, live_server, settings):
    """The live server's URL. The inbox polls every second here, and the journal's append-only
    trigger is lifted only for the flush that empties the database after the test (SQLite's flush
    deletes row by row; PostgreSQL truncates)."""
    settings.OPSGATE_PORTAL_POLL_SECONDS = 1
    yield live_server.url
    if connection.vendor == "sqlite":
        with triggers.disabled(connection):
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)


@pytest.fixture
def new_page(browser):
    """A fresh browser context (its own cookies) per call; all are closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, username: str, password: str = "correct-horse-battery") -> None:
    page.goto(f"{base_url}/portal/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/portal/")
