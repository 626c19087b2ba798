"""The shipped seed data set: the 1937 case of the military (fixtures/case-of-military-1937.json)."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from claims.dates import edtf_bounds
from claims.grading import consensus_credibility, consensus_reliability
from claims.models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    ConsistencyRating,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    Topic,
    User,
)

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "case-of-military-1937.json"

CLAIMS_MODELS = [
    Topic,
    Person,
    Source,
    Claim,
    Citation,
    SourceAssessment,
    CitationAssessment,
    ConsistencyRating,
    Dispute,
    Annotation,
]

pytestmark = pytest.mark.django_db


def load_seed() -> None:
    call_command("loaddata", str(SEED), verbosity=0)


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set (loaded once for the module)."""


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in [User, *CLAIMS_MODELS]}


# --- loading ----------------------------------------------------------------------


def test_seed_loads_twice_without_duplicates():
    load_seed()
    first = counts()
    load_seed()
    assert counts() == first
    assert all(n > 0 for n in first.values()), first


def test_every_seeded_object_passes_validation(seed):
    for model in CLAIMS_MODELS:
        for obj in model.objects.all():
            obj.full_clean()


def test_seeded_date_bounds_match_their_edtf_dates(seed):
    for model, field in ((Claim, "event_date"), (Source, "date")):
        for obj in model.objects.all():
            text = getattr(obj, field)
            if text:
                bounds = edtf_bounds(text)
                expected = (bounds.earliest, bounds.latest)
            else:
                expected = (None, None)
            assert (obj.date_earliest, obj.date_latest) == expected, obj


def test_seed_users_are_role_holders_who_cannot_log_in(seed):
    roles = {u.username: list(u.groups.values_list("name", flat=True)) for u in User.objects.all()}
    assert roles == {
        "reviewer_a": ["Reviewer"],
        "reviewer_b": ["Reviewer"],
        "editor_c": ["Editor"],
        "researcher_d": ["Researcher"],
    }
    for user in User.objects.all():
        assert not user.has_usable_password()
        assert user.is_active and not user.is_staff and not user.is_superuser


def test_every_claim_cites_at_least_one_source(seed):
    assert not Claim.objects.annotate(n=Count("citations")).filter(n=0).exists()


# --- the claims -------------------------------------------------------------------


def test_execution_on_11_june_and_on_12_june_compete_in_one_topic(seed):
    on_11 = Claim.objects.get(key="execution-11-june")
    on_12 = Claim.objects.get(key="execution-12-june")
    night = Claim.objects.get(key="execution-night-11-12")
    assert on_11.topic == on_12.topic == night.topic
    assert on_11.topic.slug == "date-of-execution"
    assert on_11.event_date == "1937-06-11"
    assert on_12.event_date == "1937-06-12"
    assert (night.date_earliest.isoformat(), night.date_latest.isoformat()) == ("1937-06-11", "1937-06-12")
    assert on_11.status == on_12.status == Claim.Status.CONTESTED


def test_the_verdict_is_dated_to_the_minute(seed):
    verdict = Claim.objects.get(key="verdict-2335")
    assert verdict.event_date == "1937-06-11T23:35:00"
    assert "23:35" in verdict.statement
    assert verdict.topic.slug == "date-of-execution"


def test_tukhachevsky_was_arrested_on_22_may_1937(seed):
    arrest = Claim.objects.get(key="tukhachevsky-arrest")
    assert arrest.event_date == "1937-05-22"
    assert arrest.people.filter(slug="tukhachevsky").exists()


def test_gamarnik_killed_himself_before_the_trial(seed):
    suicide = Claim.objects.get(key="gamarnik-suicide")
    assert suicide.event_date == "1937-05-31"
    assert suicide.people.filter(slug="gamarnik").exists()


