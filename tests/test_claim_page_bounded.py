"""The claim page stays the same size whatever the claim holds (issue 11): its citations, its
own note threads and its history come a page at a time, every link to a citation (or to a
grade or note shown with it) lands on the page that shows it, and notes are written on their
own form page rather than in a form repeated under every grade and note.
"""

import re
from collections.abc import Iterator
from html import unescape

import pytest
from django.urls import reverse

from claims import services
from claims.models import Annotation, Citation, Claim, Source, User
from claims.selectors.detail import CITATIONS_PER_PAGE, HISTORY_PER_PAGE, THREADS_PER_PAGE
from tests.conftest import make_personas, rows_for_the_module
from tests.forms_support import submit

CITATIONS = 35  # pages of 10, 10, 10 and 5
THREADS = 45  # pages of 20, 20 and 5


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict]:
    """The people and the big claim, written once for the module (each test's changes are rolled
    back after it: rows_for_the_module)."""
    with rows_for_the_module(django_db_blocker, tmp_path_factory):
        users = make_personas("researcher", "reviewer", "second_reviewer", "editor", "second_editor", "no_role")
        topic = services.topic_create(actor=users["editor"], title="Date of execution")
        yield {**users, "big": build_big(topic, users["researcher"], users["editor"])}


# The module's people are the conftest personas' namesakes, read from the module's rows.
@pytest.fixture
def researcher(db, world) -> User:
    return world["researcher"]


@pytest.fixture
def reviewer(db, world) -> User:
    return world["reviewer"]


@pytest.fixture
def second_reviewer(db, world) -> User:
    return world["second_reviewer"]


@pytest.fixture
def editor(db, world) -> User:
    return world["editor"]


@pytest.fixture
def second_editor(db, world) -> User:
    return world["second_editor"]


@pytest.fixture
def outsider(db, world) -> User:
    return world["no_role"]


@pytest.fixture
def big(db, world) -> dict:
    """The big claim's records read afresh for each test (a test's service calls change the
    copies it holds; the database's changes are rolled back, the copies' would not be)."""
    built = world["big"]
    citations = Citation.objects.in_bulk([c.pk for c in built["ordered"]])
    roots = Annotation.objects.in_bulk([a.pk for a in built["roots"]])
    return {
        "claim": Claim.objects.get(pk=built["claim"].pk),
        "ordered": [citations[c.pk] for c in built["ordered"]],
        "roots": [roots[a.pk] for a in built["roots"]],
        "sources": list(Source.objects.filter(pk__in=[s.pk for s in built["sources"]]).order_by("-key")),
    }


def build_big(topic, researcher, editor) -> dict:
    """A claim with 35 citations of two sources (all but the last "mention" the claim; the last
    supports it), each graded by the editor; 45 note threads on the claim, each with a reply."""
    sources = [
        services.source_create(actor=researcher, key=key, kind="monograph", level="secondary", title=key.title())
        for key in ("b-source", "a-source")
    ]
    claim = services.claim_create(actor=researcher, key="big", topic=topic, statement="Much is said of this.")
    citations = []
    for i in range(CITATIONS):
        citations.append(
            services.citation_create(
                actor=researcher,
                claim=claim,
                source=sources[i % 2],
                locator=f"p. {i:02}",
                quote=f"quote {i}",
                stance="supports" if i == CITATIONS - 1 else "mentions",
            )
        )
        services.grade_set(actor=editor, target=citations[-1], grade=2, rationale=f"rationale {i}")
    roots = []
    for i in range(THREADS):
        roots.append(services.annotation_create(actor=researcher, target=claim, body=f"thread {i}"))
        services.annotation_create(actor=editor, parent=roots[-1], body=f"answer {i}")
    # The page order: by source key, then locator.
    ordered = sorted(citations, key=lambda c: (c.source.key, c.locator))
    return {"claim": claim, "ordered": ordered, "roots": roots, "sources": sources}


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def walk(client, url: str, label: str) -> list[str]:
    """Every page of one list of the page, following its pager's "Next" links from url."""
    pages = []
    while url:
        page = html(client.get(url))
        pages.append(page)
        pager = re.search(rf'<nav class="pagination" aria-label="{label}">(.*?)</nav>', page, re.S)
        found = re.search(r'href="([^"]+)" rel="next"', pager.group(1)) if pager else None
        url = "/claims/big/" + unescape(found.group(1)).split("#")[0] if found else ""
    return pages


