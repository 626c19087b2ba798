"""Every invariant holds in the database itself, and validation reports it first.

Each case builds a row that breaks one named constraint. Saved directly (as a bug, a
script or a raw import might) the database refuses it with an IntegrityError; run
through full_clean() (as every service does) it is a ValidationError instead.
"""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from claims.models import (
    AgreementFigures,
    Annotation,
    ApiToken,
    Citation,
    CitationAssessment,
    Claim,
    ConsistencyRating,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    SourceRelation,
    Topic,
)

JUNE_11 = datetime.date(1937, 6, 11)
JUNE_12 = datetime.date(1937, 6, 12)


def _source(**overrides):
    fields = dict(key="suvorov-1998", kind="memoir", level="secondary", title="The Cleansing")
    return Source(**{**fields, **overrides})


def _claim(topic, **overrides):
    fields = dict(key="arrest", topic=topic, statement="Tukhachevsky was arrested on 22 May 1937.")
    return Claim(**{**fields, **overrides})


def _citation_grade(w, **overrides):
    fields = dict(citation=w.citation, reviewer=w.reviewer, grade=2, rationale="Matches the verdict record.")
    return CitationAssessment(**{**fields, **overrides})


def _rating(w, **overrides):
    fields = dict(claim=w.rival, citation=w.citation, reviewer=w.second_reviewer, grade="I", rationale="A later date.")
    return ConsistencyRating(**{**fields, **overrides})


def _dispute(w, **overrides):
    fields = dict(
        raised_by=w.second_reviewer,
        citation_assessment=w.grade,
        reason="The dossier was never found.",
        proposed_credibility=5,
    )
    return Dispute(**{**fields, **overrides})


def _rating_dispute(w, **overrides):
    fields = dict(citation_assessment=None, consistency_rating=w.rating, proposed_credibility=None)
    return _dispute(w, **{**fields, "proposed_consistency": "II", **overrides})


def _annotation(w, **overrides):
    fields = dict(author=w.researcher, claim=w.claim, body="Shvernik, not *Shernik*.")
    return Annotation(**{**fields, **overrides})


def _closed(**fields):
    return dict(closed_at=timezone.now(), **fields)


