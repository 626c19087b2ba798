"""The grade legend (issue 15): both Admiralty scales and the consistency ratings in words on a
page of their own, one click from every page that shows a grade, not only in tooltips."""

import re

import pytest

from claims import services
from claims.grading import CREDIBILITY_DEFINITIONS, RELIABILITY_DEFINITIONS, Consistency
from tests.test_pages import text_of

pytestmark = pytest.mark.django_db

LEGEND = "/grades/legend/"
LINK = '<a class="legend-link" href="/grades/legend/">Grade legend</a>'


def test_the_legend_explains_every_reliability_and_credibility_grade_and_rating(client, researcher):
    client.force_login(researcher)
    shown = text_of(client.get(LEGEND).content.decode())
    for letter, definition in RELIABILITY_DEFINITIONS.items():
        label, _, meaning = definition.partition(": ")
        assert f"{letter} {label} {meaning[0].upper()}{meaning[1:]}" in shown
    for figure, definition in CREDIBILITY_DEFINITIONS.items():
        label, _, meaning = definition.partition(": ")
        assert f"{figure} {label} {meaning[0].upper()}{meaning[1:]}" in shown
    for value, label in Consistency.choices:
        assert f"{value} {label.partition(': ')[2]}" in shown
    assert "B2" in shown and "not yet graded" in shown


def test_the_legend_needs_a_login(client):
    assert client.get(LEGEND).url.startswith("/accounts/login/")


@pytest.fixture
def graded_world(researcher, reviewer, editor, claim, citation, source):
    """A claim citing a graded source at a graded passage, one grade disputed, one rating."""
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="Careful.")
    grade = services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Probably.")
    rival = services.claim_create(actor=researcher, key="june-11", topic=claim.topic, statement="Shot on 11 June.")
    services.consistency_rating_set(actor=reviewer, citation=citation, claim=rival, grade="I", rationale="Against.")
    dispute = services.dispute_raise(actor=editor, target=grade, reason="Only one witness.", proposed=4)
    return {"claim": claim, "citation": citation, "source": source, "dispute": dispute, "rival": rival}


def test_every_page_that_shows_grades_links_to_the_legend(client, editor, reviewer, graded_world):
    w = graded_world
    topic = w["claim"].topic
    pages = [
        "/claims/",
        f"/claims/{w['claim'].key}/",
        "/sources/",
        f"/sources/{w['source'].key}/",
        f"/topics/{topic.slug}/",
        f"/topics/{topic.slug}/matrix/",
        f"/people/{services.person_create(actor=editor, name='Iona Yakir').slug}/",
        "/disputes/",
        f"/disputes/{w['dispute'].pk}/",
        f"/citations/{w['citation'].pk}/grade/",
        f"/sources/{w['source'].key}/grade/",
        f"/citations/{w['citation'].pk}/consistency/{w['rival'].key}/",
        "/review/adjudicate/",
        "/agreement/",
    ]
    client.force_login(editor)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert LINK in response.content.decode(), url
    client.force_login(reviewer)
    assert LINK in client.get("/review/").content.decode()


def test_the_link_is_near_the_top_of_the_page(client, researcher, claim):
    client.force_login(researcher)
    main = client.get(f"/claims/{claim.key}/").content.decode().split('<main id="main"', 1)[1]
    assert re.search(r"</h1>\s*<p class=\"legend-note\">" + re.escape(LINK), main)
