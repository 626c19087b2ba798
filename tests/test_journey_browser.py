"""One whole journey through the web app in a real browser (Debian's chromium).

A researcher finds the Abwehr claim through search and annotates it with Markdown that
carries a <script> and a javascript: link (neither may run); a reviewer grades one of its
citations blind and then sees the consensus; a second reviewer disputes that grade; an
editor upholds the dispute; the researcher sees the new grade, the resolution and the
history. Screenshots of the main pages land in test-artifacts/.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from claims.models import Citation, CitationAssessment, Claim, Dispute
from claims.selectors.detail import BLIND_NOTICE
from tests.browser import save_screenshot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOTE = (
    "**Forged?** The dossier itself was never found.\n\n"
    "<script>alert('xss from a script tag')</script>\n\n"
    "[see the file](javascript:alert('xss from a link'))"
)


class Person:
    """One user in their own browser context (own cookies), watching for any dialog."""

    def __init__(self, browser, live_server, user, request):
        self.context = browser.new_context(viewport={"width": 1366, "height": 900})
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.user = user
        self.url = live_server.url
        self.request = request
        self.page.goto(f"{self.url}/accounts/login/")
        self.page.get_by_label("Username").fill(user.username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("navigation", name="Main")).to_be_visible()

    def open(self, path: str):
        self.page.goto(self.url + path)
        return self.page

    def shot(self, label: str) -> None:
        save_screenshot(self.page, self.request, label)


@pytest.fixture
def people(browser, live_server, request, researcher, reviewer, second_reviewer, editor):
    call_command("seed", verbosity=0)
    made = {}

    def person(user):
        if user.pk not in made:
            made[user.pk] = Person(browser, live_server, user, request)
        return made[user.pk]

    yield person
    for one in made.values():
        one.context.close()


def _step_1_the_researcher_finds_the_claim_through_search_and_annotates_it(rita: Person, claim: Claim) -> None:
    page = rita.open("/")
    rita.shot("home")
    page.get_by_label("Search claims, people and sources").fill("abwehr")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Abwehr").first).to_be_visible()
    rita.shot("claim-list-search")
    page.locator(f"main a[href='/claims/{claim.key}/']").first.click()
    expect(page.locator("h1")).to_contain_text("Abwehr")
    page.locator(f"#annotate-claim-{claim.pk}-body").fill(NOTE)
    page.locator(f"form[action='/annotations/on/claim/{claim.pk}/']").get_by_role("button").click()
    annotations = page.locator("#annotations")
    expect(annotations.locator("strong", has_text="Forged?")).to_be_visible()
    # The script tag is shown as text, and the link lost its javascript: address.
    expect(annotations).to_contain_text("<script>alert('xss from a script tag')</script>")
    assert page.locator("a[href^='javascript' i]").count() == 0
    annotations.get_by_text("see the file").click()
    rita.shot("claim-annotated")
    assert rita.dialogs == [], "no script from the note may run"


def _step_2_a_reviewer_grades_a_citation_blind_then_sees_the_consensus(
    victor: Person, claim: Claim, citation: Citation, seeded_reviewer: str
) -> CitationAssessment:
    page = victor.open(f"/claims/{claim.key}/")
    card = page.locator(f"#citation-{citation.pk}")
    expect(card).to_contain_text(BLIND_NOTICE)
    expect(card).not_to_contain_text(seeded_reviewer)
    card.get_by_role("link", name="Grade this citation").click()
    expect(page.locator("main")).to_contain_text(BLIND_NOTICE)
    expect(page.locator("main")).to_contain_text("Doubtful: not confirmed")  # the scale, with definitions
    victor.shot("grade-form-blind")
    page.locator("input[name=grade][value='4']").check()
    page.get_by_label("Rationale").fill("Only later memoirs speak of the dossier; no copy has surfaced.")
    page.get_by_role("button", name="Save your grade").click()
    page = victor.open(f"/claims/{claim.key}/")
    card = page.locator(f"#citation-{citation.pk}")
    # The citation's grades show now; its source's reliability stays hidden until he grades the source.
    expect(card).to_contain_text(seeded_reviewer)
    expect(card).to_contain_text("consensus of")
    victors_grade = CitationAssessment.objects.get(citation=citation, reviewer=victor.user)
    assert victors_grade.grade == 4
    return victors_grade


def _step_3_a_second_reviewer_grades_it_blind_and_disputes_the_first_grade(
    vera: Person, claim: Claim, citation: Citation, victors_grade: CitationAssessment
) -> Dispute:
    page = vera.open(f"/citations/{citation.pk}/grade/")
    page.locator("input[name=grade][value='5']").check()
    page.get_by_label("Rationale").fill("Improbable: the 1989 publication shows no such file.")
    page.get_by_role("button", name="Save your grade").click()
    page = vera.open(f"/claims/{claim.key}/")
    page.locator(f"#citation-grade-{victors_grade.pk}").get_by_role("link", name="Dispute this grade").click()
    page.locator("#id_reason").fill("The dossier was never found; 4 is too generous.")
    page.locator("input[name=proposed][value='5']").check()
    vera.shot("dispute-form")
    page.get_by_role("button", name="Raise the dispute").click()
    return Dispute.objects.get(citation_assessment=victors_grade, state="open")


def _step_4_the_editor_finds_the_dispute_and_upholds_it(
    edith: Person, dispute: Dispute, victors_grade: CitationAssessment
) -> None:
    page = edith.open("/disputes/")
    edith.shot("disputes")
    page.get_by_role("link", name=f"Open dispute #{dispute.pk}").click()
    page.locator(f"#resolve-{dispute.pk}-upheld").check()
    page.locator(f"#resolve-{dispute.pk}-note").fill("No copy of the dossier has been found in any archive.")
    page.get_by_role("button", name="Resolve dispute").click()
    edith.shot("dispute-upheld")
    victors_grade.refresh_from_db()
    assert victors_grade.grade == 5


def _step_5_the_researcher_sees_the_new_grade_the_resolution_and_the_history(
    rita: Person, claim: Claim, victors_grade: CitationAssessment, editor_name: str
) -> None:
    page = rita.open(f"/claims/{claim.key}/")
    expect(page.locator(f"#citation-grade-{victors_grade.pk} .grade").first).to_have_text("5")
    disputes = page.locator("#disputes")
    expect(disputes).to_contain_text("upheld", ignore_case=True)
    expect(disputes).to_contain_text("No copy of the dossier has been found in any archive.")
    history = page.locator("#history")
    expect(history).to_contain_text(editor_name)
    expect(history).to_contain_text("4 → 5")
    rita.shot("claim-after-resolution")


def test_researcher_reviewers_and_editor_work_through_the_abwehr_claim(
    people, researcher, reviewer, second_reviewer, editor
):
    claim = Claim.objects.get(key="abwehr-forgery")
    citation = Citation.objects.filter(claim=claim, assessments__isnull=False).order_by("pk").first()
    seeded_reviewer = citation.assessments.order_by("pk").first().reviewer.username

    rita = people(researcher)
    _step_1_the_researcher_finds_the_claim_through_search_and_annotates_it(rita, claim)
    victor = people(reviewer)
    victors_grade = _step_2_a_reviewer_grades_a_citation_blind_then_sees_the_consensus(
        victor, claim, citation, seeded_reviewer
    )
    vera = people(second_reviewer)
    dispute = _step_3_a_second_reviewer_grades_it_blind_and_disputes_the_first_grade(
        vera, claim, citation, victors_grade
    )
    edith = people(editor)
    _step_4_the_editor_finds_the_dispute_and_upholds_it(edith, dispute, victors_grade)
    _step_5_the_researcher_sees_the_new_grade_the_resolution_and_the_history(
        rita, claim, victors_grade, editor.username
    )
    assert all(not one.dialogs for one in (rita, victor, vera, edith))


def test_main_pages_render_on_a_phone_sized_screen(browser, live_server, request, researcher):
    call_command("loaddata", "case-of-military-1937", verbosity=0)
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(researcher.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for path, label in [
        ("/", "home"),
        ("/topics/date-of-execution/", "topic"),
        ("/claims/", "claims"),
        ("/claims/execution-12-june/", "claim"),
        ("/sources/suvorov-ochishchenie-1998/", "source"),
        ("/people/tukhachevsky/", "person"),
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        # Nothing but the scrolling tables may be wider than the screen.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 375, f"{path} is {overflow}px wide on a 375px screen"
        save_screenshot(page, request, f"phone-{label}")
    expect(page.locator("main")).to_contain_text("Тухачевский")
    context.close()


UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea, header input')]
    .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.name || el.id)"""


