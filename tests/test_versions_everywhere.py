"""No decision silently undone (issue 10, point 3): every path that changes a claim, source,
citation, person, grade or dispute checks the version the person started from, and refuses a
stale write saying what changed and by whom. Forms must carry that version; an upheld dispute
moves its target's version on.
"""

import pytest
from django.urls import reverse

from claims import services
from claims.models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    Topic,
)
from tests.forms_support import form_values, hidden_fields, page_text

MISSING = "did not carry the version of the record it was opened at"


def snapshot() -> dict:
    """Every row of every record a form here could change, as stored."""
    models = (Claim, Citation, Source, Person, Topic, Annotation, SourceAssessment, CitationAssessment, Dispute)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.fixture
def person(researcher) -> Person:
    return services.person_create(actor=researcher, name="Iona Yakir", name_original="Якир")


@pytest.fixture
def note(researcher, claim) -> Annotation:
    return services.annotation_create(actor=researcher, target=claim, body="Compare the protocol.")


@pytest.fixture
def victors_grade(reviewer, citation) -> CitationAssessment:
    return services.grade_set(actor=reviewer, target=citation, grade=3, rationale="One witness.")


@pytest.fixture
def dispute(second_reviewer, victors_grade) -> Dispute:
    """vera_reviewer, having graded the citation herself, disputes victor's grade."""
    services.grade_set(
        actor=second_reviewer, target=victors_grade.citation, grade=5, rationale="Contradicted by the 1957 report."
    )
    return services.dispute_raise(actor=second_reviewer, target=victors_grade, reason="The 1957 report.", proposed=5)


# Each form that changes a record: who submits it, the page it is on, where it posts, what is typed.
FORMS = {
    "claim": (
        "researcher",
        lambda w: f"/claims/{w['claim'].key}/edit/",
        None,
        lambda w: {"statement": "Shot at dawn on 12 June."},
    ),
    "citation": ("researcher", lambda w: f"/citations/{w['citation'].pk}/edit/", None, lambda w: {"locator": "ch. 10"}),
    "source": (
        "researcher",
        lambda w: f"/sources/{w['source'].key}/edit/",
        None,
        lambda w: {"title": "1937 (2nd ed.)"},
    ),
    "person": ("researcher", lambda w: f"/people/{w['person'].slug}/edit/", None, lambda w: {"aliases": "Iakir"}),
    "annotation": (
        "researcher",
        lambda w: f"/annotations/{w['note'].pk}/edit/",
        None,
        lambda w: {"body": "Compare the verdict."},
    ),
    "own grade": (
        "reviewer",
        lambda w: f"/citations/{w['citation'].pk}/grade/",
        None,
        lambda w: {"grade": "4", "rationale": "On reflection."},
    ),
    "restore": (
        "editor",
        lambda w: f"/claims/{w['claim'].key}/",
        lambda w: f"/claims/{w['claim'].key}/history/{w['claim'].history.earliest().history_id}/restore/",
        lambda w: {},
    ),
    "withdraw a dispute": (
        "second_reviewer",
        lambda w: f"/disputes/{w['dispute'].pk}/",
        lambda w: f"/disputes/{w['dispute'].pk}/withdraw/",
        lambda w: {},
    ),
    "resolve a dispute": (
        "editor",
        lambda w: f"/disputes/{w['dispute'].pk}/",
        lambda w: f"/disputes/{w['dispute'].pk}/resolve/",
        lambda w: {"outcome": "upheld", "note": "The report settles it."},
    ),
}


@pytest.fixture
def w(request, claim, citation, source, person, note, dispute) -> dict:
    # The restore button needs an earlier version of the claim to put back.
    services.claim_update(
        actor=request.getfixturevalue("researcher"), claim=claim, data={"statement": "Shot on 12 June 1937, at night."}
    )
    return {
        "claim": Claim.objects.get(pk=claim.pk),
        "citation": citation,
        "source": source,
        "person": person,
        "note": note,
        "dispute": dispute,
    }


@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_without_the_version_it_was_filled_from_is_refused_and_changes_nothing(client, request, w, name):
    persona, page, action, typed = FORMS[name]
    client.force_login(request.getfixturevalue(persona))
    page_url = page(w)
    action_url = action(w) if action else page_url
    shown = client.get(page_url)
    sent = {**form_values(shown, action_url, itself=action is None), **typed(w)}
    before = snapshot()
    without = {field: value for field, value in sent.items() if not field.endswith("version")}
    response = client.post(action_url, without, follow=True)
    assert MISSING in page_text(response)
    assert snapshot() == before
    # The same form, with the versions the page gave it, is saved.
    client.post(action_url, sent)
    assert snapshot() != before


