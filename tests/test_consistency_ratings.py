"""Consistency ratings: how a citation made for one claim bears on another claim of its topic
(a cell of the topic's competing-hypotheses matrix), rated, revised, annotated and disputed
like a grade, and hidden from a blind reviewer until they have rated the same cell.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.models import Annotation, ConsistencyRating, Dispute
from claims.roles import Role
from claims.selectors.detail import hidden_from
from claims.selectors.ratings import RatingVisibility
from tests.conftest import make_user
from tests.forms_support import hidden_fields, submit
from tests.test_review import text

ARGUES = "The lead puts the shooting in the night, after the verdict of 11 June."


@pytest.fixture
def rival(topic, researcher):
    """A competing claim of the same topic, which the citation (made for `claim`) is rated against."""
    return services.claim_create(
        actor=researcher,
        key="execution-11-june",
        topic=topic,
        statement="The convicted were shot on 11 June 1937.",
        event_date="1937-06-11",
    )


@pytest.fixture
def rating(citation, rival, reviewer) -> ConsistencyRating:
    return services.consistency_rating_set(actor=reviewer, citation=citation, claim=rival, grade="I", rationale=ARGUES)


def cell_url(citation, claim) -> str:
    return reverse("consistency_cell", args=[citation.pk, claim.key])


def rate(user, citation, claim, grade="N", rationale="Mine.", **versions) -> ConsistencyRating:
    return services.consistency_rating_set(
        actor=user, citation=citation, claim=claim, grade=grade, rationale=rationale, **versions
    )


# --- The service --------------------------------------------------------------------


def test_a_reviewer_rates_evidence_against_another_claim_and_revises_it(rating, citation, rival, reviewer):
    assert (rating.grade, rating.rationale, rating.version) == ("I", ARGUES, 1)
    revised = rate(reviewer, citation, rival, grade="II", rationale="Surely after midnight.", expected_version=1)
    assert revised.pk == rating.pk and revised.version == 2
    rating.refresh_from_db()
    assert rating.grade == "II"
    assert [h.grade for h in rating.history.order_by("history_date")] == ["I", "II"]
    assert rating.history.latest().history_user == reviewer


@pytest.mark.parametrize("persona", ["reviewer", "second_reviewer", "editor", "staff"])
def test_whoever_grades_may_rate(request, citation, rival, persona):
    user = request.getfixturevalue(persona)
    assert rate(user, citation, rival).reviewer == user


@pytest.mark.parametrize("persona", ["researcher", "outsider"])
def test_whoever_may_not_grade_may_not_rate(request, citation, rival, persona):
    with pytest.raises(PermissionDenied, match="Reviewer or Editor"):
        rate(request.getfixturevalue(persona), citation, rival)
    assert not ConsistencyRating.objects.exists()


def test_nobody_rates_their_own_citation_nor_evidence_against_their_own_claim(topic, claim, source, citation):
    author = make_user("rex_reviewer", Role.REVIEWER)
    own_claim = services.claim_create(actor=author, key="execution-night", topic=topic, statement="In the night.")
    with pytest.raises(PermissionDenied, match="You added the claim this evidence is rated against"):
        rate(author, citation, own_claim)
    own_citation = services.citation_create(actor=author, claim=own_claim, source=source, locator="p. 3")
    with pytest.raises(PermissionDenied, match="You added this citation"):
        rate(author, own_citation, claim)
    assert not ConsistencyRating.objects.exists()


def test_a_citation_is_rated_only_against_another_claim_of_its_topic(citation, claim, reviewer, editor):
    with pytest.raises(ValidationError, match="through its stance"):
        rate(reviewer, citation, claim)
    elsewhere = services.topic_create(actor=editor, title="Motives")
    stranger = services.claim_create(actor=editor, key="motive-fear", topic=elsewhere, statement="Fear of a coup.")
    with pytest.raises(ValidationError, match="claims of its own claim's topic"):
        rate(reviewer, citation, stranger)


@pytest.mark.parametrize(("grade", "rationale", "field"), [("X", "Why.", "grade"), ("C", "  ", "rationale")])
def test_a_rating_needs_a_value_of_the_scale_and_a_rationale(citation, rival, reviewer, grade, rationale, field):
    with pytest.raises(ValidationError) as caught:
        rate(reviewer, citation, rival, grade=grade, rationale=rationale)
    assert field in caught.value.message_dict


def test_a_rating_form_opened_before_another_save_changes_nothing(rating, citation, rival, reviewer):
    with pytest.raises(ValidationError, match=r"You rated this in another window .*\(rating I\)"):
        rate(reviewer, citation, rival, grade="CC", expected_version=services.NO_GRADE_YET)
    rate(reviewer, citation, rival, grade="II", expected_version=1)
    with pytest.raises(ValidationError, match="was saved by victor_reviewer while you were editing it"):
        rate(reviewer, citation, rival, grade="CC", expected_version=1)
    rating.refresh_from_db()
    assert (rating.grade, rating.version) == ("II", 2)


def test_a_rating_deleted_while_revised_is_not_saved_again(rating, citation, rival, reviewer, staff):
    services.staff_delete(actor=staff, instance=rating)
    with pytest.raises(ValidationError, match="Your rating of this was deleted"):
        rate(reviewer, citation, rival, expected_version=1)
    assert not ConsistencyRating.objects.exists()


def test_a_rating_is_of_the_evidence_and_the_claim_as_the_reviewer_read_them(citation, rival, researcher, reviewer):
    services.citation_update(actor=researcher, citation=citation, data={"quote": "shot that night"})
    with pytest.raises(ValidationError, match="while you were rating it"):
        rate(reviewer, citation, rival, target_version=1, claim_version=rival.version)
    services.claim_update(actor=researcher, claim=rival, data={"statement": "Shot late on 11 June."})
    with pytest.raises(ValidationError, match="while you were rating it"):
        rate(reviewer, citation, rival, target_version=citation.version, claim_version=1)
    assert not ConsistencyRating.objects.exists()
    assert rate(reviewer, citation, rival, target_version=citation.version, claim_version=rival.version)


def test_staff_enter_a_rating_for_a_reviewer_in_the_admin(client, citation, rival, reviewer, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:claims_consistencyrating_add"),
        {
            "citation": citation.pk,
            "claim": rival.pk,
            "reviewer": reviewer.pk,
            "grade": "C",
            "rationale": "Entered from the reviewer's notes.",
        },
    )
    assert response.status_code == 302
    rating = ConsistencyRating.objects.get()
    assert (rating.reviewer, rating.grade) == (reviewer, "C")
    assert rating.history.get().history_user == staff
    assert "victor_reviewer" in text(client.get(reverse("admin:claims_consistencyrating_changelist")))


def test_staff_may_not_enter_a_rating_for_a_reviewer_of_their_own_work(citation, rival, researcher, staff):
    researcher.groups.add(*make_user("tmp", Role.REVIEWER).groups.all())
    entered = ConsistencyRating(citation=citation, claim=rival, reviewer=researcher, grade="C", rationale="Mine.")
    with pytest.raises(ValidationError, match="added this citation"):
        services.staff_save(actor=staff, instance=entered)
    assert not ConsistencyRating.objects.exists()


# --- The cell page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status", "form"),
    [
        ("outsider", 403, False),
        ("researcher", 200, False),
        ("reviewer", 200, True),
        ("second_reviewer", 200, True),
        ("editor", 200, True),
        ("staff", 200, True),
    ],
)
def test_the_cell_page_shows_the_evidence_and_the_claim_and_a_form_to_whoever_rates(
    client, request, citation, rival, rating, persona, status, form
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(cell_url(citation, rival))
    assert response.status_code == status
    if status == 200:
        page = text(response)
        assert "rogovin-1937" in response.content.decode() and "ch. 9" in page
        assert "The convicted were shot on 11 June 1937." in page and "supports" in page
        assert ("Save your" in page) is form


def test_the_cell_page_sends_an_anonymous_visitor_to_log_in(client, citation, rival):
    response = client.get(cell_url(citation, rival))
    assert response.status_code == 302 and "login" in response.url


def test_there_is_no_cell_of_a_citations_own_claim_nor_of_another_topic(client, citation, claim, editor):
    client.force_login(editor)
    elsewhere = services.topic_create(actor=editor, title="Motives")
    stranger = services.claim_create(actor=editor, key="motive-fear", topic=elsewhere, statement="Fear of a coup.")
    for url in (
        cell_url(citation, claim),
        cell_url(citation, stranger),
        reverse("consistency_cell", args=[citation.pk, "no-such-claim"]),
        reverse("consistency_cell", args=[citation.pk + 99, claim.key]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_reviewer_saves_and_revises_their_rating_on_the_cell_page(client, citation, rival, second_reviewer):
    client.force_login(second_reviewer)
    url = cell_url(citation, rival)
    response = submit(client, url, {"grade": "C", "rationale": "The night includes 11 June's last minutes."})
    assert response.status_code == 302 and response.url == f"{url}#your-rating"
    rating = ConsistencyRating.objects.get(reviewer=second_reviewer)
    assert (rating.grade, rating.citation, rating.claim) == ("C", citation, rival)
    page = client.get(url)
    assert "Save your revised rating" in text(page)
    submit(client, url, {"grade": "N", "rationale": "On reflection, neutral."})
    rating.refresh_from_db()
    assert (rating.grade, rating.version) == ("N", 2)


def test_a_rating_form_left_open_while_rating_elsewhere_is_refused_on_the_page(client, citation, rival, reviewer):
    client.force_login(reviewer)
    url = cell_url(citation, rival)
    stale = hidden_fields(client.get(url), url, itself=True)
    rate(reviewer, citation, rival, grade="CC")
    response = client.post(url, {**stale, "grade": "II", "rationale": "Other window."})
    assert response.status_code == 200 and "You rated this in another window" in text(response)
    assert ConsistencyRating.objects.get().grade == "CC"


def test_the_page_refuses_a_rating_from_who_may_not_rate(client, citation, rival, researcher):
    client.force_login(researcher)
    url = cell_url(citation, rival)
    response = client.post(url, {"grade": "C", "rationale": "Mine.", "version": 0, "target_version": 1})
    assert response.status_code == 403
    author = make_user("rex_reviewer", Role.REVIEWER)
    citation.created_by = author
    citation.save()
    client.force_login(author)
    assert "You added this citation" in text(client.get(url))
    assert client.post(url, {"grade": "C", "rationale": "Mine."}).status_code == 403
    assert not ConsistencyRating.objects.exists()


# --- Blind grading --------------------------------------------------------------------


def test_a_blind_reviewer_sees_the_others_ratings_of_a_cell_only_after_rating_it(
    client, citation, rival, rating, second_reviewer
):
    client.force_login(second_reviewer)
    url = cell_url(citation, rival)
    page = text(client.get(url))
    assert ARGUES not in page and "Consensus" not in page and "victor_reviewer" not in page
    assert "Ratings hidden until you enter your own" in page and "1 reviewer rated" in page
    assert hidden_from(second_reviewer, rating)
    rate(second_reviewer, citation, rival, grade="C")
    page = text(client.get(url))
    assert ARGUES in page and "victor_reviewer" in page and "Consensus (median): I" in page
    assert not hidden_from(second_reviewer, rating)


@pytest.mark.parametrize("persona", ["researcher", "editor", "staff"])
def test_who_does_not_grade_blind_sees_every_rating(client, request, citation, rival, rating, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert ARGUES in text(client.get(cell_url(citation, rival)))
    assert not hidden_from(user, rating)


def test_rating_another_cell_of_the_same_citation_reveals_nothing_of_this_one(
    topic, researcher, citation, rival, rating, second_reviewer
):
    third = services.claim_create(actor=researcher, key="execution-13-june", topic=topic, statement="On 13 June.")
    rate(second_reviewer, citation, third)
    services.grade_set(actor=second_reviewer, target=citation, grade=3, rationale="Mine.")
    visibility = RatingVisibility.query(second_reviewer, cells=[(citation.pk, rival.pk), (citation.pk, third.pk)])
    assert not visibility.cell_visible(citation.pk, rival.pk) and visibility.cell_visible(citation.pk, third.pk)
    assert hidden_from(second_reviewer, rating)


def test_the_visibility_of_many_cells_is_one_query_and_none_for_who_sees_everything(
    django_assert_num_queries, django_assert_max_num_queries, citation, rival, rating, reviewer, editor
):
    cells = [(citation.pk, rival.pk), (citation.pk + 1, rival.pk), (citation.pk, rival.pk + 1)]
    with django_assert_num_queries(1):
        visibility = RatingVisibility.query(reviewer, cells=cells)
    assert [visibility.cell_visible(*cell) for cell in cells] == [True, False, False]
    with django_assert_max_num_queries(1):  # (at most the editor's roles, once a request)
        assert RatingVisibility.query(editor, cells=cells).cell_visible(*cells[1])


def test_notes_and_disputes_of_a_rating_are_hidden_from_a_blind_reviewer_until_they_rate_the_cell(
    client, citation, rival, rating, researcher, editor, second_reviewer
):
    note = services.annotation_create(actor=researcher, target=rating, body="Which edition of the lead?")
    dispute = services.dispute_raise(actor=editor, target=rating, reason="The night covers 11 June too.", proposed="N")
    client.force_login(second_reviewer)
    hidden = [
        reverse("dispute_detail", args=[dispute.pk]),
        reverse("annotation_create", args=["consistency-rating", rating.pk]),
        reverse("annotation_reply", args=[note.pk]),
        reverse("annotation_create", args=["dispute", dispute.pk]),
        reverse("dispute_raise", args=["consistency-rating", rating.pk]),
    ]
    assert [client.get(url).status_code for url in hidden] == [404] * len(hidden)
    listed = text(client.get(reverse("dispute_list")))
    assert "The night covers 11 June too." not in listed and "Rate this evidence against the claim" in listed
    assert "Which edition" not in text(client.get(cell_url(citation, rival)))
    rate(second_reviewer, citation, rival)
    assert [client.get(url).status_code for url in hidden] == [200] * len(hidden)
    assert "The night covers 11 June too." in text(client.get(reverse("dispute_list")))
    page = text(client.get(cell_url(citation, rival)))
    assert "Which edition" in page and "The night covers 11 June too." in page


# --- Annotating and disputing through the web ----------------------------------------------


def test_a_rating_is_annotated_and_disputed_and_the_dispute_upheld_through_the_pages(
    client, citation, rival, rating, researcher, second_reviewer, editor
):
    url = cell_url(citation, rival)
    # A researcher comments on the rating; the note is shown with it.
    client.force_login(researcher)
    response = client.post(
        reverse("annotation_create", args=["consistency-rating", rating.pk]),
        {"body": "Compare the verdict's hour.", "quoted_passage": "after the verdict"},
    )
    note = Annotation.objects.get(consistency_rating=rating)
    assert response.status_code == 302 and response.url == f"{url}#annotation-{note.pk}"
    assert f'id="annotation-{note.pk}"' in client.get(url).content.decode()
    # A second reviewer rates the cell (blind), then disputes the first reviewer's rating.
    client.force_login(second_reviewer)
    submit(client, url, {"grade": "C", "rationale": "The night includes 11 June's last minutes."})
    page = client.get(url).content.decode()
    raise_url = reverse("dispute_raise", args=["consistency-rating", rating.pk])
    assert f'href="{raise_url}"' in page and "Dispute this rating" in page
    form = client.get(raise_url)
    assert "Dispute this rating" in text(form) and "Grade now: I" in text(form)
    response = submit(client, raise_url, {"reason": "11 June's last minutes are in that night.", "proposed": "N"})
    dispute = Dispute.objects.get(consistency_rating=rating)
    assert response.status_code == 302 and response.url == reverse("dispute_detail", args=[dispute.pk])
    assert (dispute.proposed_consistency, dispute.raised_by) == ("N", second_reviewer)
    assert "Consistency rating I by victor_reviewer" in text(client.get(reverse("dispute_list")))
    # The editor upholds it: the rating takes the proposed value, in the rating's history by the editor.
    client.force_login(editor)
    detail = reverse("dispute_detail", args=[dispute.pk])
    resolve = reverse("dispute_resolve", args=[dispute.pk])
    response = submit(client, resolve, {"outcome": "upheld", "note": "Agreed: neutral."}, page=detail)
    assert response.status_code == 302
    rating.refresh_from_db()
    dispute.refresh_from_db()
    assert (rating.grade, dispute.state) == ("N", Dispute.State.UPHELD)
    assert rating.history.latest().history_user == editor
    page = text(client.get(url))
    assert "Disputed (upheld)" in page and "Agreed: neutral." in page


def test_a_reviewer_may_not_dispute_their_own_rating_nor_an_editor_decide_on_their_own(
    client, citation, rival, rating, reviewer, editor, second_editor
):
    with pytest.raises(ValidationError, match="You cannot dispute your own rating"):
        services.dispute_raise(actor=reviewer, target=rating, reason="I changed my mind.", proposed="II")
    own = rate(editor, citation, rival, grade="CC")
    dispute = services.dispute_raise(actor=second_editor, target=own, reason="Too strong.", proposed="C")
    with pytest.raises(PermissionDenied, match="The disputed grade is yours"):
        services.dispute_resolve(actor=editor, dispute=dispute, outcome="rejected", note="No.")
    client.force_login(reviewer)
    form = text(client.get(reverse("dispute_raise", args=["consistency-rating", rating.pk])))
    assert "This is your own grade" in form


def test_a_researcher_may_comment_on_a_rating_but_not_dispute_it(client, rating, researcher):
    client.force_login(researcher)
    assert client.get(reverse("dispute_raise", args=["consistency-rating", rating.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.dispute_raise(actor=researcher, target=rating, reason="Hm.", proposed="N")


# --- Cost ---------------------------------------------------------------------------------


def test_the_cell_page_costs_the_same_however_many_ratings_notes_and_disputes(
    client, citation, rival, rating, researcher, editor
):
    client.force_login(editor)
    url = cell_url(citation, rival)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        other = make_user(f"reviewer_{n}", Role.REVIEWER)
        more = rate(other, citation, rival, grade="C", rationale=f"Rating {n}.")
        services.annotation_create(actor=researcher, target=more, body=f"Note {n}.")
        services.dispute_raise(actor=make_user(f"disputer_{n}", Role.REVIEWER), target=more, reason="No.", proposed="I")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert "Rating 4." in text(page) and "Note 4." in text(page)
    assert len(many) == len(few)
