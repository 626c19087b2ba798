"""The CSV screens in a real browser (issue 15, point 6): an editor reads the columns on the
citations upload page, downloads the example, uploads a file and sees old → new values before
confirming; a claims file citing an unknown source leads to the sources import page; the
claim list's download keeps the list's sort. Screenshots at 1280 and 375 px in test-artifacts/."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Citation, User
from claims.roles import Role
from claims.selectors import lists
from tests.browser import log_in, save_screenshot
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CSV_DIR = Path(__file__).parent / "csv"
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 375, "height": 812}


@pytest.fixture
def seeded_editor() -> User:
    call_command("seed", verbosity=0)
    return make_user("csv_editor", Role.EDITOR)


def _both_widths(page, request, label: str) -> None:
    """Screenshots at 1280 and 375 px; on the phone the page itself never scrolls sideways."""
    page.set_viewport_size(WIDE)
    save_screenshot(page, request, f"{label}-1280px")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page, request, f"{label}-375px")
    page.set_viewport_size(WIDE)


def test_an_editor_reads_the_columns_previews_old_and_new_and_imports_citations(
    live_server, page, request, seeded_editor
):
    log_in(page, live_server, seeded_editor)
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/citations/import/")
    columns = page.get_by_role("table", name="The columns of a citations file")
    expect(columns.get_by_role("row")).to_have_count(7)  # the header and six columns
    expect(columns.get_by_role("row", name="claim required")).to_contain_text("required")
    expect(columns.get_by_role("row", name="translation optional")).to_contain_text("optional")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download an example file").click()
    assert download.value.suggested_filename == "citations-example.csv"
    assert Path(download.value.path()).read_text().startswith("claim,source,locator,stance,quote,translation")
    _both_widths(page, request, "citations-upload")

    page.get_by_label("CSV file").set_input_files(str(CSV_DIR / "citations.csv"))
    page.get_by_role("button", name="Check the file").click()
    preview = page.get_by_role("table", name="Rows that change")
    expect(preview).to_contain_text("stance: supports → contradicts")
    expect(preview).to_contain_text("translation: (empty) → Переведено: казнены в ночь на 12 июня.")
    _both_widths(page, request, "citations-preview")
    assert not Citation.objects.filter(locator="p. 1").exists()

    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator("section.import-summary")).to_contain_text("Created 1, updated 1")
    assert Citation.objects.get(claim__key="execution-12-june", locator="lead").stance == "contradicts"


def test_an_unknown_source_key_leads_to_the_sources_import_page(live_server, page, request, seeded_editor):
    log_in(page, live_server, seeded_editor)
    page.set_viewport_size(WIDE)
    page.goto(f"{live_server.url}/claims/import/")
    page.get_by_label("CSV file").set_input_files(str(CSV_DIR / "error_unknown_source_key.csv"))
    page.get_by_role("button", name="Check the file").click()
    problems = page.get_by_role("table", name="Problems in the file")
    expect(problems).to_contain_text(
        "Unknown source key 'rogovin-1973': import the sources first, on the sources import page."
    )
    _both_widths(page, request, "unknown-source")
    problems.get_by_role("link", name="Import sources").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import sources from CSV")


def test_the_claim_lists_download_keeps_its_sort(live_server, page, seeded_editor):
    log_in(page, live_server, seeded_editor)
    page.goto(f"{live_server.url}/claims/?sort=-date")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all claims as CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    shown = list(lists.claim_search(filters=lists.ClaimFilters(sort="-date")).values_list("key", flat=True))
    assert [row["key"] for row in rows] == shown
    assert shown != sorted(shown)