def on_page_3(big) -> Citation:
    return big["ordered"][2 * CITATIONS_PER_PAGE + 3]


def test_the_citation_pager_reaches_every_citation_once_in_the_page_order(client, researcher, big):
    client.force_login(researcher)
    pages = walk(client, "/claims/big/", "Pages of citations")
    assert len(pages) == 4
    shown = [
        int(pk) for page in pages for pk in re.findall(r'<article class="card citation[^"]*" id="citation-(\d+)"', page)
    ]
    assert shown == [c.pk for c in big["ordered"]]
    for page in pages:  # the count on each page is of all the claim's citations
        assert f"Citations ({CITATIONS})" in page


def test_the_evidence_grade_comes_from_every_citation_not_only_those_on_the_page(client, researcher, big):
    client.force_login(researcher)
    supporting = next(c for c in big["ordered"] if c.stance == "supports")
    assert big["ordered"].index(supporting) >= CITATIONS_PER_PAGE  # not on the first page
    page = html(client.get("/claims/big/"))
    assert f'id="citation-{supporting.pk}"' not in page
    assert re.search(r'<dt>Evidence grade</dt>\s*<dd>\s*<span class="grade"[^>]*>-2</span>', page)


def test_the_note_pager_reaches_every_thread_once_with_its_replies(client, researcher, big):
    client.force_login(researcher)
    pages = walk(client, "/claims/big/", "Pages of annotations on this claim")
    assert len(pages) == 3
    bodies = [re.findall(r"<p>thread (\d+)</p>", page) for page in pages]
    assert [int(n) for page in bodies for n in page] == list(range(THREADS))  # oldest first, each once
    assert [len(page) for page in bodies] == [THREADS_PER_PAGE, THREADS_PER_PAGE, THREADS - 2 * THREADS_PER_PAGE]
    assert all(f"<p>answer {n}</p>" in page for page, numbers in zip(pages, bodies) for n in numbers)


def test_the_history_pager_reaches_every_change_once_newest_first(client, researcher, big):
    client.force_login(researcher)
    pages = walk(client, "/claims/big/", "Pages of the history, newest first")
    entries = [re.findall(r"<li>\s*<p class=\"meta\">(.*?)</p>", page.split('id="history"')[1], re.S) for page in pages]
    # The claim added, 35 citations added and each graded.
    assert sum(len(page) for page in entries) == 1 + 2 * CITATIONS
    assert len(entries[0]) == HISTORY_PER_PAGE
    assert "added claim" in re.sub(r"<[^>]+>", "", entries[-1][-1])  # the oldest change, on the last page
    assert len({entry for page in entries for entry in page}) == 1 + 2 * CITATIONS


def test_a_link_from_the_source_page_lands_on_the_page_of_citations_that_shows_it(client, researcher, big):
    client.force_login(researcher)
    citation = on_page_3(big)
    source_page = html(client.get(f"/sources/{citation.source.key}/"))
    link = f"/claims/big/?citations=3#citation-{citation.pk}"
    assert f'href="{link}"' in source_page
    assert f'id="citation-{citation.pk}"' in html(client.get(link))


