"""A large import in a real browser: the page's progress bar, fed by progress.json through
claims/static/claims/progress.js (under the site's Content-Security-Policy), follows the job
that a real `manage.py db_worker` process runs, and the page shows the result when it is done."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from playwright.sync_api import expect

from claims.models import Claim
from tests.browser import save_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parent.parent
ROWS = 6000


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """`manage.py db_worker` beside the live server, as `make run` starts it, on the test
    database; started when the test says, so that the page is seen waiting for it first."""

    def __init__(self, settings):
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "PENDING_UPLOADS_DIR": str(settings.PENDING_UPLOADS_DIR),
            "JOBS_DIR": str(settings.JOBS_DIR),
            "SECRET_KEY": django_settings.SECRET_KEY,
        }
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.2",
                "--verbosity",
                "0",
            ],
            cwd=ROOT,
            env=self.env,
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)  # (Ctrl-C's way out: the job running ends first)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def worker(live_server, settings):
    settings.CSV_BACKGROUND_ROWS = 1000
    worker = Worker(settings)
    try:
        yield worker
    finally:
        worker.stop()


def test_the_progress_bar_follows_a_background_import_to_the_end(worker, live_server, page, editor, request, tmp_path):
    data = tmp_path / "long.csv"
    data.write_text(
        "key,topic,statement\r\n"
        + "".join(f"browser-{i:05d},Imported in the background,Statement {i} of a long file.\r\n" for i in range(ROWS)),
        encoding="utf-8",
    )
    polled = []  # what each poll of progress.json answered, as the script got it

    def watch(route):
        response = route.fetch()
        if response.ok:
            polled.append(response.json())
        route.fulfill(response=response)

    page.route("**/progress.json", watch)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/claims/import/")
    page.get_by_label("CSV file").set_input_files(str(data))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Checking long.csv")).to_be_visible()
    expect(page.locator("progress#job-bar")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Waiting for the worker to start the job.")
    save_screenshot(page, request, "checking")
    while not polled:
        page.wait_for_timeout(100)
    worker.start()
    # progress.js reloads the page when the job is over: the preview, with the confirm button.
    expect(page.get_by_role("button", name="Confirm the import")).to_be_visible(timeout=60_000)
    assert polled and not polled[0]["finished"]
    assert polled[-1]["finished"] and polled[-1]["fraction"] == 1 and polled[-1]["checked"] == ROWS
    expect(page.get_by_role("status")).to_contain_text(f"would create {ROWS}")
    assert not Claim.objects.exists()

    worker.stop()
    polled.clear()
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.get_by_role("heading", name="Importing long.csv")).to_be_visible()
    while not polled:
        page.wait_for_timeout(100)
    assert polled[0]["status"] == "ready" and polled[0]["fraction"] == 0
    worker.start()
    expect(page.get_by_role("heading", name="Imported long.csv")).to_be_visible(timeout=60_000)
    assert polled[-1]["finished"] and polled[-1]["written"] == ROWS
    assert all(later["fraction"] >= earlier["fraction"] for earlier, later in zip(polled, polled[1:]))
    expect(page.get_by_role("status")).to_contain_text(f"Created {ROWS}")
    save_screenshot(page, request, "imported")
    assert Claim.objects.filter(key__startswith="browser-").count() == ROWS
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
