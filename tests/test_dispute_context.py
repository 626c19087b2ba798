"""The dispute in context (issue 15): a dispute's page shows what is disputed, not only its key:
a claim's statement; for a citation's grade the passage quoted and the claim it is cited for;
for a source's grade the source's title; for a consistency rating the passage and the claim it
is rated against. A blind reviewer still meets no dispute of a grade hidden from them, and the
context costs no query (it is read with the dispute)."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.selectors.detail import disputes_qs
from tests.test_pages import text_of

pytestmark = pytest.mark.django_db

QUOTE = "Приговор приведён в исполнение 12 июня 1937 года."
TRANSLATION = "The sentence was carried out on 12 June 1937."


@pytest.fixture
def disputes(researcher, reviewer, second_reviewer, editor, claim, source):
    citation = services.citation_create(
        actor=researcher, claim=claim, source=source, locator="p. 4", quote=QUOTE, quote_translation=TRANSLATION
    )
    rival = services.claim_create(
        actor=researcher, key="june-11", topic=claim.topic, statement="The convicted were shot on 11 June 1937."
    )
    source_grade = services.grade_set(actor=reviewer, target=source, grade="B", rationale="Careful.")
    citation_grade = services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Probably.")
    rating = services.consistency_rating_set(
        actor=reviewer, citation=citation, claim=rival, grade="II", rationale="Contradicts it."
    )
    raise_ = services.dispute_raise
    return {
        "claim": raise_(actor=editor, target=claim, reason="One witness.", proposed="contested"),
        "citation grade": raise_(actor=editor, target=citation_grade, reason="Hearsay.", proposed=4),
        "source grade": raise_(actor=editor, target=source_grade, reason="Partisan.", proposed="D"),
        "rating": raise_(actor=editor, target=rating, reason="Says nothing of it.", proposed="N"),
    }


def _shown(client, user, dispute) -> str:
    client.force_login(user)
    response = client.get(f"/disputes/{dispute.pk}/")
    assert response.status_code == 200
    return text_of(response.content.decode().split('<main id="main"', 1)[1])


def test_a_dispute_of_a_claim_shows_its_statement(client, researcher, disputes, claim):
    shown = _shown(client, researcher, disputes["claim"])
    assert f"The claim {claim.statement} Status now: open" in shown


def test_a_dispute_of_a_citations_grade_shows_the_passage_and_the_claim_it_is_cited_for(
    client, researcher, disputes, claim, source
):
    shown = _shown(client, researcher, disputes["citation grade"])
    assert f"The passage {QUOTE} {TRANSLATION} {source.title} · {source.key} · p. 4 · supports" in shown
    assert f"Cited for the claim {claim.statement}" in shown


def test_a_dispute_of_a_sources_grade_shows_the_sources_title(client, researcher, disputes, source):
    shown = _shown(client, researcher, disputes["source grade"])
    assert f"The source {source.title} ({source.title_original}) {source.authors}" in shown


def test_a_dispute_of_a_rating_shows_the_passage_and_the_claim_it_is_rated_against(client, researcher, disputes):
    shown = _shown(client, researcher, disputes["rating"])
    assert f"The passage {QUOTE}" in shown
    assert "Rated against the claim The convicted were shot on 11 June 1937." in shown


def test_a_citation_without_a_quote_says_so(client, researcher, reviewer, editor, citation):
    grade = services.grade_set(actor=reviewer, target=citation, grade=3, rationale="Maybe.")
    dispute = services.dispute_raise(actor=editor, target=grade, reason="Why?", proposed=5)
    assert "The passage No quote recorded." in _shown(client, researcher, dispute)


def test_a_blind_reviewer_still_meets_no_dispute_of_a_grade_they_have_not_given(client, second_reviewer, disputes):
    client.force_login(second_reviewer)
    for kind in ("citation grade", "source grade", "rating"):
        response = client.get(f"/disputes/{disputes[kind].pk}/")
        assert response.status_code == 404, kind
        assert QUOTE not in response.content.decode()


def test_what_is_disputed_is_read_with_the_dispute_in_no_query_of_its_own(disputes):
    for kind, dispute in disputes.items():
        dispute = disputes_qs().get(pk=dispute.pk)  # as the dispute page reads it
        with CaptureQueriesContext(connection) as queries:
            shown = render_to_string(
                dispute.target_kind.template, {"target": dispute.target, "style": "context", "hidden": False}
            )
        assert "<dt>" in shown, kind
        assert len(queries) == 0, (kind, [q["sql"] for q in queries])
