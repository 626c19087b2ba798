"""Data entry without dead ends (issue 15), in a real browser: a claim added from its topic's
page keeps the topic, gets its key from the statement, its date read as typed, its people
chosen as chips (one of them added in place); a citation's source is added from the citation
form without leaving it. Screenshots at 1280 and 375 px wide go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from claims.models import Citation, Claim, Person, Source
from tests.browser import log_in, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 375, "height": 800}


def screenshots(page, request, label: str) -> None:
    for name, size in (("1280", WIDE), ("375", NARROW)):
        page.set_viewport_size(size)
        save_screenshot(page, request, f"{label}-{name}")
    page.set_viewport_size(WIDE)


def test_a_claim_added_from_its_topic_gets_topic_key_date_and_people_without_leaving_the_form(
    live_server, page, request, researcher, topic, two_accused
):
    log_in(page, live_server, researcher)
    page.goto(f"{live_server.url}/topics/{topic.slug}/")
    page.get_by_role("link", name="Add a claim").click()
    expect(page.locator("#id_topic option:checked")).to_have_text("Date of execution")

    # The key follows the statement (transliterated as the server does) until one edits it.
    page.get_by_label("Statement").press_sequentially("Тухачевский расстрелян", delay=10)
    expect(page.get_by_label("Key")).to_have_value("tukhachevskii-rasstrelian")
    page.get_by_label("Statement").fill("The convicted were shot in the night after the verdict.")
    expect(page.get_by_label("Key")).to_have_value("the-convicted-were-shot-in-the-night-after-the-verdict")

    # The date says what it is understood as while one types; a date it cannot read says why.
    date = page.get_by_label("Date")
    date.fill("the 12th")
    expect(page.locator("#id_event_date_reading")).to_contain_text("“the 12th” is not a date this form understands")
    date.fill("11 or 12 June 1937")
    expect(page.locator("#id_event_date_reading")).to_have_text(
        "Understood as [1937-06-11,1937-06-12] — 11 or 12 June 1937"
    )

    # People: chosen from suggestions as chips, one removed again, one added in place.
    people = page.get_by_label("People the claim is about")
    people.press_sequentially("Тухач", delay=20)
    page.get_by_role("option", name="Mikhail Tukhachevsky (Тухачевский, Михаил Николаевич)").click()
    people.press_sequentially("yakir", delay=20)
    expect(page.get_by_role("option", name="Iona Yakir (Якир, Иона Эммануилович)")).to_be_visible()
    people.press("Enter")  # the first suggestion, rather than sending the form
    about = page.locator(".people-picker", has=people)  # (the form has a second picker: Attributed to)
    chips = about.locator(".chip")
    expect(chips).to_have_count(2)
    page.get_by_role("button", name="Remove Iona Yakir (Якир, Иона Эммануилович)").click()
    expect(chips).to_have_count(1)
    people.press_sequentially("Avgust Kork", delay=20)
    add = page.get_by_role("option", name="Add “Avgust Kork” as a new person")
    expect(add).to_be_visible()
    screenshots(page, request, "add-a-new-person")
    add.click()
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("Avgust Kork")
    expect(about.locator(".picker-status")).to_have_text("Avgust Kork was added as a new person.")
    # Who made the claim, in its own picker, apart from who it is about.
    made_by = page.get_by_label("Attributed to")
    made_by.press_sequentially("Avgust", delay=20)
    page.get_by_role("option", name="Avgust Kork").click()
    expect(page.locator(".people-picker", has=made_by).locator(".chip")).to_have_count(1)
    expect(chips).to_have_count(2)
    screenshots(page, request, "claim-form")

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text(
        "Claim “the-convicted-were-shot-in-the-night-after-the-verdict” added."
    )
    claim = Claim.objects.get()
    assert (claim.topic, claim.event_date) == (topic, "[1937-06-11,1937-06-12]")
    assert sorted(p.slug for p in claim.people.all()) == ["avgust-kork", "tukhachevsky"]
    assert [p.slug for p in claim.attributed_to.all()] == ["avgust-kork"]
    assert Person.objects.get(slug="avgust-kork").created_by == researcher


def test_a_key_typed_by_hand_is_not_replaced_by_the_suggestion(live_server, page, researcher, topic):
    log_in(page, live_server, researcher)
    page.goto(f"{live_server.url}/claims/new/")
    page.get_by_label("Statement").fill("Shot on 12 June.")
    page.get_by_label("Key").fill("execution-12-june")
    page.get_by_label("Statement").fill("Shot on 12 June 1937, at night.")
    expect(page.get_by_label("Key")).to_have_value("execution-12-june")


def test_a_source_is_added_from_the_citation_form_and_cited_without_leaving_it(
    live_server, page, request, researcher, claim
):
    log_in(page, live_server, researcher)
    page.goto(f"{live_server.url}/claims/{claim.key}/citations/new/")
    page.locator("#id_source").fill("Party of the executed")
    page.get_by_role("button", name="New source").click()
    panel = page.locator("fieldset.quick-add")
    expect(panel.get_by_label("Title")).to_have_value("Party of the executed")  # what was typed
    expect(page.get_by_role("button", name="New source")).to_be_hidden()  # one new source at a time
    panel.get_by_label("Kind").select_option(label="archival file")
    panel.get_by_label("Level").select_option(label="secondary")
    panel.get_by_label("Date").fill("about 1997")
    expect(panel.locator("#id_new_source-date_reading")).to_have_text("Understood as 1997~ — about 1997")
    panel.get_by_role("button", name="Add this source").click()
    # Refused: each problem beside its field, and nothing added.
    expect(panel.locator(".quick-error")).to_have_text("An archival file needs the archive that holds it.")
    expect(panel.locator("[data-quick-errors]")).to_have_text("The source was not added: see the marked fields.")
    assert not Source.objects.exists()
    screenshots(page, request, "new-source-refused")
    panel.get_by_label("Kind").select_option(label="monograph")
    panel.get_by_role("button", name="Add this source").click()
    expect(page.locator("#id_source")).to_have_value("party-of-the-executed")
    expect(page.locator(".picker-status")).to_have_text(
        "Added the source party-of-the-executed: Party of the executed; it is chosen above."
    )
    expect(panel).to_have_count(0)
    expect(page.get_by_role("button", name="New source")).to_be_visible()
    page.get_by_label("Locator").fill("p. 12")
    screenshots(page, request, "citation-form")

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Citation of “Party of the executed” added.")
    citation = Citation.objects.get()
    assert (citation.source.key, citation.source.date, citation.locator) == ("party-of-the-executed", "1997~", "p. 12")