# (constraint name, a function of the world that returns the offending unsaved row)
CASES = [
    ("topic_title_not_blank", lambda w: Topic(title="", slug="x")),
    ("topic_slug_not_blank", lambda w: Topic(title="Speed of the inquest", slug="")),
    ("person_name_not_blank", lambda w: Person(name="", slug="nobody")),
    ("person_slug_not_blank", lambda w: Person(name="Yakir", slug="")),
    ("person_name_has_no_bar", lambda w: Person(name="Yakir | Uborevich", slug="yakir-uborevich")),
    # (one record for each authority id: the world's reprint and Ivan Testov carry these)
    ("person_wikidata_id_unique", lambda w: Person(name="Testov again", slug="testov-2", wikidata_id="Q77")),
    ("person_viaf_id_unique", lambda w: Person(name="Testov again", slug="testov-2", viaf_id="123456")),
    ("person_gnd_id_unique", lambda w: Person(name="Testov again", slug="testov-2", gnd_id="4036568-6")),
    ("source_wikidata_id_unique", lambda w: _source(wikidata_id="Q77")),
    ("source_viaf_id_unique", lambda w: _source(viaf_id="123456")),
    ("source_gnd_id_unique", lambda w: _source(gnd_id="4036568-6")),
    ("source_key_not_blank", lambda w: _source(key="")),
    ("source_title_not_blank", lambda w: _source(title="")),
    ("source_kind_valid", lambda w: _source(kind="rumour")),
    ("source_level_valid", lambda w: _source(level="quaternary")),
    ("source_archival_file_names_archive", lambda w: _source(kind="archival_file", archive="")),
    ("source_archive_reference_needs_archive", lambda w: _source(archive_fond="33987")),
    ("source_undated_has_no_bounds", lambda w: _source(date="", date_earliest=JUNE_11)),
    (
        "source_date_bounds_ordered",
        lambda w: _source(date="1937-06-12/1937-06-11", date_earliest=JUNE_12, date_latest=JUNE_11),
    ),
    ("claim_key_not_blank", lambda w: _claim(w.topic, key="")),
    ("claim_statement_not_blank", lambda w: _claim(w.topic, statement="")),
    ("claim_kind_valid", lambda w: _claim(w.topic, kind="rumour")),
    ("claim_status_valid", lambda w: _claim(w.topic, status="proven")),
    ("claim_undated_has_no_bounds", lambda w: _claim(w.topic, event_date="", date_latest=JUNE_12)),
    (
        "claim_date_bounds_ordered",
        lambda w: _claim(w.topic, event_date="1937-06-12/1937-06-11", date_earliest=JUNE_12, date_latest=JUNE_11),
    ),
    (
        "citation_unique_source_locator_per_claim",
        lambda w: Citation(claim=w.claim, source=w.source, locator=w.citation.locator),
    ),
    ("citation_stance_valid", lambda w: Citation(claim=w.claim, source=w.source, locator="p. 2", stance="likes")),
    ("citation_locator_has_no_bar", lambda w: Citation(claim=w.claim, source=w.source, locator="pp. 12|13")),
    (
        "source_assessment_one_per_reviewer",
        lambda w: SourceAssessment(source=w.source, reviewer=w.reviewer, grade="C", rationale="A second opinion."),
    ),
    (
        "source_assessment_grade_a_to_f",
        lambda w: SourceAssessment(source=w.source, reviewer=w.second_reviewer, grade="G", rationale="Off the scale."),
    ),
    (
        "source_assessment_rationale_not_blank",
        lambda w: SourceAssessment(source=w.source, reviewer=w.second_reviewer, grade="B", rationale=""),
    ),
    ("citation_assessment_one_per_reviewer", lambda w: _citation_grade(w, grade=3)),
    ("citation_assessment_grade_1_to_6", lambda w: _citation_grade(w, reviewer=w.second_reviewer, grade=7)),
    ("citation_assessment_grade_1_to_6", lambda w: _citation_grade(w, reviewer=w.second_reviewer, grade=0)),
    ("citation_assessment_rationale_not_blank", lambda w: _citation_grade(w, reviewer=w.second_reviewer, rationale="")),
    ("dispute_exactly_one_target", lambda w: _dispute(w, claim=w.claim)),
    ("dispute_exactly_one_target", lambda w: _dispute(w, citation_assessment=None)),
    ("dispute_proposal_matches_target", lambda w: _dispute(w, proposed_credibility=None, proposed_reliability="D")),
    (
        "dispute_proposal_matches_target",
        lambda w: _dispute(w, citation_assessment=None, claim=w.claim, proposed_credibility=None),
    ),
    ("dispute_proposals_valid", lambda w: _dispute(w, proposed_credibility=9)),
    ("dispute_reason_not_blank", lambda w: _dispute(w, reason="")),
    ("dispute_state_valid", lambda w: _dispute(w, state="pending")),
    ("dispute_resolution_fields_match_state", lambda w: _dispute(w, state="upheld", **_closed())),
    (
        "dispute_resolution_fields_match_state",
        lambda w: _dispute(w, state="rejected", resolved_by=w.editor, resolution_note="No."),
    ),
    (
        "dispute_resolution_fields_match_state",
        lambda w: _dispute(w, state="open", resolved_by=w.editor, resolution_note="Early decision."),
    ),
    (
        "dispute_resolution_fields_match_state",
        lambda w: _dispute(w, state="withdrawn", **_closed(resolved_by=w.editor, resolution_note="Withdrawn.")),
    ),
    ("dispute_one_open_per_raiser_citation_assessment", lambda w: _dispute(w, reason="Again, the same point.")),
    ("annotation_exactly_one_target", lambda w: _annotation(w, source=w.source)),
    ("annotation_exactly_one_target", lambda w: _annotation(w, claim=None)),
    ("annotation_body_not_blank", lambda w: _annotation(w, body="")),
    ("annotation_motivation_valid", lambda w: _annotation(w, motivation="flame")),
    ("source_relation_one_per_pair", lambda w: SourceRelation(source=w.reprint, derived_from=w.source, kind="quotes")),
    ("source_relation_not_to_itself", lambda w: SourceRelation(source=w.source, derived_from=w.source, kind="copy")),
    ("source_relation_kind_valid", lambda w: SourceRelation(source=w.source, derived_from=w.reprint, kind="sequel")),
    ("consistency_rating_one_per_reviewer", lambda w: _rating(w, reviewer=w.reviewer, grade="II")),
    ("consistency_rating_value_valid", lambda w: _rating(w, grade="X")),
    ("consistency_rating_rationale_not_blank", lambda w: _rating(w, rationale="")),
    ("dispute_one_open_per_raiser_consistency_rating", lambda w: _rating_dispute(w, raised_by=w.editor)),
    (
        "dispute_proposal_matches_target",
        lambda w: _rating_dispute(w, proposed_consistency="", proposed_reliability="D"),
    ),
    ("dispute_proposals_valid", lambda w: _rating_dispute(w, proposed_consistency="X")),
    ("agreement_one_row_per_scope", lambda w: _figures(topic=None)),
    ("agreement_one_row_per_scope", lambda w: _figures(topic=w.topic)),
    ("apitoken_name_not_blank", lambda w: _token(w, name="")),
    ("apitoken_name_unique_per_user", lambda w: _token(w)),
]


