"""Lists a person can read and grades in context, in a real browser at 1280 and 375 px (issue 15).

On the shipped data set: the claim list gives the statement the room and the link, clips long
statements to three lines with a "more" button, wraps dates and sorts from its column headers
(the filters kept); at 375 px the claim list and a topic's claims are stacked cards with status
and evidence in view; the grade legend is one click from a claim page; the dispute page shows the
passage whose grade is disputed; a citation card's stance colours its edge, not its text.
Screenshots of each page at both widths land in test-artifacts/.
"""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from playwright.sync_api import expect

from claims import services
from claims.models import Citation, User
from tests.browser import log_in, save_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 375, "height": 800}
INK = "rgb(31, 35, 40)"  # site.css --ink
GOOD, BAD = "rgb(26, 127, 55)", "rgb(180, 35, 24)"  # --good, --bad


@pytest.fixture
def seed_editor() -> User:
    """The seed's editor (sees every grade: no blind reviewer's limits), with the tests' password."""
    call_command("seed", verbosity=0)
    User.objects.filter(username="editor_c").update(password=make_password(PASSWORD))
    return User.objects.get(username="editor_c")


def _box(locator) -> dict:
    return locator.bounding_box()


def test_the_claim_list_reads_and_sorts_from_its_headers_at_1280_px(live_server, page, request, seed_editor):
    page.set_viewport_size(WIDE)
    log_in(page, live_server, seed_editor)
    page.goto(f"{live_server.url}/claims/?topic=arrests-and-investigation")
    table = page.locator("table.claims")
    # The statement is the link and gets the room; the date wraps in a narrow column.
    molotov = table.locator("tbody tr", has=page.locator('a[href="/claims/molotov-plenum-1937/"]'))
    statement = molotov.locator("td").first
    date = molotov.locator("td.date")
    expect(date).to_have_text("February 1937 to March 1937")
    assert _box(statement)["width"] > 2.5 * _box(date)["width"]
    assert _box(date)["height"] > 30  # on two lines or more
    # A long statement is clipped to three lines; "more" shows the rest, "less" clips it again.
    clamp = molotov.locator(".clamp")
    assert clamp.evaluate("e => e.scrollHeight > e.clientHeight + 1")
    assert len(clamp.get_attribute("title")) > 120
    save_screenshot(page, request, "1280-list")
    more = molotov.get_by_role("button", name="more")
    more.click()
    expect(molotov.get_by_role("button", name="less")).to_have_attribute("aria-expanded", "true")
    assert clamp.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    # Sorting from the headers: status one way, then the other, the topic kept.
    table.get_by_role("link", name="Status", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?topic=arrests-and-investigation&sort=status$"))
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("th[aria-sort]")).to_contain_text("Status")
    page.locator("table.claims").get_by_role("link", name="Status", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=-status$"))
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    statuses = page.locator("table.claims tbody td[data-label=Status]").all_inner_texts()
    order = ["refuted", "contested", "supported", "open"]
    assert [order.index(s.strip()) for s in statuses] == sorted(order.index(s.strip()) for s in statuses)
    for header in ("Date", "Evidence", "Updated"):
        page.locator("table.claims").get_by_role("link", name=header, exact=True).click()
        expect(page.locator("th[aria-sort]")).to_contain_text(header)
        expect(page).to_have_url(re.compile(r"topic=arrests-and-investigation"))
    save_screenshot(page, request, "1280-list-sorted-by-updated")


@pytest.mark.parametrize("path", ["/claims/", "/topics/arrests-and-investigation/"])
def test_at_375_px_claims_are_cards_with_status_and_evidence_in_view(live_server, page, request, seed_editor, path):
    page.set_viewport_size(NARROW)
    log_in(page, live_server, seed_editor)
    page.goto(live_server.url + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    rows = page.locator("table.claims tbody tr")
    assert rows.count() > 3
    for row in rows.all()[:5]:
        for label in ("Status", "Evidence"):
            cell = row.locator(f"td[data-label={label}]")
            expect(cell).to_be_visible()
            box = _box(cell)
            assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], (label, box)
        # The statement heads the card, across its width.
        assert _box(row.locator("td").filter(has=page.locator(".clamp")))["width"] > 300
    save_screenshot(page, request, "375-" + ("list" if path == "/claims/" else "topic"))
    page.set_viewport_size(WIDE)
    save_screenshot(page, request, "1280-" + ("list" if path == "/claims/" else "topic"))


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "375"])
def test_the_legend_is_a_click_from_the_claim_page_whose_citation_cards_mark_their_stance(
    live_server, page, request, seed_editor, viewport
):
    page.set_viewport_size(viewport)
    log_in(page, live_server, seed_editor)
    contradicting = Citation.objects.filter(stance="contradicts").select_related("claim").first()
    page.goto(f"{live_server.url}/claims/{contradicting.claim.key}/")
    cards = page.locator("article.card.citation")
    for card in cards.all():
        stance = card.get_attribute("class").split("stance-")[1].split()[0]
        # The text stays ink; the stance colours the card's left edge and its own word.
        assert card.locator("dd").first.evaluate("e => getComputedStyle(e).color") == INK
        edge = card.evaluate("e => getComputedStyle(e).borderLeftColor")
        assert edge == {"supports": GOOD, "contradicts": BAD}.get(stance, edge)
        assert card.evaluate("e => parseFloat(getComputedStyle(e).borderLeftWidth)") >= 4
    save_screenshot(page, request, "claim")
    page.get_by_role("link", name="Grade legend").click()
    expect(page.get_by_role("heading", name="Grade legend")).to_be_visible()
    expect(page.locator("#reliability-B")).to_contain_text("Usually reliable")
    expect(page.locator("#credibility-2")).to_contain_text("Probably true")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    save_screenshot(page, request, "legend")


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "375"])
def test_the_dispute_page_shows_the_passage_whose_grade_is_disputed(live_server, page, request, seed_editor, viewport):
    citation = Citation.objects.exclude(quote="").select_related("claim").first()
    reviewer = User.objects.get(username="reviewer_b")
    grade = services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Probably.")
    dispute = services.dispute_raise(actor=seed_editor, target=grade, reason="One witness only.", proposed=4)
    page.set_viewport_size(viewport)
    log_in(page, live_server, seed_editor)
    page.goto(f"{live_server.url}/disputes/{dispute.pk}/")
    expect(page.locator("dl.record blockquote.quote").first).to_contain_text(citation.quote.split("\n")[0][:60])
    expect(page.locator("dl.record")).to_contain_text(citation.claim.statement[:60])
    expect(page.get_by_role("link", name="Grade legend")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    save_screenshot(page, request, "dispute")
