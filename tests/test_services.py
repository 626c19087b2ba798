"""What the services do beyond permissions: grades, threads, disputes, history, refusals."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import services
from claims.models import Citation, CitationAssessment, Claim, Dispute, Source, SourceAssessment


@pytest.fixture
def graded(citation, reviewer):
    return services.grade_set(
        actor=reviewer, target=citation, grade=2, rationale="Consistent with the 1989 publication."
    )


def test_reviewer_revises_own_grade_instead_of_adding_another(reviewer, source):
    services.grade_set(actor=reviewer, target=source, grade="C", rationale="First look.")
    services.grade_set(actor=reviewer, target=source, grade="B", rationale="Checked the notes.")
    assert list(SourceAssessment.objects.values_list("grade", "rationale")) == [("B", "Checked the notes.")]


def test_grade_needs_a_rationale(reviewer, source):
    with pytest.raises(ValidationError) as caught:
        services.grade_set(actor=reviewer, target=source, grade="B", rationale="   ")
    assert "rationale" in caught.value.message_dict
    assert not SourceAssessment.objects.exists()


def test_grade_outside_the_scale_is_refused(reviewer, source, graded):
    with pytest.raises(ValidationError):
        services.grade_set(actor=reviewer, target=source, grade="G", rationale="Off the scale.")
    with pytest.raises(ValidationError):
        services.grade_set(actor=reviewer, target=graded.citation, grade=7, rationale="Off.")
    assert CitationAssessment.objects.get().grade == 2


def test_reply_shares_the_target_of_the_note_it_answers(researcher, editor, claim):
    note = services.annotation_create(actor=researcher, target=claim, body="Why 12 June?", motivation="question")
    reply = services.annotation_create(actor=editor, parent=note, body="The death certificates say so.")
    assert reply.claim == claim and reply.parent == note


def test_reply_to_a_different_target_is_refused(researcher, claim, source):
    note = services.annotation_create(actor=researcher, target=claim, body="Why 12 June?")
    with pytest.raises(ValidationError) as caught:
        services.annotation_create(actor=researcher, target=source, parent=note, body="Off-thread.")
    assert "same thing" in str(caught.value)


def test_quoted_passage_must_come_from_the_target(researcher, claim):
    note = services.annotation_create(
        actor=researcher, target=claim, body="Which calendar?", quoted_passage="12 June 1937"
    )
    assert note.quoted_passage == "12 June 1937"
    with pytest.raises(ValidationError) as caught:
        services.annotation_create(actor=researcher, target=claim, body="?", quoted_passage="11 June 1937")
    assert "does not occur" in str(caught.value)


def test_withdrawn_annotation_keeps_its_replies_and_cannot_be_edited(researcher, editor, claim):
    note = services.annotation_create(actor=researcher, target=claim, body="First thought.")
    services.annotation_create(actor=editor, parent=note, body="An answer.")
    services.annotation_withdraw(actor=researcher, annotation=note)
    assert note.replies.count() == 1
    with pytest.raises(ValidationError):
        services.annotation_update(actor=researcher, annotation=note, data={"body": "Second thought."})
    with pytest.raises(ValidationError):
        services.annotation_create(actor=editor, parent=note, body="Too late.")


def test_reviewer_cannot_dispute_own_grade(reviewer, graded):
    with pytest.raises(ValidationError) as caught:
        services.dispute_raise(actor=reviewer, target=graded, reason="I changed my mind.", proposed=3)
    assert "own grade" in str(caught.value)


def test_dispute_must_propose_something_different(second_reviewer, graded):
    with pytest.raises(ValidationError):
        services.dispute_raise(actor=second_reviewer, target=graded, reason="Same.", proposed=2)
    assert not Dispute.objects.exists()


def test_upheld_dispute_applies_the_proposed_grade_in_history(second_reviewer, editor, graded):
    dispute = services.dispute_raise(
        actor=second_reviewer, target=graded, reason="The dossier was never found.", proposed=5
    )
    services.dispute_resolve(actor=editor, dispute=dispute, outcome="upheld", note="No copy has surfaced.")
    graded.refresh_from_db()
    dispute.refresh_from_db()
    assert graded.grade == 5
    assert (dispute.state, dispute.resolved_by, dispute.resolution_note) == ("upheld", editor, "No copy has surfaced.")
    assert dispute.closed_at is not None
    latest = graded.history.first()
    assert (latest.grade, latest.history_user) == (5, editor)
    assert graded.history.last().grade == 2


def test_upheld_dispute_of_a_claim_changes_its_status(reviewer, editor, claim):
    dispute = services.dispute_raise(
        actor=reviewer, target=claim, reason="Contradicted by the verdict time.", proposed="contested"
    )
    services.dispute_resolve(actor=editor, dispute=dispute, outcome="upheld", note="Both dates are attested.")
    claim.refresh_from_db()
    assert claim.status == "contested"
    assert claim.history.first().history_user == editor


def test_rejected_dispute_leaves_the_grade(second_reviewer, editor, graded):
    dispute = services.dispute_raise(actor=second_reviewer, target=graded, reason="Too generous.", proposed=4)
    services.dispute_resolve(actor=editor, dispute=dispute, outcome="rejected", note="Two sources agree.")
    graded.refresh_from_db()
    assert graded.grade == 2


def test_dispute_is_resolved_only_once(second_reviewer, editor, second_editor, graded):
    dispute = services.dispute_raise(actor=second_reviewer, target=graded, reason="Too generous.", proposed=4)
    services.dispute_resolve(actor=editor, dispute=dispute, outcome="rejected", note="Two sources agree.")
    with pytest.raises(ValidationError) as caught:
        services.dispute_resolve(actor=second_editor, dispute=dispute, outcome="upheld", note="I disagree.")
    assert "already rejected" in str(caught.value)
    graded.refresh_from_db()
    assert graded.grade == 2


def test_resolution_needs_a_note(second_reviewer, editor, graded):
    dispute = services.dispute_raise(actor=second_reviewer, target=graded, reason="Too generous.", proposed=4)
    with pytest.raises(ValidationError):
        services.dispute_resolve(actor=editor, dispute=dispute, outcome="upheld", note="")
    dispute.refresh_from_db()
    graded.refresh_from_db()
    assert (dispute.state, graded.grade) == ("open", 2)


def test_editor_cannot_resolve_a_dispute_they_raised(editor, reviewer, source):
    grade = services.grade_set(actor=reviewer, target=source, grade="A", rationale="Archival.")
    dispute = services.dispute_raise(actor=editor, target=grade, reason="Not archival.", proposed="B")
    with pytest.raises(PermissionDenied):
        services.dispute_resolve(actor=editor, dispute=dispute, outcome="upheld", note="I agree with myself.")


def test_withdrawn_dispute_cannot_be_resolved(second_reviewer, editor, graded):
    dispute = services.dispute_raise(actor=second_reviewer, target=graded, reason="Too generous.", proposed=4)
    services.dispute_withdraw(actor=second_reviewer, dispute=dispute)
    with pytest.raises(ValidationError):
        services.dispute_resolve(actor=editor, dispute=dispute, outcome="upheld", note="Too late.")
    dispute.refresh_from_db()
    assert dispute.state == "withdrawn" and dispute.closed_at is not None


def test_every_change_is_recorded_with_its_author(
    researcher, editor, reviewer, second_reviewer, claim, citation, source
):
    services.claim_update(actor=editor, claim=claim, data={"status": "contested"})
    services.source_update(actor=researcher, source=source, data={"notes": "Russian edition 1996."})
    services.citation_update(actor=editor, citation=citation, data={"quote": "расстреляны 12 июня"})
    grade = services.grade_set(actor=reviewer, target=source, grade="B", rationale="Historian.")
    dispute = services.dispute_raise(actor=second_reviewer, target=grade, reason="Partisan.", proposed="C")
    for record, author in [
        (claim, editor),
        (source, researcher),
        (citation, editor),
        (grade, reviewer),
        (dispute, second_reviewer),
    ]:
        latest = record.history.first()
        assert latest.history_user == author
        assert latest.history_date is not None
    assert [h.status for h in claim.history.all()] == ["contested", "open"]
    assert claim.history.last().history_user == researcher


def test_people_changes_are_recorded_in_claim_history(researcher, claim):
    person = services.person_create(actor=researcher, name="Mikhail Tukhachevsky", name_original="Тухачевский")
    services.claim_update(actor=researcher, claim=claim, data={"people": [person]})
    assert list(claim.people.all()) == [person]
    assert claim.history.count() >= 2


def test_saving_unchanged_values_writes_no_history(researcher, claim):
    before = claim.history.count()
    services.claim_update(actor=researcher, claim=claim, data={"statement": claim.statement, "status": claim.status})
    assert claim.history.count() == before


def test_cited_source_cannot_be_deleted(staff, source, citation):
    with pytest.raises(ValidationError) as caught:
        services.staff_delete(actor=staff, instance=source)
    assert "still in use" in str(caught.value)
    assert Source.objects.filter(pk=source.pk).exists() and Citation.objects.filter(pk=citation.pk).exists()


def test_same_source_twice_at_one_locator_is_refused(researcher, claim, source, citation):
    with pytest.raises(ValidationError) as caught:
        services.citation_create(actor=researcher, claim=claim, source=source, locator="ch. 9")
    assert "already cites this source" in str(caught.value)
    services.citation_create(actor=researcher, claim=claim, source=source, locator="ch. 10")
    assert claim.citations.count() == 2


def test_unknown_field_in_an_update_is_refused(researcher, claim):
    with pytest.raises(ValidationError) as caught:
        services.claim_update(actor=researcher, claim=claim, data={"created_by": None})
    assert "cannot be changed here" in str(caught.value)


def test_topic_and_person_slugs_are_readable_latin(researcher):
    topic = services.topic_create(actor=researcher, title="Дата расстрела")
    person = services.person_create(actor=researcher, name="Тухачевский")
    assert (topic.slug, person.slug) == ("data-rasstrela", "tukhachevskii")


def test_archival_file_needs_its_archive(researcher):
    with pytest.raises(ValidationError) as caught:
        services.source_create(
            actor=researcher,
            key="r-9000",
            kind="archival_file",
            level="primary",
            title="Investigation file",
            archive_fond="R-9000",
        )
    assert "archive" in caught.value.message_dict
    source = services.source_create(
        actor=researcher,
        key="r-9000",
        kind="archival_file",
        level="primary",
        title="Investigation file",
        archive="TsA FSB",
        archive_delo="R-9000",
        archive_list="1-12",
    )
    assert source.archive_reference == "TsA FSB, d. R-9000, l. 1-12"


def test_claim_key_is_unique(researcher, topic, claim):
    with pytest.raises(ValidationError) as caught:
        services.claim_create(actor=researcher, key=claim.key, topic=topic, statement="Another.")
    assert "key" in caught.value.message_dict
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    "target_name", ["claim", "source", "citation", "source_assessment", "citation_assessment", "dispute"]
)
def test_anything_can_be_annotated_and_replied_to(
    researcher, editor, reviewer, second_reviewer, claim, source, citation, target_name
):
    source_grade = services.grade_set(actor=reviewer, target=source, grade="B", rationale="Historian.")
    citation_grade = services.grade_set(actor=reviewer, target=citation, grade=2, rationale="Fits.")
    dispute = services.dispute_raise(actor=second_reviewer, target=citation_grade, reason="Unconfirmed.", proposed=4)
    target = {
        "claim": claim,
        "source": source,
        "citation": citation,
        "source_assessment": source_grade,
        "citation_assessment": citation_grade,
        "dispute": dispute,
    }[target_name]
    note = services.annotation_create(actor=researcher, target=target, body="See the **1989** publication.")
    reply = services.annotation_create(actor=editor, parent=note, body="Agreed.")
    assert note.target == target and reply.target == target
    assert list(target.annotations.order_by("pk")) == [note, reply]


def test_refused_update_leaves_the_callers_object_as_stored(researcher, claim):
    with pytest.raises(ValidationError):
        services.claim_update(actor=researcher, claim=claim, data={"statement": "", "kind": "hypothesis"})
    assert (claim.statement, claim.kind) == ("The convicted were shot on 12 June 1937.", "fact")


def test_invalid_date_is_reported_once_on_its_field(researcher, topic):
    with pytest.raises(ValidationError) as caught:
        services.claim_create(actor=researcher, key="k", topic=topic, statement="S.", event_date="12 June 1937")
    assert len(caught.value.message_dict["event_date"]) == 1