def _token(w, **overrides):
    fields = dict(user=w.researcher, name="laptop scripts", prefix="sca_bbbbbbbb", key_hash="b" * 64)
    return ApiToken(**{**fields, **overrides})


def _figures(topic):
    return AgreementFigures(topic=topic, figures={}, grades_seen="0-0-0-0", computed_at=timezone.now())


class World:
    """The existing rows that the offending ones collide with."""

    def __init__(self, request):
        for name in ("topic", "source", "claim", "citation", "researcher", "reviewer", "second_reviewer", "editor"):
            setattr(self, name, request.getfixturevalue(name))
        SourceAssessment.objects.create(source=self.source, reviewer=self.reviewer, grade="B", rationale="Historian.")
        self.grade = CitationAssessment.objects.create(
            citation=self.citation, reviewer=self.reviewer, grade=2, rationale="Matches the verdict record."
        )
        Dispute.objects.create(
            raised_by=self.second_reviewer, citation_assessment=self.grade, reason="Disputed.", proposed_credibility=4
        )
        ids = {"wikidata_id": "Q77", "viaf_id": "123456", "gnd_id": "4036568-6"}
        self.reprint = _source(key="rogovin-1937-reprint", title="1937 (reprint)", **ids)
        self.reprint.save()
        Person.objects.create(name="Ivan Testov", slug="testov", **ids)
        SourceRelation.objects.create(source=self.reprint, derived_from=self.source, kind="copy")
        self.rival = _claim(self.topic, key="arrest-later", statement="Tukhachevsky was arrested on 26 May 1937.")
        self.rival.save()
        self.rating = _rating(self, reviewer=self.reviewer)
        self.rating.save()
        Dispute.objects.create(
            raised_by=self.editor, consistency_rating=self.rating, reason="Neutral.", proposed_consistency="N"
        )
        for topic in (None, self.topic):  # (the figures of all topics and of this one)
            _figures(topic).save()
        _token(self, prefix="sca_aaaaaaaa", key_hash="a" * 64).save()


@pytest.fixture
def world(request, db) -> World:
    return World(request)


