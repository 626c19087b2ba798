"""The claim page's "How this grade was reached": every supporting citation with the grades
behind it, the rule and the citation it picked, what was left out and why, the contradicting
evidence beside it; within the blind rules, in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Citation, Source
from claims.selectors import explain
from claims.selectors.blind import BLIND_NOTICE


def _source(actor, key: str, title: str) -> Source:
    return services.source_create(
        actor=actor, key=key, kind=Source.Kind.MONOGRAPH, level=Source.Level.SECONDARY, title=title
    )


def _panel(client, user, claim) -> str:
    client.force_login(user)
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('id="grade-explained"')
    return page[start : page.index("</section>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def graded(claim, citation, source, researcher, reviewer, second_reviewer):
    """Rogovin (graded B and C: consensus C) cited at ch. 9 (graded 2 and 3: consensus 3),
    the Shvernik report (graded A) cited at p. 4 (graded 4): the best is A4, reliability first."""
    shvernik = _source(researcher, "shvernik-1964", "Report of the Shvernik commission")
    at_p4 = services.citation_create(actor=researcher, claim=claim, source=shvernik, locator="p. 4")
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="A careful historian.")
    services.grade_set(actor=second_reviewer, target=source, grade="C", rationale="Partisan at times.")
    services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Two memoirs agree.")
    services.grade_set(actor=second_reviewer, target=citation, grade=3, rationale="Possibly.")
    services.grade_set(actor=reviewer, target=shvernik, grade="A", rationale="The commission read the files.")
    services.grade_set(actor=reviewer, target=at_p4, grade=4, rationale="Written for Khrushchev.")
    return at_p4


def test_a_researcher_sees_each_citation_each_reviewers_grade_the_rule_and_the_citation_picked(
    client, researcher, claim, graded
):
    text = _text(_panel(client, researcher, claim))
    assert explain.RULE in text
    assert "Evidence grade A4 , picked from Report of the Shvernik commission , p. 4" in text
    assert "victor_reviewer: B" in text and "vera_reviewer: C" in text
    assert "victor_reviewer: 2" in text and "vera_reviewer: 3" in text
    # Rogovin: B and C make C (a tie goes to the less trusting grade); 2 and 3 make 3.
    assert "C consensus" in text and "3 consensus" in text and "C3" in text
    assert text.count("(picked: the evidence grade)") == 1
    assert text.index("(picked: the evidence grade)") > text.index("Report of the Shvernik commission , p. 4 ")


def test_reliability_ranks_first_and_f_and_6_after_every_real_grade(claim, researcher, reviewer, source, citation):
    # Rogovin E, credibility 1; the Shvernik report F (no basis), credibility 1: E1 is the better.
    shvernik = _source(researcher, "shvernik-1964", "Report of the Shvernik commission")
    no_basis = services.citation_create(actor=researcher, claim=claim, source=shvernik, locator="p. 4")
    services.grade_set(actor=reviewer, target=source, grade="E", rationale="Unreliable.")
    services.grade_set(actor=reviewer, target=shvernik, grade="F", rationale="Cannot tell.")
    services.grade_set(actor=reviewer, target=citation, grade=1, rationale="Confirmed.")
    services.grade_set(actor=reviewer, target=no_basis, grade=1, rationale="Confirmed.")
    claim.refresh_from_db()
    explained = explain.grade_explained(claim=claim, user=researcher)
    assert explained.evidence_grade == "E1"
    assert explained.picked.citation == citation


def test_f_and_6_grades_are_shown_but_left_out_of_the_consensus(
    client, researcher, reviewer, second_reviewer, claim, citation, source
):
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="Careful.")
    services.grade_set(actor=second_reviewer, target=source, grade="F", rationale="No basis to judge.")
    services.grade_set(actor=reviewer, target=citation, grade=6, rationale="Cannot be judged.")
    services.grade_set(actor=second_reviewer, target=citation, grade=2, rationale="Probably.")
    text = _text(_panel(client, researcher, claim))
    assert "Evidence grade B2" in text  # F and 6 not averaged: B and 2 alone
    assert f"vera_reviewer: F (left out: {explain.NO_BASIS})" in text
    assert f"victor_reviewer: 6 (left out: {explain.NO_BASIS})" in text
    assert "2 grades of F or 6: no basis for a grade, so not averaged" in text


def test_grades_of_an_earlier_version_of_the_citation_are_shown_as_outdated_and_left_out(
    client, researcher, reviewer, second_reviewer, claim, citation, source
):
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="Careful.")
    services.grade_set(actor=reviewer, target=citation, grade=1, rationale="Confirmed.")
    services.citation_update(actor=researcher, citation=citation, data={"quote": "Shot at dawn on 12 June."})
    services.grade_set(actor=second_reviewer, target=citation, grade=4, rationale="Doubtful now.")
    text = _text(_panel(client, researcher, claim))
    assert "Evidence grade B4" in text  # the outdated 1 no longer lifts it
    assert f"victor_reviewer: 1 (left out: {explain.OUTDATED})" in text
    assert "vera_reviewer: 4" in text and "vera_reviewer: 4 (left out" not in text
    assert "1 grade given to an earlier version of a citation: outdated, no longer counted" in text


def test_a_blind_reviewer_who_has_not_graded_sees_that_grades_exist_but_no_grade_nor_grader(
    client, claim, graded, third_reviewer
):
    panel = _panel(client, third_reviewer, claim)
    text = _text(panel)
    assert explain.RULE in text
    assert f"The evidence grade and the citation it comes from: {BLIND_NOTICE}" in text
    assert "graded; " + BLIND_NOTICE in text
    for leaked in ("victor_reviewer", "vera_reviewer", "A4", "C3", "consensus", "(picked"):
        assert leaked not in text, leaked
    assert not re.search(r'<span class="grade">[A-F1-6]</span>', panel)
    assert "4 sources or citations: hidden" in text.replace("The grades of ", "")


def test_a_blind_reviewer_sees_the_grades_of_what_they_have_graded_and_only_those(
    client, claim, graded, source, citation, third_reviewer
):
    services.grade_set(actor=third_reviewer, target=source, grade="B", rationale="Careful.")
    services.grade_set(actor=third_reviewer, target=citation, grade=2, rationale="Probably.")
    text = _text(_panel(client, third_reviewer, claim))
    assert "victor_reviewer: B" in text and "third_reviewer: 2" in text
    # The Shvernik report and its citation are still ungraded by them: hidden, and so the evidence grade.
    assert "graded; " + BLIND_NOTICE in text
    assert "victor_reviewer: A" not in text and "victor_reviewer: 4" not in text
    assert f"The evidence grade and the citation it comes from: {BLIND_NOTICE}" in text


def test_editors_see_every_grade(client, editor, claim, graded):
    text = _text(_panel(client, editor, claim))
    assert "Evidence grade A4" in text and "vera_reviewer: C" in text and BLIND_NOTICE not in text


def test_contradicting_citations_are_shown_beside_with_their_grades(
    client, researcher, reviewer, claim, graded, verdict_file
):
    against = services.citation_create(
        actor=researcher, claim=claim, source=verdict_file, locator="l. 3", stance=Citation.Stance.CONTRADICTS
    )
    services.grade_set(actor=reviewer, target=verdict_file, grade="A", rationale="The file itself.")
    services.grade_set(actor=reviewer, target=against, grade=1, rationale="Dated 11 June.")
    text = _text(_panel(client, researcher, claim))
    contradicting = text[text.index("Contradicting citations") :]
    assert explain.CONTRADICTING_NOTE in contradicting
    assert "Verdict of the Special Judicial Presence , l. 3" in contradicting and "A1" in contradicting
    assert "Evidence grade A4" in text  # the contradicting A1 does not enter it


def test_a_claim_nothing_supports_says_so(client, researcher, claim):
    text = _text(_panel(client, researcher, claim))
    assert "No citation supports this claim, so it has no evidence grade." in text
    assert "No supporting citations." in text and "No contradicting citations." in text


@pytest.fixture
def third_reviewer(db):
    from claims.roles import Role
    from tests.conftest import make_user

    return make_user("third_reviewer", Role.REVIEWER)


def _many(claim, researcher, reviewer, second_reviewer, n: int) -> None:
    for i in range(n):
        source = _source(researcher, f"memoir-{claim.key}-{i}", f"Memoir {i}")
        cited = services.citation_create(actor=researcher, claim=claim, source=source, locator=f"p. {i}")
        services.grade_set(actor=reviewer, target=source, grade="BCDEF"[i % 5], rationale="Read.")
        services.grade_set(actor=second_reviewer, target=cited, grade=1 + i % 6, rationale="Read.")
        against = services.citation_create(
            actor=researcher, claim=claim, source=source, locator=f"p. {i}a", stance=Citation.Stance.CONTRADICTS
        )
        services.grade_set(actor=reviewer, target=against, grade=2, rationale="Read.")


@pytest.mark.parametrize("user_name", ["researcher", "second_reviewer"])
def test_the_panel_runs_the_same_queries_for_three_citations_as_for_thirty(
    request, claim, topic, researcher, reviewer, second_reviewer, user_name
):
    user = request.getfixturevalue(user_name)
    small = claim
    big = services.claim_create(actor=researcher, key="execution-11-june", topic=topic, statement="Shot on 11 June.")
    _many(small, researcher, reviewer, second_reviewer, 3)
    _many(big, researcher, reviewer, second_reviewer, 30)
    counts = []
    for one in (small, big):
        one.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            explained = explain.grade_explained(claim=one, user=user)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10
    assert len(explained.supporting) == explain.PANEL_CITATIONS and explained.supporting_more == 20
    assert explained.contradicting_more == 20


def test_a_long_claim_lists_the_first_citations_and_says_how_many_more(
    client, claim, researcher, reviewer, second_reviewer
):
    _many(claim, researcher, reviewer, second_reviewer, 13)
    text = _text(_panel(client, researcher, claim))
    assert "And 3 more supporting citations not listed here" in text
    assert "And 3 more contradicting citations not listed here" in text
    # The best (B1, Memoir 0 at p. 0) is among those listed; grade 6 of Memoir 5 is left out.
    assert "Evidence grade B1 , picked from Memoir 0 , p. 0" in text


def test_the_citation_picked_is_shown_even_when_past_the_citations_listed(
    client, claim, researcher, reviewer, second_reviewer
):
    _many(claim, researcher, reviewer, second_reviewer, 12)
    late = _source(researcher, "zz-archive", "Zz archive")
    best = services.citation_create(actor=researcher, claim=claim, source=late, locator="f. 1")
    services.grade_set(actor=reviewer, target=late, grade="A", rationale="The file.")
    services.grade_set(actor=second_reviewer, target=best, grade=1, rationale="Confirmed.")
    claim.refresh_from_db()
    explained = explain.grade_explained(claim=claim, user=researcher)
    assert explained.evidence_grade == "A1"
    assert explained.picked.citation == best and explained.picked.picked
    assert best.pk not in [v.citation.pk for v in explained.supporting]
    text = _text(_panel(client, researcher, claim))
    assert "Evidence grade A1 , picked from Zz archive , f. 1" in text


def test_staff_see_every_grade_and_an_outsider_sees_no_claim_page(client, staff, outsider, claim, graded):
    text = _text(_panel(client, staff, claim))
    assert "Evidence grade A4" in text and "victor_reviewer: B" in text and BLIND_NOTICE not in text
    client.force_login(outsider)
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 403 and b"How this grade was reached" not in response.content