def test_keyboard_alone_logs_in_and_searches(live_server, page, researcher):
    call_command("seed", verbosity=0)
    page.goto(f"{live_server.url}/accounts/login/")
    # The login form puts the cursor in the username field, so typing starts at once.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(researcher.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.keyboard.press("Tab")  # on every other page the skip link comes first
    expect(page.locator(".skip")).to_be_focused()
    expect(page.locator(".skip")).to_be_in_viewport()  # shown when focused
    for _ in range(15):  # on to the search box
        if page.evaluate("document.activeElement.id") == "site-search":
            break
        page.keyboard.press("Tab")
    page.keyboard.type("тухачевский")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Tukhachevsky")


def test_every_form_control_on_the_main_pages_has_a_label(live_server, page, editor):
    call_command("seed", verbosity=0)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    citation = Citation.objects.filter(claim__key="abwehr-forgery").first()
    for path in [
        "/",
        "/claims/",
        "/claims/new/",
        "/sources/new/",
        "/people/new/",
        "/claims/abwehr-forgery/",
        "/claims/abwehr-forgery/edit/",
        "/claims/abwehr-forgery/citations/new/",
        f"/citations/{citation.pk}/edit/",
        f"/citations/{citation.pk}/grade/",
        "/sources/suvorov-ochishchenie-1998/grade/",
        f"/disputes/new/claim/{citation.claim_id}/",
        "/accounts/password/",
    ]:
        assert page.goto(live_server.url + path).status == 200, path
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate(UNLABELLED) == [], f"unlabelled fields on {path}"
