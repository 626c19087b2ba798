"""Consensus of several reviewers and the derived evidence grade of a claim."""

import pytest

from claims import selectors, services
from claims.grading import consensus_credibility, consensus_reliability


@pytest.mark.parametrize(
    "grades,expected",
    [
        ([], None),  # nobody has graded yet
        (["B"], "B"),
        (["A", "C"], "B"),
        (["A", "B"], "B"),  # a split panel rounds towards the less trusting grade
        (["B", "F"], "B"),  # "cannot be judged" is no vote, not the worst grade
        (["F", "F"], "F"),
        (["A", "E", "E"], "D"),
    ],
)
def test_reliability_consensus(grades, expected):
    assert consensus_reliability(grades) == expected


@pytest.mark.parametrize("grades,expected", [([], None), ([2], 2), ([1, 2], 2), ([2, 6], 2), ([6], 6), ([1, 5, 6], 3)])
def test_credibility_consensus(grades, expected):
    assert consensus_credibility(grades) == expected


def test_claim_grade_is_its_best_supporting_citation(researcher, reviewer, second_reviewer, claim, source, citation):
    from claims.models import Source

    memoir = services.source_create(
        actor=researcher,
        key="suvorov-1998",
        kind=Source.Kind.MEMOIR,
        level=Source.Level.SECONDARY,
        title="The Cleansing",
        title_original="Очищение",
    )
    weak = services.citation_create(actor=researcher, claim=claim, source=memoir)
    against = services.citation_create(
        actor=researcher, claim=claim, source=memoir, locator="ch. 2", stance="contradicts"
    )
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="A careful historian.")
    services.grade_set(actor=second_reviewer, target=source, grade="A", rationale="Archival work.")
    services.grade_set(actor=reviewer, target=memoir, grade="D", rationale="A thesis to prove.")
    services.grade_set(actor=reviewer, target=citation, grade=3, rationale="Not confirmed.")
    services.grade_set(actor=second_reviewer, target=citation, grade=2, rationale="Consistent.")
    services.grade_set(actor=reviewer, target=weak, grade=1, rationale="Confirmed elsewhere.")
    services.grade_set(actor=reviewer, target=against, grade=1, rationale="Contradicts, confirmed.")
    # B (A and B split) with 3 (2 and 3 split) beats D1: reliability of the source ranks first,
    # and a contradicting citation never lends a claim its grade.
    assert selectors.claim_evidence_grades([claim]) == {claim.pk: "B3"}


def test_claim_without_supporting_citation_has_no_grade(claim):
    assert selectors.claim_evidence_grades([claim]) == {claim.pk: None}


def test_ungraded_citation_shows_dashes(claim, citation):
    assert selectors.claim_evidence_grades([claim]) == {claim.pk: "--"}


def test_evidence_grades_take_three_queries_for_any_number_of_claims(
    researcher, reviewer, topic, source, django_assert_num_queries
):
    claims = []
    for n in range(30):
        claim = services.claim_create(actor=researcher, key=f"c{n}", topic=topic, statement=f"Claim {n}.")
        citation = services.citation_create(actor=researcher, claim=claim, source=source, locator=f"p. {n}")
        services.grade_set(actor=reviewer, target=citation, grade=1 + n % 6, rationale="Seen.")
        claims.append(claim)
    with django_assert_num_queries(3):
        grades = selectors.claim_evidence_grades(claims)
    assert grades[claims[0].pk] == "-1" and grades[claims[5].pk] == "-6"
