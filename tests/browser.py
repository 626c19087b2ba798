"""Playwright fixtures for tests that drive a real browser against pytest-django's live server.

Use them from a test module with

    from tests.browser import save_screenshot  # (browser and page come from tests/conftest.py)

    pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

    def test_something(live_server, page):
        page.goto(live_server.url + "/admin/")

`live_server` needs a transactional database, which is emptied (not rolled back) after each
test; that also empties the role groups that migration 0002 created, so every later test
would find no Researcher, Reviewer or Editor group. `serialized_rollback=True` puts the
migrated rows back before each such test.

The browser is Debian's chromium (/usr/bin/chromium): Playwright's own browser download
does not work here. A test that fails leaves a full-page screenshot in
test-artifacts/<test name>.png.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM_MISSING = (
    f"Debian's chromium is missing at {CHROMIUM}, so the browser tests cannot run. "
    "Install it with: apt-get install -y chromium"
)
ARTIFACTS = "test-artifacts"
# Long enough for a cold live server on a slow runner, short enough that a missing element
# fails the test within seconds rather than minutes.
TIMEOUT_MS = 15_000


def artifact_path(config: pytest.Config, name: str, suffix: str = ".png") -> Path:
    """A file in test-artifacts/ at the project root, named after a test (made safe for a file name)."""
    directory = config.rootpath / ARTIFACTS
    directory.mkdir(exist_ok=True)
    return directory / (re.sub(r"[^\w.-]+", "_", name).strip("_") + suffix)


def log_in(page, live_server, user) -> None:
    """Log the tab in as user through the login page (the personas' password), and wait for
    the site's navigation."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD  # (conftest imports this module's fixtures)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def save_screenshot(page, request: pytest.FixtureRequest, label: str) -> Path:
    """Save a full-page screenshot as test-artifacts/<test name>-<label>.png, for a reviewer to look at."""
    path = artifact_path(request.config, f"{request.node.name}-{label}")
    page.screenshot(path=str(path), full_page=True)
    return path


_CALL_REPORT = pytest.StashKey["pytest.TestReport"]()
_REPORTS_PLUGIN = "tests.browser.call-reports"


class _CallReports:
    """Keeps each test's call-phase report on its item, so that `page` can tell a failed test."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if report.when == "call":
            item.stash[_CALL_REPORT] = report
        return report


@pytest.fixture(scope="session")
def browser(request):
    """One headless chromium for the whole run."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING)

    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an asyncio event loop in this thread for as long as it is
    # started, so Django sees "a running event loop" and refuses ORM calls from the test
    # (SynchronousOnlyOperation), although the test itself is plain synchronous code and
    # nothing else runs on that loop. Allowing it is safe here and only here: the live
    # server answers the browser from its own thread with its own connections.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not request.config.pluginmanager.has_plugin(_REPORTS_PLUGIN):
        request.config.pluginmanager.register(_CallReports(), _REPORTS_PLUGIN)
    # The same running loop makes Django's connection handler (thread-critical asgiref
    # storage) hand out new connection objects from here on, apart from the ones the test
    # database was set up with. Only those hold the snapshot that serialized_rollback
    # reloads before each test (the role groups), so without this a browser test that runs
    # after any database test found no Researcher, Reviewer or Editor group. Keep using
    # the same objects in both contexts.
    sync_connections = {alias: connections[alias] for alias in connections}
    try:
        with sync_playwright() as playwright:
            for alias, connection in sync_connections.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, request):
    """A fresh browser tab (own cookies) per test; a screenshot of it if the test fails."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = request.node.stash.get(_CALL_REPORT, None)
        if report is not None and report.failed:
            path = artifact_path(request.config, request.node.name)
            try:
                tab.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # the page may be what broke; the test's own error matters more
                print(f"could not save {path}: {exc}")
            else:
                print(f"screenshot of the failed test: {path}")
        context.close()
