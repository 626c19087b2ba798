"""A staff admin enters a claim with three citations in a real browser, select2 widgets and all."""

from urllib.parse import parse_qs, urlsplit

import pytest

from claims.models import Citation, Claim, Source
from tests.browser import save_screenshot
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # live_server needs a transactional database; see tests/browser.py for serialized_rollback.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def more_sources(shvernik_report, verdict_file) -> list[Source]:
    return [shvernik_report, verdict_file]


def log_in(page, live_server, user) -> None:
    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Site administration")


def _searched_for(url: str, typed: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    return "/autocomplete/" in url and query.get("term") == [typed]


def pick(page, select_id: str, typed: str, result: str) -> None:
    """Choose in an autocomplete (select2) widget: open it, type, click the result."""
    # select2 hides the <select> and puts its own box right after it.
    page.click(f"#{select_id} + .select2 .select2-selection")
    # Click only once the results for what was typed have come back: select2 first lists
    # every choice, then replaces the list when its delayed search answers, and a click that
    # lands on the old list as it is replaced leaves the dropdown open.
    with page.expect_response(lambda response: _searched_for(response.url, typed)):
        page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-container--open .select2-results__option", has_text=result).click()
    page.wait_for_selector(".select2-container--open", state="detached")


def test_live_server_serves_the_admin_stylesheet(live_server, page):
    response = page.request.get(live_server.url + "/static/admin/css/base.css")
    assert response.status == 200
    assert "text/css" in response.headers["content-type"]
    page.goto(live_server.url + "/admin/login/")
    header_colour = page.eval_on_selector("#header", "el => getComputedStyle(el).backgroundColor")
    assert header_colour not in {"rgba(0, 0, 0, 0)", "transparent"}, "the admin's CSS did not load"


def test_staff_enters_claim_with_three_citations_in_the_browser(
    live_server, page, request, staff, topic, source, more_sources, tukhachevsky
):
    log_in(page, live_server, staff)
    page.locator("tr.model-claim").get_by_role("link", name="Add").click()
    page.wait_for_selector("h1:text('Add claim')")

    page.fill("#id_key", "execution-11-or-12-june")
    pick(page, "id_topic", "execution", "Date of execution")
    page.fill("#id_statement", "The convicted were shot in the night after the verdict of 11 June 1937.")
    page.select_option("#id_kind", Claim.Kind.FACT)
    page.select_option("#id_status", Claim.Status.CONTESTED)
    page.fill("#id_event_date", "[1937-06-11,1937-06-12]")
    pick(page, "id_people", "тухачевский", "Mikhail Tukhachevsky")
    rows = [
        ("rogovin", "rogovin-1937", "ch. 9", Citation.Stance.SUPPORTS),
        ("shvernik", "shvernik-1964", "p. 412", Citation.Stance.SUPPORTS),
        ("verdict", "tsa-fsb-verdict", "l. 12", Citation.Stance.MENTIONS),
    ]
    for i, (typed, key, locator, stance) in enumerate(rows):
        pick(page, f"id_citations-{i}-source", typed, f"[{key}]")
        page.fill(f"#id_citations-{i}-locator", locator)
        page.select_option(f"#id_citations-{i}-stance", stance)
    save_screenshot(page, request, "filled-add-page")

    page.click("input[name=_save]")

    success = page.locator(".messagelist .success")
    success.wait_for()
    assert "was added successfully" in success.inner_text()
    assert page.locator("#result_list").get_by_text("execution-11-or-12-june").is_visible()
    save_screenshot(page, request, "change-list")

    claim = Claim.objects.get(key="execution-11-or-12-june")
    assert claim.citations.count() == 3
    assert {(c.source.key, c.locator, c.stance) for c in claim.citations.all()} == {
        (key, locator, stance) for _, key, locator, stance in rows
    }
    assert (str(claim.date_earliest), str(claim.date_latest)) == ("1937-06-11", "1937-06-12")
    assert (claim.topic, claim.status, claim.created_by) == (topic, Claim.Status.CONTESTED, staff)
    assert list(claim.people.all()) == [tukhachevsky]