def test_voroshilov_figures_are_in_the_statement(seed):
    figures = Claim.objects.get(key="voroshilov-1938-figures")
    assert figures.kind == Claim.Kind.FIGURE
    assert figures.event_date == "1938-09"
    for number in ("37,761", "10,868", "7,211"):
        assert number in figures.statement


def test_stalin_told_the_military_council_of_300_to_400_arrests(seed):
    council = Claim.objects.get(key="military-council-plot-report")
    assert council.event_date == "1937-06-01/1937-06-04"
    figure = Claim.objects.get(key="stalin-300-400-arrested")
    assert figure.kind == Claim.Kind.FIGURE and figure.event_date == "1937-06-02"
    assert "300–400" in figure.statement and "10 members" in figure.statement


def test_all_convicts_were_rehabilitated_on_31_january_1957(seed):
    rehabilitation = Claim.objects.get(key="rehabilitation-1957")
    assert rehabilitation.event_date == "1957-01-31"
    assert "absence of essence of an offence" in rehabilitation.statement
    assert rehabilitation.people.count() == 8


def test_both_suvorov_hypotheses_cite_the_cleansing(seed):
    for key in ("suvorov-incompetence", "suvorov-cavalry-vs-cossacks"):
        claim = Claim.objects.get(key=key)
        assert claim.kind == Claim.Kind.HYPOTHESIS
        assert claim.topic.slug == "motives-for-the-purge"
        # Suvorov made them: they are his, not about him.
        assert list(claim.attributed_to.values_list("slug", flat=True)) == ["suvorov"]
        assert not claim.people.filter(slug="suvorov").exists()
        assert claim.citations.filter(source__key="suvorov-ochishchenie-1998", stance="supports").exists()


@pytest.mark.parametrize(
    "key, made_by",
    [
        ("suvorov-incompetence", "suvorov"),
        ("suvorov-cavalry-vs-cossacks", "suvorov"),
        ("primakov-four-rhombs", "suvorov"),
        ("rogovin-speed-of-inquest", "rogovin"),
        ("trotsky-plot-view", "trotsky"),
        ("voroshilov-1938-figures", "voroshilov"),
        ("stalin-300-400-arrested", "stalin"),
    ],
)
def test_the_claims_the_article_attributes_name_who_made_them(seed, key, made_by):
    claim = Claim.objects.get(key=key)
    assert list(claim.attributed_to.values_list("slug", flat=True)) == [made_by]


def test_only_the_claims_the_article_attributes_to_someone_are_attributed(seed):
    assert Claim.objects.filter(attributed_to__isnull=False).distinct().count() == 7


@pytest.mark.parametrize(
    "source, author",
    [
        ("suvorov-ochishchenie-1998", "suvorov"),
        ("rogovin-1937", "rogovin"),
        ("rogovin-1937-ru", "rogovin"),
        ("trotsky-1937", "trotsky"),
        ("shvernik-commission-1964", "shvernik"),
    ],
)
def test_sources_by_people_of_the_data_set_are_linked_to_them(seed, source, author):
    authors = Source.objects.get(key=source).author_people.all()
    assert [person.slug for person in authors] == [author]
    assert authors[0].name_original  # (their names in the original script too)


def test_every_motive_hypothesis_is_in_the_motives_topic(seed):
    motives = set(
        Claim.objects.filter(topic__slug="motives-for-the-purge", kind="hypothesis").values_list("key", flat=True)
    )
    assert {
        "motive-consolidation-of-power",
        "motive-real-conspiracy",
        "motive-antisemitism",
        "suvorov-incompetence",
        "suvorov-cavalry-vs-cossacks",
    } <= motives
    assert Claim.objects.get(key="motive-consolidation-of-power").people.filter(slug="yezhov").exists()


def test_rogovin_contrasts_two_weeks_with_four_years(seed):
    claim = Claim.objects.get(key="rogovin-speed-of-inquest")
    assert claim.topic.slug == "speed-of-the-investigation"
    assert "two weeks" in claim.statement and "Jewish Anti-Fascist Committee" in claim.statement
    assert claim.citations.filter(source__key="rogovin-1937").exists()