def test_the_grade_form_also_needs_the_version_of_the_citation_read(client, reviewer, victors_grade):
    client.force_login(reviewer)
    url = f"/citations/{victors_grade.citation_id}/grade/"
    sent = {**hidden_fields(client.get(url), url, itself=True), "grade": "4", "rationale": "Doubtful."}
    del sent["target_version"]
    assert MISSING in page_text(client.post(url, sent))
    assert CitationAssessment.objects.get().grade == 3


def test_a_stale_edit_of_a_person_is_refused_saying_what_changed_and_by_whom(client, researcher, editor, person):
    client.force_login(researcher)
    url = f"/people/{person.slug}/edit/"
    opened = form_values(client.get(url), url, itself=True)
    services.person_update(
        actor=editor, person=person, data={"name_original": "Якир, Иона Эммануилович"}, expected_version=1
    )
    response = client.post(url, {**opened, "aliases": "Iakir"})
    text = page_text(response)
    assert "This person was saved by edith_editor while you were editing it" in text
    assert "name in original script changed" in text
    person.refresh_from_db()
    assert (person.name_original, person.aliases) == ("Якир, Иона Эммануилович", "")


def test_an_upheld_dispute_keeps_a_claim_form_opened_before_from_putting_the_old_status_back(
    client, researcher, reviewer, editor, second_editor, claim
):
    client.force_login(second_editor)
    edit = f"/claims/{claim.key}/edit/"
    opened = form_values(client.get(edit), edit, itself=True)
    assert opened["status"] == ["open"]
    dispute = services.dispute_raise(
        actor=reviewer, target=claim, reason="Two sources say 11 June.", proposed="contested"
    )
    services.dispute_resolve(
        actor=editor,
        dispute=dispute,
        outcome="upheld",
        note="Contested it is.",
        expected_version=dispute.version,
        target_version=claim.version,
    )
    response = client.post(edit, {**opened, "statement": "Shot on 12 June 1937, at night."})
    text = page_text(response)
    assert "This claim was saved by edith_editor while you were editing it" in text and "status changed" in text
    claim.refresh_from_db()
    assert (claim.status, claim.statement) == ("contested", "The convicted were shot on 12 June 1937.")


def test_an_upheld_dispute_keeps_a_grade_form_opened_before_from_putting_the_old_grade_back(
    client, reviewer, editor, dispute
):
    client.force_login(reviewer)
    url = f"/citations/{dispute.citation_assessment.citation_id}/grade/"
    opened = form_values(client.get(url), url, itself=True)
    assert opened["grade"] == ["3"]
    services.dispute_resolve(
        actor=editor,
        dispute=dispute,
        outcome="upheld",
        note="The report settles it.",
        expected_version=dispute.version,
        target_version=dispute.citation_assessment.version,
    )
    response = client.post(url, {**opened, "rationale": "One witness, still."})
    assert "was saved by edith_editor while you were editing it" in page_text(response)
    assert "grade changed" in page_text(response)
    assert CitationAssessment.objects.get(reviewer=reviewer).grade == 5


def test_a_grade_form_opened_before_the_citation_changed_is_refused(client, researcher, reviewer, citation):
    client.force_login(reviewer)
    url = f"/citations/{citation.pk}/grade/"
    opened = hidden_fields(client.get(url), url, itself=True)
    services.citation_update(
        actor=researcher, citation=citation, data={"quote": "Расстреляны 11 июня."}, expected_version=citation.version
    )
    response = client.post(url, {**opened, "grade": "2", "rationale": "Matches the report."})
    text = page_text(response)
    assert "This citation was saved by rita_researcher while you were grading it" in text and "quote changed" in text
    assert not CitationAssessment.objects.exists()


def test_a_first_grade_given_in_another_window_meanwhile_is_not_overwritten(client, reviewer, source):
    client.force_login(reviewer)
    url = f"/sources/{source.key}/grade/"
    first, second = (hidden_fields(client.get(url), url, itself=True) for _ in range(2))
    client.post(url, {**first, "grade": "B", "rationale": "A careful historian."})
    response = client.post(url, {**second, "grade": "E", "rationale": "A polemic."})
    assert "You graded this in another window while this form was open (grade B)" in page_text(response)
    assert SourceAssessment.objects.get().grade == "B"


def test_a_decision_on_a_grade_revised_since_the_editor_opened_the_dispute_is_refused(
    client, reviewer, editor, dispute
):
    client.force_login(editor)
    page, resolve = f"/disputes/{dispute.pk}/", f"/disputes/{dispute.pk}/resolve/"
    opened = hidden_fields(client.get(page), resolve)
    services.grade_set(
        actor=reviewer,
        target=dispute.citation_assessment.citation,
        grade=4,
        rationale="Revised: two witnesses now.",
        expected_version=1,
    )
    response = client.post(resolve, {**opened, "outcome": "upheld", "note": "Five."})
    text = page_text(response)
    assert "was saved by victor_reviewer while you were deciding on a dispute of it" in text
    assert "grade, rationale changed" in text
    dispute.refresh_from_db()
    assert dispute.state == "open" and CitationAssessment.objects.get(reviewer=reviewer).grade == 4


