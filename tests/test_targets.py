"""The registry of what can be annotated or disputed (claims/targets.py), kind by kind.

Each test goes through what a user does with a kind: its URL, its page and anchor, the
passage a note may quote from it, and whether a blind grader may see it.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from claims import services, targets
from claims.models import Annotation, Dispute
from claims.roles import Role
from claims.selectors.detail import hidden_from
from tests.conftest import make_user

URL_KINDS = ("claim", "source", "citation", "source-grade", "citation-grade", "dispute", "consistency-rating")


@pytest.fixture
def things(claim, source, citation, researcher, reviewer, editor) -> dict:
    """One of each kind, url kind → object: the grades and the rating are the reviewer's, the
    dispute an editor's."""
    source_grade = services.grade_set(
        actor=reviewer, target=source, grade="B", rationale="A careful historian with archival access."
    )
    citation_grade = services.grade_set(
        actor=reviewer, target=citation, grade=3, rationale="One late witness, not confirmed elsewhere."
    )
    dispute = services.dispute_raise(
        actor=editor, target=citation_grade, reason="The 1957 review contradicts it outright.", proposed=5
    )
    rival = services.claim_create(
        actor=researcher,
        key="execution-11-june",
        topic=claim.topic,
        statement="The convicted were shot on 11 June 1937.",
    )
    rating = services.consistency_rating_set(
        actor=reviewer, citation=citation, claim=rival, grade="I", rationale="It puts the shooting after midnight."
    )
    return {
        "claim": claim,
        "source": source,
        "citation": citation,
        "source-grade": source_grade,
        "citation-grade": citation_grade,
        "dispute": dispute,
        "consistency-rating": rating,
    }


def rate_the_same_cell(user, rating) -> None:
    """Blind grading: a reviewer sees the others' ratings of a cell once they have rated it too."""
    services.consistency_rating_set(
        actor=user, citation=rating.citation, claim=rating.claim, grade="N", rationale="Mine."
    )


def ids_on(response) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', response.content.decode()))


def test_each_kind_is_declared_once_and_matches_the_foreign_keys_of_notes_and_disputes():
    kinds = targets.KINDS
    assert sorted(kind.url_kind for kind in kinds) == sorted(URL_KINDS)
    for attribute in ("url_kind", "model_name", "field"):
        values = [getattr(kind, attribute) for kind in kinds]
        assert len(set(values)) == len(values), attribute
    for model, disputable in ((Annotation, targets.KINDS), (Dispute, targets.DISPUTABLE)):
        keys = {f.name: f.related_model for f in model._meta.get_fields() if f.many_to_one and f.null}
        keys.pop("parent", None)  # a reply's parent note, not its target
        keys.pop("resolved_by", None)
        assert keys == {kind.field: kind.model for kind in disputable}, model


