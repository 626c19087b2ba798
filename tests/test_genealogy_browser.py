"""Deciding between competing claims in a real browser (issue 13, point 7).

On the shipped data set a researcher opens *Date of execution*, sees the 11 vs 12 June
conflict and the timeline, records that Rogovin's English «1937» is a translation of the
Russian original, and sees the claim citing both drop from 2 independent lines to 1.
Screenshots of the topic page, the conflicts page and the timeline land in test-artifacts/.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims import services
from claims.models import SourceRelation, User
from tests.browser import log_in, save_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TRANSLATION = {"source__key": "rogovin-1937", "derived_from__key": "rogovin-1937-ru"}


@pytest.fixture
def rogovin_researcher() -> User:
    """The seed's researcher, who added Rogovin's books, before recording that one translates the other."""
    call_command("seed", verbosity=0)
    researcher = User.objects.get(username="researcher_d")
    researcher.set_password(PASSWORD)
    researcher.save()
    services.source_relation_remove(actor=researcher, relation=SourceRelation.objects.get(**TRANSLATION))
    return researcher


def test_a_researcher_sees_the_conflict_and_merges_two_lines_by_recording_a_translation(
    live_server, page, request, rogovin_researcher
):
    log_in(page, live_server, rogovin_researcher)

    page.goto(f"{live_server.url}/topics/date-of-execution/")
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_contain_text("11 June 1937")
    expect(conflicts).to_contain_text("12 June 1937")
    expect(conflicts.locator("a[href='/claims/execution-11-june/']").first).to_be_visible()
    expect(conflicts.locator("a[href='/claims/execution-12-june/']").first).to_be_visible()
    save_screenshot(page, request, "topic-page")

    page.get_by_role("link", name="See the claims on a timeline").click()
    timeline = page.locator("svg").first
    expect(timeline).to_be_visible()
    expect(timeline.locator("a[href='/claims/execution-12-june/']")).to_have_count(1)
    expect(page.locator("table")).to_contain_text("12 June 1937")
    save_screenshot(page, request, "timeline")
    # On a phone the drawing scrolls in its own box; the page itself does not.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator(".timeline-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    save_screenshot(page, request, "timeline-375px")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}/conflicts/")
    expect(page.locator("main")).to_contain_text("Date of execution")
    save_screenshot(page, request, "conflicts-page")

    page.goto(f"{live_server.url}/claims/rogovin-speed-of-inquest/")
    lines = page.locator(".evidence-lines").first
    expect(lines).to_contain_text("2 citations, 2 independent lines")

    page.goto(f"{live_server.url}/sources/rogovin-1937/")
    page.get_by_role("link", name="Record what this source derives from").click()
    page.get_by_label("Derived from (the other source's key)").fill("rogovin-1937-ru")
    page.get_by_label("Kind").select_option("translation")
    page.get_by_label("Note").fill("The English edition names the Russian one (Moscow, 1996) as its original.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#genealogy")).to_contain_text("rogovin-1937-ru")
    save_screenshot(page, request, "genealogy")

    page.goto(f"{live_server.url}/claims/rogovin-speed-of-inquest/")
    expect(page.locator(".evidence-lines").first).to_contain_text("2 citations, 1 independent line")
    save_screenshot(page, request, "claim-one-line")