def test_a_dispute_of_a_grade_links_to_the_page_that_shows_the_grade(client, reviewer, second_editor, big):
    citation = on_page_3(big)
    grade = citation.assessments.get()
    dispute = services.dispute_raise(actor=reviewer, target=grade, reason="Too kind.", proposed=4)
    client.force_login(second_editor)  # (the grade is the editor's: another editor resolves it)
    page = html(client.get(f"/disputes/{dispute.pk}/"))
    assert f'href="/claims/big/?citations=3#citation-grade-{grade.pk}"' in page  # what it challenges
    assert f'href="/claims/big/?citations=3#dispute-{dispute.pk}"' in page  # back to the claim
    shown = html(client.get("/claims/big/?citations=3"))
    assert f'id="citation-grade-{grade.pk}"' in shown and f'id="dispute-{dispute.pk}"' in shown
    # The claim page's own list of disputes links to the grade on its page too.
    assert f'href="/claims/big/?citations=3#citation-grade-{grade.pk}"' in html(client.get("/claims/big/"))
    # Resolving it from a form that names no page to return to leads there as well.
    response = submit(
        client,
        f"/disputes/{dispute.pk}/resolve/",
        {"outcome": "upheld", "note": "Agreed.", "next": ""},
        page=f"/disputes/{dispute.pk}/",
    )
    assert response["Location"] == f"/claims/big/?citations=3#dispute-{dispute.pk}"


def test_grading_or_commenting_on_a_citation_on_page_3_leads_back_to_page_3(client, reviewer, big):
    citation = on_page_3(big)
    client.force_login(reviewer)
    response = submit(client, reverse("citation_grade", args=[citation.pk]), {"grade": "3", "rationale": "Fair."})
    assert response["Location"] == f"/claims/big/?citations=3#citation-{citation.pk}"
    grade = citation.assessments.get(reviewer=reviewer)
    response = submit(
        client, f"/annotations/on/citation-grade/{grade.pk}/", {"body": "Why 3?", "motivation": "question"}
    )
    note = grade.annotations.get()
    assert response["Location"] == f"/claims/big/?citations=3#annotation-{note.pk}"
    assert f'id="annotation-{note.pk}"' in html(client.get(response["Location"]))


def test_a_reply_in_a_thread_on_the_second_page_leads_to_the_second_page(client, reviewer, big):
    root = big["roots"][THREADS_PER_PAGE + 4]
    client.force_login(reviewer)
    response = submit(client, f"/annotations/{root.pk}/reply/", {"body": "Indeed.", "motivation": "comment"})
    reply = root.replies.get(author=reviewer)
    assert response["Location"] == f"/claims/big/?notes=2#annotation-{reply.pk}"
    assert f'id="annotation-{reply.pk}"' in html(client.get(response["Location"]))


def test_grades_and_notes_link_to_their_form_instead_of_repeating_one(client, researcher, big):
    client.force_login(researcher)
    page = html(client.get("/claims/big/"))
    grade = big["ordered"][0].assessments.get()
    assert f'href="/annotations/on/citation-grade/{grade.pk}/"' in page
    assert f'href="/annotations/{big["roots"][0].pk}/reply/"' in page
    assert f'href="/annotations/on/citation/{big["ordered"][0].pk}/"' in page
    # One form to write a note: the claim's own.
    assert re.findall(r'<textarea[^>]*name="body"', page) == [re.search(r'<textarea[^>]*name="body"', page).group(0)]
    form = html(client.get(f"/annotations/on/citation-grade/{grade.pk}/"))
    assert grade.rationale in form and 'name="body"' in form  # the text annotated, and the form


def test_a_reply_form_to_a_withdrawn_note_says_it_takes_no_replies(client, researcher, editor, big):
    root = big["roots"][0]
    services.annotation_withdraw(actor=researcher, annotation=root)
    client.force_login(editor)
    page = html(client.get(f"/annotations/{root.pk}/reply/"))
    assert "That annotation was withdrawn; it takes no replies." in page
    assert 'name="body"' not in page


def test_the_note_forms_need_a_role_and_hide_what_blind_grading_hides(client, outsider, second_reviewer, big):
    grade = big["ordered"][0].assessments.get()
    url = f"/annotations/on/citation-grade/{grade.pk}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(second_reviewer)  # has not graded the citation: its grades do not exist for him
    assert client.get(url).status_code == 404
    assert client.get(f"/annotations/on/citation/{big['ordered'][0].pk}/").status_code == 200