@pytest.mark.parametrize("url_kind", URL_KINDS)
def test_a_note_posted_at_a_kinds_url_is_about_that_object(client, researcher, things, url_kind):
    obj = things[url_kind]
    kind = targets.by_url_kind(url_kind)
    assert targets.of(obj) is kind
    assert kind.model is type(obj)
    client.force_login(researcher)
    url = reverse("annotation_create", args=[url_kind, obj.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert kind.label(obj).replace("'", "&#x27;") in form.content.decode()
    response = client.post(url, {"body": "A note on it."})
    note = Annotation.objects.get(body="A note on it.")
    assert getattr(note, kind.field) == obj and note.target == obj
    assert response.status_code == 302
    assert urlsplit(response.url).fragment == f"annotation-{note.pk}"


def test_an_unknown_kind_in_the_url_is_not_found(client, researcher, claim):
    client.force_login(researcher)
    assert targets.by_url_kind("person") is None
    assert client.get(reverse("annotation_create", args=["person", claim.pk])).status_code == 404
    assert client.get(reverse("dispute_raise", args=["source", claim.pk])).status_code == 404


@pytest.mark.parametrize("url_kind", URL_KINDS)
def test_each_kinds_place_and_its_notes_are_on_its_page(client, editor, things, url_kind):
    obj = things[url_kind]
    kind = targets.by_url_kind(url_kind)
    client.force_login(editor)
    for url in (kind.url(obj), kind.notes_url(obj)):
        parts = urlsplit(url)
        page = client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
        assert page.status_code == 200, url
        assert not parts.fragment or parts.fragment in ids_on(page), url


QUOTES = {
    # url kind → (a passage of its text, words shown with it that are not its text)
    "claim": ("shot on 12 June", "Date of execution"),
    "source": ("Stalin's Year of Terror", "Vadim Rogovin"),
    "citation": ("ch. 9", "shot on 12 June"),
    "source-grade": ("archival access", "Stalin's Year"),
    "citation-grade": ("One late witness", "shot on 12 June"),
    "dispute": ("1957 review", "One late witness"),
    "consistency-rating": ("after midnight", "shot on 11 June"),
}


@pytest.mark.parametrize("url_kind", URL_KINDS)
def test_a_quoted_passage_must_come_from_the_kinds_own_text(researcher, things, url_kind):
    obj = things[url_kind]
    passage, elsewhere = QUOTES[url_kind]
    assert passage in targets.by_url_kind(url_kind).text(obj)
    note = services.annotation_create(actor=researcher, target=obj, body="Quoted.", quoted_passage=passage)
    assert note.quoted_passage == passage
    with pytest.raises(ValidationError, match="does not occur in the text it annotates"):
        services.annotation_create(actor=researcher, target=obj, body="Misquoted.", quoted_passage=elsewhere)


@pytest.mark.parametrize(
    ("url_kind", "hidden_before_grading"),
    [
        ("claim", False),
        ("source", False),
        ("citation", False),
        ("source-grade", True),
        ("citation-grade", True),
        ("dispute", True),  # of a citation grade
        ("consistency-rating", True),
    ],
)
def test_a_blind_grader_sees_others_grades_and_their_disputes_only_after_grading(
    client, things, url_kind, hidden_before_grading
):
    blind = make_user("walter_reviewer", Role.REVIEWER)
    obj = things[url_kind]
    client.force_login(blind)
    url = reverse("annotation_create", args=[url_kind, obj.pk])
    assert hidden_from(blind, obj) is hidden_before_grading
    assert client.get(url).status_code == (404 if hidden_before_grading else 200)
    services.grade_set(actor=blind, target=things["source"], grade="C", rationale="Mine.")
    services.grade_set(actor=blind, target=things["citation"], grade=4, rationale="Mine.")
    rate_the_same_cell(blind, things["consistency-rating"])
    assert not hidden_from(blind, obj)
    assert client.get(url).status_code == 200


def test_a_dispute_of_a_claim_hides_nothing_and_its_raiser_always_sees_theirs(things, second_reviewer):
    blind = make_user("walter_reviewer", Role.REVIEWER)
    claim_dispute = services.dispute_raise(
        actor=second_reviewer, target=things["claim"], reason="No record of it.", proposed="contested"
    )
    assert not hidden_from(blind, claim_dispute)
    own = services.dispute_raise(actor=blind, target=things["source-grade"], reason="Too generous.", proposed="D")
    assert not hidden_from(blind, own)


@pytest.mark.parametrize(
    ("url_kind", "proposed", "after"),
    [("source-grade", "D", "D"), ("citation-grade", 5, 5), ("consistency-rating", "CC", "CC")],
)
def test_an_upheld_dispute_puts_the_proposal_in_place_of_the_grade(
    things, second_reviewer, editor, url_kind, proposed, after
):
    grade = things[url_kind]
    dispute = services.dispute_raise(actor=second_reviewer, target=grade, reason="Too generous.", proposed=proposed)
    services.dispute_resolve(actor=editor, dispute=dispute, outcome=Dispute.State.UPHELD, note="Agreed.")
    grade.refresh_from_db()
    assert grade.grade == after
    assert dispute.target_label == f"{url_kind.replace('-', ' ')} #{grade.pk}"


DISPUTED = {"claim": "contested", "source-grade": "D", "citation-grade": 5, "consistency-rating": "C"}
NOW_SHOWN = {
    "claim": "Status now:",
    "source-grade": "Grade now:",
    "citation-grade": "Grade now:",
    "consistency-rating": "Grade now:",
}


@pytest.mark.parametrize("url_kind", list(DISPUTED))
def test_each_disputable_kind_is_shown_where_its_disputes_are(client, second_reviewer, things, url_kind):
    """The dispute form, the list of open disputes, the dispute page and the closed ones show what
    is challenged, as it is now, with a link to its place: from the kind's template and label."""
    target, kind = things[url_kind], targets.by_url_kind(url_kind)
    if kind.graded:  # (blind grading: a reviewer sees others' grades once they have graded too)
        own = {"source": "C", "citation": 4}[kind.graded]
        services.grade_set(actor=second_reviewer, target=getattr(target, kind.graded), grade=own, rationale="Mine.")
    if url_kind == "consistency-rating":
        rate_the_same_cell(second_reviewer, target)
    client.force_login(second_reviewer)
    form = client.get(f"/disputes/new/{url_kind}/{target.pk}/").content.decode()
    assert kind.proposal.heading in form and NOW_SHOWN[url_kind] in form
    dispute = services.dispute_raise(
        actor=second_reviewer, target=target, reason="It does not hold.", proposed=DISPUTED[url_kind]
    )
    place = kind.url(target).replace("&", "&amp;")
    listed = client.get("/disputes/").content.decode().split('id="recently-closed"', 1)[0]
    assert f'id="dispute-{dispute.pk}"' in listed and dispute.proposal_badge.text in listed
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    now = kind.now(target)
    assert f'<a href="{place}">' in page and f'(now <span class="{now.css}">{now.mark}</span>)' in page
    services.dispute_withdraw(actor=second_reviewer, dispute=dispute)
    closed = client.get("/disputes/").content.decode().split('id="recently-closed"', 1)[1]
    assert f'href="/disputes/{dispute.pk}/"' in closed


@pytest.mark.parametrize("url_kind", list(DISPUTED))
def test_the_database_refuses_a_dispute_proposing_another_kinds_value(things, second_reviewer, url_kind):
    """dispute_proposal_matches_target is built from the registry: each kind's proposal field and
    no other, checked by the database even where a write skips full_clean()."""
    target, kind = things[url_kind], targets.by_url_kind(url_kind)
    dispute = services.dispute_raise(actor=second_reviewer, target=target, reason="No.", proposed=DISPUTED[url_kind])
    for other in targets.DISPUTABLE:
        if other is not kind:
            value = DISPUTED[other.url_kind]
            with transaction.atomic(), pytest.raises(IntegrityError, match="dispute_proposal_matches_target"):
                Dispute.objects.filter(pk=dispute.pk).update(**{other.proposal.field: value})
