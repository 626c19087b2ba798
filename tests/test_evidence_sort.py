"""The claim list sorted by evidence grade: strongest first, ungraded and unsupported last, then
by date, from the rank stored on each claim (Claim.evidence_rank), which every kind of write
keeps equal to a fresh one; not offered to a blind reviewer, whom it would show hidden grades."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.csv.claims_csv import claims_import
from claims.grading import NO_SUPPORT_RANK, evidence_rank
from claims.models import Citation, Claim, Source
from claims.roles import Role
from claims.selectors import lists
from claims.selectors.grades import fresh_evidence_ranks
from tests.conftest import make_user

fill_evidence_ranks = __import__(
    "claims.migrations.0016_claim_evidence_rank", fromlist=["fill_evidence_ranks"]
).fill_evidence_ranks


def _source(actor, key: str, title: str) -> Source:
    return services.source_create(
        actor=actor, key=key, kind=Source.Kind.MONOGRAPH, level=Source.Level.SECONDARY, title=title
    )


class World:
    """Five claims about the execution, each supported differently:
    june-12 by Rogovin (graded B) at ch. 9 (graded 2): B2; june-11 by the Shvernik report
    (graded A) at p. 4 (graded 1): A1; june-13 by Rogovin at ch. 10, ungraded: B-;
    june-10 by an ungraded memoir: --; dawn by nothing: last. june-14, also by nothing,
    after dawn (dated after it)."""

    def __init__(self, *, researcher, reviewer, editor, topic):
        self.researcher, self.reviewer, self.editor, self.topic = researcher, reviewer, editor, topic
        self.second_reviewer = make_user("vera_reviewer", Role.REVIEWER)
        self.staff = make_user("stan_staff", staff=True)
        self.rogovin = _source(researcher, "rogovin-1937", "1937: Stalin's Year of Terror")
        self.shvernik = _source(researcher, "shvernik-1964", "Report of the Shvernik commission")
        self.memoir = _source(researcher, "memoir", "A memoir")
        self.claims = {}
        for key, date in [
            ("june-12", "1937-06-12"),
            ("june-11", "1937-06-11"),
            ("june-13", "1937-06-13"),
            ("june-10", "1937-06-10"),
            ("june-14", "1937-06-14"),
            ("dawn", "1937-06"),
        ]:
            self.claims[key] = services.claim_create(
                actor=researcher, key=key, topic=topic, statement=f"Shot: {key}.", event_date=date
            )
        cite = services.citation_create
        self.at_ch9 = cite(actor=researcher, claim=self.claims["june-12"], source=self.rogovin, locator="ch. 9")
        self.at_p4 = cite(actor=researcher, claim=self.claims["june-11"], source=self.shvernik, locator="p. 4")
        self.at_ch10 = cite(actor=researcher, claim=self.claims["june-13"], source=self.rogovin, locator="ch. 10")
        self.in_memoir = cite(actor=researcher, claim=self.claims["june-10"], source=self.memoir, locator="p. 1")
        self.rogovin_grade = services.grade_set(actor=reviewer, target=self.rogovin, grade="B", rationale="Careful.")
        services.grade_set(actor=reviewer, target=self.shvernik, grade="A", rationale="Read the files.")
        self.ch9_grade = services.grade_set(actor=reviewer, target=self.at_ch9, grade=2, rationale="Probably.")
        services.grade_set(actor=reviewer, target=self.at_p4, grade=1, rationale="Confirmed.")


@pytest.fixture
def world(researcher, reviewer, editor, topic) -> World:
    return World(researcher=researcher, reviewer=reviewer, editor=editor, topic=topic)


def _keys(client, user, query: str = "?sort=evidence") -> list[str]:
    client.force_login(user)
    page = client.get("/claims/" + query).content.decode()
    return re.findall(r'href="/claims/([a-z0-9-]+)/"', page)


def test_the_list_sorted_by_evidence_shows_the_strongest_first_ungraded_and_unsupported_last(client, researcher, world):
    keys = [k for k in _keys(client, researcher) if k in world.claims]
    assert keys == ["june-11", "june-12", "june-13", "june-10", "dawn", "june-14"]


def test_the_evidence_sort_is_offered_to_researchers_and_editors(client, researcher, editor, world):
    for user in (researcher, editor):
        client.force_login(user)
        page = client.get("/claims/").content.decode()
        assert '<option value="evidence">evidence grade, strongest first</option>' in page
        assert lists.EVIDENCE_SORT_BLIND not in page


def test_a_blind_reviewer_is_not_offered_the_evidence_sort_and_asking_for_it_sorts_by_date(client, world):
    blind = world.second_reviewer
    client.force_login(blind)
    page = client.get("/claims/").content.decode()
    assert 'value="evidence"' not in page and lists.EVIDENCE_SORT_BLIND not in page
    page = client.get("/claims/?sort=evidence").content.decode()
    assert lists.EVIDENCE_SORT_BLIND in page
    keys = [k for k in re.findall(r'href="/claims/([a-z0-9-]+)/"', page) if k in world.claims]
    assert keys == ["dawn", "june-10", "june-11", "june-12", "june-13", "june-14"]  # by date


def test_a_blind_reviewers_export_asked_by_evidence_comes_by_date(client, world):
    client.force_login(world.second_reviewer)
    response = client.get("/claims/export.csv?sort=evidence")
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    keys = [line.split(",")[0] for line in body.splitlines()[1:] if line.split(",")[0] in world.claims]
    assert keys == ["dawn", "june-10", "june-11", "june-12", "june-13", "june-14"]


def test_the_evidence_sort_page_runs_the_same_queries_for_six_claims_as_for_sixty(
    client, researcher, world, django_assert_max_num_queries
):
    client.force_login(researcher)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/claims/?sort=evidence").status_code == 200
    for i in range(54):
        claim = services.claim_create(actor=researcher, key=f"more-{i}", topic=world.topic, statement=f"More {i}.")
        services.citation_create(actor=researcher, claim=claim, source=world.rogovin, locator=f"p. {i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/claims/?sort=evidence&page=2").status_code == 200
    assert len(few) == len(many)


def test_the_evidence_sort_reads_its_index(world):
    ordered = lists.claim_search(filters=lists.ClaimFilters(sort="evidence")).values("pk")[:25]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # (A handful of rows: the planner would rather sort them; the point is that it can use the index.)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        plan = ordered.explain()
    assert "claim_by_evidence_idx" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan.replace("Sort Key", ""), plan


# --- the stored rank stays true ------------------------------------------------------


def _import(w: World):
    report = claims_import(
        actor=w.editor,
        data=(
            b"key,topic,statement,event_date,sources\n"
            b"june-15,Date of execution,Shot on 15 June.,1937-06-15,shvernik-1964\n"
            b"dawn,Date of execution,Shot: dawn.,1937-06,shvernik-1964: p. 2\n"
        ),
    )
    assert not report.errors, report.errors


def _dispute_upheld(w: World, target, proposed):
    dispute = services.dispute_raise(actor=w.second_reviewer, target=target, reason="Too generous.", proposed=proposed)
    return services.dispute_resolve(actor=w.editor, dispute=dispute, outcome="upheld", note="Agreed.")


def _restore(w: World):
    claim = w.claims["june-12"]
    first = Claim.history.filter(id=claim.pk).order_by("history_id").first()
    services.claim_update(actor=w.researcher, claim=claim, data={"statement": "Changed."})
    return services.claim_restore(actor=w.editor, claim=claim, history_id=first.history_id)


def _stale_claim_saved(w: World):
    stale = Claim.objects.get(key="june-12")  # read while it is B2
    services.grade_set(actor=w.second_reviewer, target=w.rogovin, grade="D", rationale="Partisan.")
    services.claim_update(actor=w.researcher, claim=stale, data={"statement": "Shot at night."})


def _staff_moves_citation(w: World):
    w.at_p4.claim = w.claims["dawn"]
    services.staff_save(actor=w.staff, instance=w.at_p4)


WRITES = {
    "citation added": lambda w: services.citation_create(
        actor=w.researcher, claim=w.claims["dawn"], source=w.shvernik, locator="p. 9"
    ),
    "citation turned to contradict": lambda w: services.citation_update(
        actor=w.researcher, citation=w.at_p4, data={"stance": Citation.Stance.CONTRADICTS}
    ),
    "citation's source changed": lambda w: services.citation_update(
        actor=w.researcher, citation=w.in_memoir, data={"source": w.shvernik}
    ),
    "citation deleted in the admin": lambda w: services.staff_delete(actor=w.staff, instance=w.at_p4),
    "citation moved to another claim in the admin": _staff_moves_citation,
    "citation graded": lambda w: services.grade_set(
        actor=w.second_reviewer, target=w.at_ch10, grade=3, rationale="Possibly."
    ),
    "citation grade revised": lambda w: services.assessment_update(
        actor=w.reviewer, assessment=w.ch9_grade, grade=5, rationale="Improbable after all."
    ),
    "citation grade outdated by an edit of the quote": lambda w: services.citation_update(
        actor=w.researcher, citation=w.at_ch9, data={"quote": "Shot on the 12th."}
    ),
    "citation grade deleted in the admin": lambda w: services.staff_delete(actor=w.staff, instance=w.ch9_grade),
    "source graded (every claim citing it)": lambda w: services.grade_set(
        actor=w.second_reviewer, target=w.rogovin, grade="E", rationale="Unreliable."
    ),
    "source graded F": lambda w: services.grade_set(
        actor=w.reviewer, target=w.memoir, grade="F", rationale="Cannot tell."
    ),
    "source grade deleted in the admin": lambda w: services.staff_delete(actor=w.staff, instance=w.rogovin_grade),
    "source grade dispute upheld": lambda w: _dispute_upheld(w, w.rogovin_grade, "D"),
    "citation grade dispute upheld": lambda w: _dispute_upheld(w, w.ch9_grade, 4),
    "claim restored to an earlier version": _restore,
    "claim saved from a copy read before its grade changed": _stale_claim_saved,
    "claim deleted in the admin": lambda w: services.staff_delete(actor=w.staff, instance=w.claims["june-11"]),
    "claims imported from CSV (one new, one cited anew)": _import,
}


def _stored() -> dict[int, int]:
    return dict(Claim.objects.values_list("pk", "evidence_rank"))


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_after_every_kind_of_write_each_claims_stored_rank_equals_a_fresh_one(world, write):
    before = _stored()
    assert before == fresh_evidence_ranks(before)
    WRITES[write](world)
    stored = _stored()
    assert stored == fresh_evidence_ranks(stored)
    if write not in {"claim deleted in the admin", "claim restored to an earlier version"}:
        assert stored != before, "the write changed no claim's evidence grade: the test proves nothing"


def test_the_ranks_the_world_starts_with(world):
    ranks = {c.key: c.evidence_rank for c in Claim.objects.all()}
    assert ranks == {
        "june-11": evidence_rank("A", 1),
        "june-12": evidence_rank("B", 2),
        "june-13": evidence_rank("B", None),
        "june-10": evidence_rank(None, None),
        "june-14": NO_SUPPORT_RANK,
        "dawn": NO_SUPPORT_RANK,
    }
    assert ranks["june-11"] < ranks["june-12"] < ranks["june-13"] < ranks["june-10"] < NO_SUPPORT_RANK


def test_refresh_counts_and_the_migration_repair_ranks_written_wrong(world, capsys):
    right = _stored()
    Claim.objects.update(evidence_rank=7)
    call_command("refresh_counts")
    assert "Corrected the evidence rank of 6 claims." in capsys.readouterr().out
    assert _stored() == right
    Claim.objects.update(evidence_rank=NO_SUPPORT_RANK)
    fill_evidence_ranks(apps, None)
    assert _stored() == right


def test_the_refresh_runs_the_same_queries_for_five_claims_as_for_fifty(world, researcher):
    for i in range(50):
        claim = services.claim_create(actor=researcher, key=f"more-{i}", topic=world.topic, statement=f"More {i}.")
        services.citation_create(actor=researcher, claim=claim, source=world.rogovin, locator=f"p. {i}")
    ids = list(Claim.objects.filter(key__startswith="more-").order_by("pk").values_list("pk", flat=True))
    Claim.objects.update(evidence_rank=7)  # (every one wrong, each to be B-: one UPDATE a batch)
    counts = []
    for some in (ids[:5], ids[5:]):
        with CaptureQueriesContext(connection) as queries:
            services.claim_evidence_refresh(claim_ids=some)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert {pk: rank for pk, rank in _stored().items() if pk in ids} == fresh_evidence_ranks(ids)
