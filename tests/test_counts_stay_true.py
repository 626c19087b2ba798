"""The home page's counts are kept as records change (TopicSummary): after every kind of write
they equal a fresh count, and the latest activity is the write's own time."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims import services
from claims.csv.claims_csv import claims_import
from claims.models import Citation, CitationAssessment, Claim, Dispute, SourceAssessment, Topic, TopicSummary
from claims.roles import Role
from claims.selectors.summaries import fresh_topic_summaries
from tests.conftest import make_user


class World:
    """Two topics; one source cited from both, graded; a claim in each."""

    def __init__(self, *, researcher, reviewer, editor, source):
        self.researcher, self.reviewer, self.editor, self.source = researcher, reviewer, editor, source
        self.second_reviewer = make_user("vera_reviewer", Role.REVIEWER)
        self.staff = make_user("stan_staff", staff=True)
        self.execution = services.topic_create(actor=editor, title="Date of execution")
        self.motives = services.topic_create(actor=editor, title="Motives for the purge")
        self.june_12 = services.claim_create(
            actor=researcher,
            key="june-12",
            topic=self.execution,
            statement="Shot on 12 June 1937.",
            event_date="1937-06-12",
        )
        self.forgery = services.claim_create(
            actor=researcher, key="forgery", topic=self.motives, statement="The Abwehr forged the dossier."
        )
        self.cited_12 = services.citation_create(actor=researcher, claim=self.june_12, source=source, locator="p. 1")
        self.cited_forgery = services.citation_create(
            actor=researcher, claim=self.forgery, source=source, locator="p. 2"
        )
        self.citation_grade = services.grade_set(
            actor=reviewer, target=self.cited_12, grade=2, rationale="Confirmed elsewhere."
        )
        self.source_grade = services.grade_set(
            actor=reviewer, target=source, grade="B", rationale="A careful historian."
        )

    def dispute_source_grade(self) -> Dispute:
        return services.dispute_raise(
            actor=self.second_reviewer, target=self.source_grade, reason="Too generous.", proposed="C"
        )


def _csv(text: str) -> bytes:
    return ("key,topic,statement,event_date\n" + text).encode()


# Each write, named as a test id: (what it does, whether it takes something out of a topic).
WRITES = {
    "topic created": (lambda w: services.topic_create(actor=w.editor, title="Tribunal"), False),
    "claim created": (
        lambda w: services.claim_create(
            actor=w.researcher, key="june-11", topic=w.execution, statement="Shot on 11 June.", event_date="1937-06-11"
        ),
        False,
    ),
    "claim edited": (
        lambda w: services.claim_update(
            actor=w.researcher, claim=w.june_12, data={"statement": "Shot at night, 12 June."}
        ),
        False,
    ),
    "claim moved to another topic": (
        lambda w: services.claim_update(actor=w.researcher, claim=w.june_12, data={"topic": w.motives}),
        True,
    ),
    "claim with a graded citation deleted in the admin": (
        lambda w: services.staff_delete(actor=w.staff, instance=w.june_12),
        True,
    ),
    "claim restored to an earlier version": (lambda w: _restore(w), False),
    "citation added": (
        lambda w: services.citation_create(actor=w.researcher, claim=w.june_12, source=w.source, locator="p. 9"),
        False,
    ),
    "citation's source changed": (lambda w: _cite_other_source(w), False),
    "citation deleted in the admin": (lambda w: services.staff_delete(actor=w.staff, instance=w.cited_12), True),
    "citation graded": (
        lambda w: services.grade_set(actor=w.second_reviewer, target=w.cited_12, grade=3, rationale="Possibly."),
        False,
    ),
    "source graded": (
        lambda w: services.grade_set(actor=w.second_reviewer, target=w.source, grade="C", rationale="Fairly."),
        False,
    ),
    "note on a claim": (
        lambda w: services.annotation_create(actor=w.researcher, target=w.june_12, body="See Rogovin."),
        False,
    ),
    "note on a citation grade, replied to, withdrawn": (lambda w: _note_thread(w), False),
    "claim disputed": (
        lambda w: services.dispute_raise(actor=w.researcher, target=w.june_12, reason="Unclear.", proposed="contested"),
        False,
    ),
    "citation grade disputed": (
        lambda w: services.dispute_raise(
            actor=w.second_reviewer, target=w.citation_grade, reason="Too high.", proposed=4
        ),
        False,
    ),
    "source grade disputed": (lambda w: w.dispute_source_grade(), False),
    "dispute withdrawn": (
        lambda w: services.dispute_withdraw(actor=w.second_reviewer, dispute=w.dispute_source_grade()),
        False,
    ),
    "dispute upheld": (
        lambda w: services.dispute_resolve(
            actor=w.editor,
            outcome="upheld",
            note="Agreed.",
            dispute=services.dispute_raise(actor=w.second_reviewer, target=w.citation_grade, reason="Hm.", proposed=4),
        ),
        False,
    ),
    "disputed source grade deleted in the admin": (
        lambda w: (w.dispute_source_grade(), services.staff_delete(actor=w.staff, instance=w.source_grade)),
        True,
    ),
    "claims imported from CSV (one new, one moved)": (lambda w: _import(w), True),
    "claim edited in the admin": (lambda w: _staff_edit(w), False),
    "claim deleted in the admin": (lambda w: services.staff_delete(actor=w.staff, instance=w.forgery), True),
    "person renamed (no topic changes)": (
        lambda w: services.person_update(
            actor=w.editor,
            person=services.person_create(actor=w.editor, name="Tukhachevsky"),
            data={"name": "Mikhail Tukhachevsky"},
        ),
        False,
    ),
}


def _restore(w: World):
    first = Claim.history.filter(id=w.june_12.pk).order_by("history_id").first()
    services.claim_update(actor=w.researcher, claim=w.june_12, data={"statement": "Changed."})
    return services.claim_restore(actor=w.editor, claim=w.june_12, history_id=first.history_id)


def _cite_other_source(w: World):
    other = services.source_create(
        actor=w.researcher,
        key="shvernik-1964",
        kind="official_report",
        level="primary",
        title="Shvernik commission report",
    )
    return services.citation_update(actor=w.researcher, citation=w.cited_12, data={"source": other})


def _note_thread(w: World):
    note = services.annotation_create(actor=w.researcher, target=w.citation_grade, body="Why 2?")
    services.annotation_create(actor=w.editor, parent=note, body="Two memoirs agree.")
    return services.annotation_withdraw(actor=w.researcher, annotation=note)


def _import(w: World):
    report = claims_import(
        actor=w.editor,
        data=_csv(
            "june-13,Date of execution,Shot on 13 June.,1937-06-13\n"
            "forgery,Date of execution,The Abwehr forged the dossier.,\n"
        ),
    )
    assert not report.errors, report.errors


def _staff_edit(w: World):
    w.june_12.statement = "Shot on the night of 11 to 12 June."
    return services.staff_save(actor=w.staff, instance=w.june_12)


@pytest.fixture
def world(researcher, reviewer, editor, source) -> World:
    return World(researcher=researcher, reviewer=reviewer, editor=editor, source=source)


def _stored() -> dict[int, tuple]:
    return {
        row.topic_id: (row.claim_count, row.open_dispute_count, row.latest_activity)
        for row in TopicSummary.objects.all()
    }


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_after_every_kind_of_write_each_topics_counts_equal_a_fresh_count(world, write):
    act, removes = WRITES[write]
    act(world)
    stored, fresh = _stored(), fresh_topic_summaries()
    assert set(stored) == set(fresh) == set(Topic.objects.values_list("pk", flat=True))
    for topic_id, summary in fresh.items():
        claims, disputes, latest = stored[topic_id]
        assert (claims, disputes) == (summary.claim_count, summary.open_dispute_count), Topic.objects.get(pk=topic_id)
        if removes:
            # Taking a claim (or anything) out of a topic is activity too, though no record of
            # the topic is left to carry its time.
            assert latest >= summary.latest_activity
        else:
            assert latest == summary.latest_activity


@pytest.mark.parametrize("write", [name for name in WRITES if not name.startswith("person")])
def test_the_topic_a_write_touches_shows_it_as_its_latest_activity(world, write):
    act, _ = WRITES[write]
    before = timezone.now()
    act(world)
    touched = [row for row in TopicSummary.objects.all() if row.latest_activity >= before]
    # A source's grades and their disputes belong to the source, not to the topics citing it.
    changes_source_only = write in {
        "source graded",
        "source grade disputed",
        "dispute withdrawn",
        "disputed source grade deleted in the admin",
    }
    assert bool(touched) != changes_source_only, [str(row) for row in TopicSummary.objects.all()]


def test_a_source_grade_dispute_counts_on_every_topic_citing_the_source_once(world):
    world.dispute_source_grade()
    services.citation_create(actor=world.researcher, claim=world.june_12, source=world.source, locator="p. 3")
    counts = {row.topic.title: row.open_dispute_count for row in TopicSummary.objects.select_related("topic")}
    assert counts == {"Date of execution": 1, "Motives for the purge": 1}
    assert SourceAssessment.objects.count() == 1 and CitationAssessment.objects.count() == 1


def test_the_home_page_shows_the_kept_counts(client, world):
    world.dispute_source_grade()
    services.dispute_raise(actor=world.researcher, target=world.june_12, reason="Unclear.", proposed="contested")
    client.force_login(world.researcher)
    page = client.get("/").content.decode()
    assert '<td class="num">1</td>\n      <td class="num"><strong>2</strong></td>' in page  # Date of execution
    assert Citation.objects.filter(claim=world.june_12).count() == 1


def test_refresh_counts_repairs_summaries_written_wrong(world, capsys):
    TopicSummary.objects.update(claim_count=99, open_dispute_count=7)
    call_command("refresh_counts")
    assert "Counted 2 topics afresh." in capsys.readouterr().out
    fresh = fresh_topic_summaries()
    assert {pk: (c, d) for pk, (c, d, _) in _stored().items()} == {
        pk: (s.claim_count, s.open_dispute_count) for pk, s in fresh.items()
    }