def test_trotsky_doubts_a_plot_but_sees_reasons_for_dissent(seed):
    claim = Claim.objects.get(key="trotsky-plot-view")
    assert claim.topic.slug == "existence-of-a-military-plot"
    assert "dissent" in claim.statement
    assert claim.citations.filter(source__key="trotsky-1937").exists()


def test_the_abwehr_forgery_and_its_counter_point_share_a_topic(seed):
    forgery = Claim.objects.get(key="abwehr-forgery")
    messages = Claim.objects.get(key="stalin-archive-messages")
    assert forgery.kind == Claim.Kind.HYPOTHESIS and forgery.status == Claim.Status.CONTESTED
    assert forgery.topic == messages.topic
    assert (messages.date_earliest.year, messages.date_latest.year) == (1920, 1939)


def test_only_three_of_the_tribunal_survived(seed):
    composition = Claim.objects.get(key="tribunal-composition")
    assert composition.people.count() == 8
    survivors = Claim.objects.get(key="tribunal-survivors")
    assert all(name in survivors.statement for name in ("Ulrikh", "Budyonny", "Shaposhnikov"))
    assert Claim.objects.filter(key="trial-secret", statement__icontains="show trials").exists()


# --- people and sources -----------------------------------------------------------


def test_people_are_found_by_their_cyrillic_names(seed):
    assert list(Person.objects.filter(name_original__icontains="Тухачевский").values_list("slug", flat=True)) == [
        "tukhachevsky"
    ]
    tukhachevsky = Person.objects.get(slug="tukhachevsky")
    assert {"Tukhachevskii", "Toukhatchevski", "Tuchatschewski"} <= set(tukhachevsky.alias_list)
    assert not Person.objects.filter(name_original="").exists()


def test_the_article_misspelling_of_shvernik_still_finds_him(seed):
    assert Person.objects.filter(aliases__icontains="Shernik").get().slug == "shvernik"


def test_the_cleansing_has_its_russian_title(seed):
    cleansing = Source.objects.get(title_original__icontains="Очищение")
    assert cleansing.key == "suvorov-ochishchenie-1998"


def test_archival_files_carry_a_structured_reference(seed):
    files = Source.objects.filter(kind=Source.Kind.ARCHIVAL_FILE)
    fsb = files.get(key="tsa-fsb-r-9000")
    assert fsb.archive and fsb.archive_delo == "R-9000"
    assert "not been checked" in fsb.notes
    stalin = files.get(key="rgaspi-558-11-stalin")
    assert (stalin.archive_fond, stalin.archive_opis) == ("558", "11")
    assert stalin.archive_reference.endswith("f. 558, op. 11")


def test_the_article_itself_is_a_tertiary_web_page(seed):
    article = Source.objects.get(key="wikipedia-case-of-military-2010")
    assert (article.kind, article.level, article.date) == (Source.Kind.WEB_PAGE, Source.Level.TERTIARY, "2010")


# --- grades, disputes and notes ---------------------------------------------------


def test_reviewers_disagree_visibly_on_some_grades(seed):
    split_sources = [s for s in Source.objects.all() if len(set(s.assessments.values_list("grade", flat=True))) > 1]
    split_citations = [c for c in Citation.objects.all() if len(set(c.assessments.values_list("grade", flat=True))) > 1]
    assert len(split_sources) >= 2 and len(split_citations) >= 2
    suvorov = Source.objects.get(key="suvorov-ochishchenie-1998")
    assert consensus_reliability(suvorov.assessments.values_list("grade", flat=True)) == "E"
    assert SourceAssessment.objects.filter(grade="F").exists()
    assert CitationAssessment.objects.filter(grade=6).exists()
    abwehr = Citation.objects.get(claim__key="abwehr-forgery")
    assert consensus_credibility(abwehr.assessments.values_list("grade", flat=True)) == 4