@pytest.mark.parametrize("name,build", CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_database_refuses_row_breaking(world, name, build):
    row = build(world)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        row.save()
    message = str(caught.value)
    if connection.vendor == "sqlite" and message.startswith("UNIQUE"):
        # SQLite names the columns of a violated unique index, not the constraint.
        assert "UNIQUE constraint failed" in message
    elif name == "dispute_state_valid":
        # An unknown state also fails the state/resolution check; the database may name either.
        assert name in message or "dispute_resolution_fields_match_state" in message
    else:
        assert name in message


@pytest.mark.parametrize("name,build", CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_validation_reports_row_breaking(world, name, build):
    row = build(world)
    if name.endswith("_undated_has_no_bounds"):
        # The bounds are derived, never typed: validation recomputes them from the (empty) date.
        row.full_clean()
        assert (row.date_earliest, row.date_latest) == (None, None)
        return
    with pytest.raises(ValidationError):
        row.full_clean()


CHECKS = {
    constraint.name
    for model in apps.get_app_config("claims").get_models()
    for constraint in model._meta.constraints
    if isinstance(constraint, models.CheckConstraint)
}


@pytest.mark.parametrize(
    "name,build",
    [case for case in CASES if case[0] in CHECKS],
    ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES) if name in CHECKS],
)
def test_clean_alone_refuses_what_each_check_constraint_refuses(world, name, build):
    """The services validate check constraints through clean() only (services._full_clean),
    not by asking the database a query for each: clean() must refuse what each one refuses."""
    row = build(world)
    if name.endswith("_undated_has_no_bounds"):
        row.full_clean(validate_constraints=False)  # (the bounds are worked out from the date)
        assert (row.date_earliest, row.date_latest) == (None, None)
        return
    with pytest.raises(ValidationError):
        row.full_clean(validate_constraints=False)


def test_every_named_constraint_has_a_case():
    declared = {c.name for model in apps.get_app_config("claims").get_models() for c in model._meta.constraints}
    covered = {name for name, _ in CASES}
    # Two partial unique constraints differ from the covered one only by target column.
    assert declared - covered == {
        "dispute_one_open_per_raiser_source_assessment",
        "dispute_one_open_per_raiser_claim",
        "annotation_not_own_parent",
    }


def test_database_refuses_an_annotation_replying_to_itself(world):
    note = Annotation.objects.create(author=world.researcher, claim=world.claim, body="First thought.")
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Annotation.objects.filter(pk=note.pk).update(parent=note)
    assert "annotation_not_own_parent" in str(caught.value)


def test_database_refuses_a_second_open_dispute_of_a_claim_by_the_same_reviewer(world):
    Dispute.objects.create(
        raised_by=world.reviewer, claim=world.claim, reason="Too early.", proposed_status="contested"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(raised_by=world.reviewer, claim=world.claim, reason="Again.", proposed_status="refuted")


def test_a_closed_dispute_does_not_block_a_new_one(world):
    Dispute.objects.filter(raised_by=world.second_reviewer).update(state="withdrawn", closed_at=timezone.now())
    again = _dispute(world, reason="New evidence from the 1989 publication.")
    again.full_clean()
    again.save()
    assert Dispute.objects.filter(raised_by=world.second_reviewer).count() == 2


def test_validation_names_the_field_and_problem(world):
    with pytest.raises(ValidationError) as caught:
        _citation_grade(world, grade=3).full_clean()
    assert "already graded this citation" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        _claim(world.topic, event_date="1937-06-31").full_clean()
    assert "event_date" in caught.value.message_dict
    assert "not a valid EDTF date" in caught.value.message_dict["event_date"][0]


def test_a_citation_is_not_rated_against_its_own_claim(world):
    rating = _rating(world, claim=world.claim)
    with pytest.raises(ValidationError) as caught:
        rating.full_clean()
    assert "through its stance" in str(caught.value)


def test_a_citation_is_rated_only_against_claims_of_its_own_topic(world):
    elsewhere = Topic.objects.create(title="Motives", slug="motives")
    stranger = _claim(elsewhere, key="motive-fear", statement="Stalin feared a coup.")
    stranger.save()
    with pytest.raises(ValidationError) as caught:
        _rating(world, claim=stranger).full_clean()
    assert "claims of its own claim's topic" in str(caught.value)