def test_a_dispute_of_a_grade_revised_since_the_form_was_opened_is_refused(
    client, reviewer, second_reviewer, victors_grade
):
    services.grade_set(actor=second_reviewer, target=victors_grade.citation, grade=5, rationale="Vera.")
    client.force_login(second_reviewer)
    url = reverse("dispute_raise", args=["citation-grade", victors_grade.pk])
    opened = hidden_fields(client.get(url), url, itself=True)
    services.grade_set(
        actor=reviewer, target=victors_grade.citation, grade=5, rationale="Revised to 5.", expected_version=1
    )
    response = client.post(url, {**opened, "reason": "Too generous.", "proposed": "5"})
    assert "was saved by victor_reviewer while you were disputing it" in page_text(response)
    assert not Dispute.objects.exists()


# --- The admin ---------------------------------------------------------------------------


def test_an_admin_decision_on_a_dispute_whose_grade_changed_since_is_refused(client, staff, reviewer, dispute):
    client.force_login(staff)
    url = f"/admin/claims/dispute/{dispute.pk}/change/"
    opened = form_values(client.get(url), "", itself=True)
    services.grade_set(
        actor=reviewer, target=dispute.citation_assessment.citation, grade=4, rationale="Revised.", expected_version=1
    )
    response = client.post(url, {**opened, "decision": "upheld", "note": "Five it is."}, follow=True)
    assert "was saved by victor_reviewer while you were deciding on a dispute of it" in page_text(response)
    dispute.refresh_from_db()
    assert dispute.state == "open" and CitationAssessment.objects.get(reviewer=reviewer).grade == 4


def test_an_admin_edit_of_an_inline_citation_changed_on_the_site_since_is_refused(client, staff, researcher, citation):
    client.force_login(staff)
    url = f"/admin/claims/claim/{citation.claim_id}/change/"
    opened = form_values(client.get(url), "", itself=True)
    services.citation_update(actor=researcher, citation=citation, data={"locator": "p. 412"}, expected_version=1)
    row = next(name for name, values in opened.items() if name.endswith("-locator") and values == ["ch. 9"])
    response = client.post(url, {**opened, row: "ch. 10"}, follow=True)
    assert "This citation was saved by rita_researcher while you were editing it" in page_text(response)
    citation.refresh_from_db()
    assert citation.locator == "p. 412"


def test_an_admin_revert_to_an_earlier_version_begun_before_a_site_edit_is_refused(client, staff, researcher, claim):
    services.claim_update(actor=researcher, claim=claim, data={"statement": "Second wording."}, expected_version=1)
    client.force_login(staff)
    first = claim.history.earliest()
    url = f"/admin/claims/claim/{claim.pk}/history/{first.history_id}/"
    opened = form_values(client.get(url), "", itself=True)
    assert opened["version"] == ["2"]  # the stored version, not the earlier one's
    services.claim_update(
        actor=researcher, claim=Claim.objects.get(pk=claim.pk), data={"statement": "Third wording."}, expected_version=2
    )
    response = client.post(url, opened, follow=True)
    assert "This claim was saved by rita_researcher while you were editing it" in page_text(response)
    assert Claim.objects.get(pk=claim.pk).statement == "Third wording."


def test_an_admin_revert_moves_the_version_on_and_records_the_change(client, staff, researcher, claim):
    services.claim_update(actor=researcher, claim=claim, data={"statement": "Second wording."}, expected_version=1)
    client.force_login(staff)
    url = f"/admin/claims/claim/{claim.pk}/history/{claim.history.earliest().history_id}/"
    client.post(url, form_values(client.get(url), "", itself=True))
    claim.refresh_from_db()
    assert (claim.statement, claim.version) == ("The convicted were shot on 12 June 1937.", 3)
    assert claim.history.latest().history_user == staff


def test_a_stale_admin_edit_of_a_topic_is_refused(client, staff, editor, topic):
    client.force_login(staff)
    url = f"/admin/claims/topic/{topic.pk}/change/"
    opened = form_values(client.get(url), "", itself=True)
    services.topic_update(actor=editor, topic=topic, data={"description": "When were they shot?"}, expected_version=1)
    response = client.post(url, {**opened, "title": "Date of the execution"}, follow=True)
    assert "This topic was saved by edith_editor while you were editing it" in page_text(response)
    topic.refresh_from_db()
    assert (topic.title, topic.description) == ("Date of execution", "When were they shot?")