@pytest.mark.parametrize("slug", ["date-of-execution", "motives-for-the-purge"])
def test_every_claim_of_the_competing_topics_is_rated_against_the_others_evidence(seed, slug):
    """Issue 14's matrix: each citation rated against each other claim of its topic, by the
    seed's reviewers, two of them on some cells, and they do not always agree."""
    claims = set(Claim.objects.filter(topic__slug=slug).values_list("pk", flat=True))
    citations = Citation.objects.filter(claim__topic__slug=slug).values_list("pk", "claim_id")
    cells = {(citation, claim) for citation, own in citations for claim in claims if claim != own}
    by_cell: dict[tuple[int, int], set[str]] = {}
    for citation, claim, grade in ConsistencyRating.objects.filter(claim__topic__slug=slug).values_list(
        "citation_id", "claim_id", "grade"
    ):
        by_cell.setdefault((citation, claim), set()).add(grade)
    assert set(by_cell) == cells
    rated_twice = ConsistencyRating.objects.filter(claim__topic__slug=slug).values("citation", "claim")
    assert rated_twice.annotate(n=Count("pk")).filter(n=2).exists()
    assert any(len(grades) > 1 for grades in by_cell.values())
    reviewers = set(ConsistencyRating.objects.values_list("reviewer__username", flat=True))
    assert reviewers == {"reviewer_a", "reviewer_b"}


def test_the_verdicts_hour_divides_the_reviewers_on_11_june(seed):
    verdict = Citation.objects.get(claim__key="verdict-2335")
    ratings = dict(
        ConsistencyRating.objects.filter(citation=verdict, claim__key="execution-11-june").values_list(
            "reviewer__username", "grade"
        )
    )
    assert ratings == {"reviewer_a": "C", "reviewer_b": "I"}


def test_an_open_dispute_challenges_the_abwehr_credibility_grade(seed):
    dispute = Dispute.objects.open().get()
    assert dispute.raised_by.username == "reviewer_b"
    assert dispute.citation_assessment.reviewer.username == "reviewer_a"
    assert dispute.citation_assessment.citation.claim.key == "abwehr-forgery"
    assert dispute.proposed_credibility == 5
    assert "never found" in dispute.reason
    assert dispute.annotations.exists()


def test_decided_disputes_are_resolved_by_the_editor(seed):
    decided = Dispute.objects.filter(state__in=[Dispute.State.UPHELD, Dispute.State.REJECTED])
    assert decided.count() >= 1
    for dispute in decided:
        assert dispute.resolved_by.username == "editor_c"
        assert dispute.resolution_note and dispute.closed_at
    upheld = decided.get(state=Dispute.State.UPHELD)
    assert upheld.claim.status == upheld.proposed_status


def test_replies_share_their_parent_target(seed):
    replies = Annotation.objects.filter(parent__isnull=False)
    assert replies.exists()
    for reply in replies:
        assert reply.target == reply.parent.target


def test_the_shvernik_misspelling_is_recorded_as_a_correction(seed):
    correction = Annotation.objects.get(
        source__key="shvernik-commission-1964", motivation=Annotation.Motivation.CORRECTION, parent__isnull=True
    )
    assert "Shvernik" in correction.body
    assert "Shernik" in correction.quoted_passage
    assert correction.quoted_passage in correction.target_text()


def test_the_doubt_about_primakov_is_a_question(seed):
    question = Annotation.objects.get(claim__key="motive-antisemitism", motivation=Annotation.Motivation.QUESTION)
    assert question.quoted_passage == "Primakov"
    assert question.replies.exists()


def test_some_notes_are_about_grades_and_disputes(seed):
    assert Annotation.objects.filter(source_assessment__isnull=False).exists()
    assert Annotation.objects.filter(dispute__isnull=False).exists()
