"""The review queues: /review/, the sources and citations waiting for the reviewer's own grade
(never graded by them, or graded in an earlier version), most-cited first, their own work left
out, no one else's grade shown, with the count in the navigation; and /review/adjudicate/ for
editors: open disputes, grades far apart, and "confirmed" grades on a single line of evidence.
The queue's order reads Source.citation_count, which every kind of write keeps true."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.csv.claims_csv import claims_import
from claims.models import Citation, CitationAssessment, Claim, Source, SourceAssessment
from claims.selectors import queues
from claims.selectors.queues import fresh_citation_counts
from tests.test_pages import main_text

fill_citation_counts = __import__(
    "claims.migrations.0019_source_citation_count", fromlist=["fill_citation_counts"]
).fill_citation_counts


def _source(actor, key: str, title: str = "") -> Source:
    return services.source_create(
        actor=actor, key=key, kind=Source.Kind.MONOGRAPH, level=Source.Level.SECONDARY, title=title or key.title()
    )


class World:
    """Three sources by the researcher, cited 3 (rogovin), 2 (shvernik) and 1 (memoir) times, one
    source the reviewer added (theirs), cited once; claims by the researcher but for `mine`, the
    reviewer's own. The second reviewer graded everything they could."""

    def __init__(self, *, researcher, reviewer, second_reviewer, editor, topic):
        self.researcher, self.reviewer, self.second_reviewer, self.editor = (
            researcher,
            reviewer,
            second_reviewer,
            editor,
        )
        self.rogovin = _source(researcher, "rogovin-1937", "1937: Stalin's Year of Terror")
        self.shvernik = _source(researcher, "shvernik-1964", "Report of the Shvernik commission")
        self.memoir = _source(researcher, "memoir", "A memoir")
        self.theirs = _source(reviewer, "reviewers-own", "The reviewer's own find")
        claim = services.claim_create
        self.claims = {
            key: claim(actor=researcher, key=key, topic=topic, statement=f"Shot: {key}.")
            for key in ("june-10", "june-11", "june-12")
        }
        self.mine = claim(actor=reviewer, key="mine", topic=topic, statement="The reviewer's own claim.")
        cite = services.citation_create
        self.r10 = cite(actor=researcher, claim=self.claims["june-10"], source=self.rogovin, locator="ch. 9")
        self.r11 = cite(actor=researcher, claim=self.claims["june-11"], source=self.rogovin, locator="ch. 10")
        self.r_mine = cite(actor=researcher, claim=self.mine, source=self.rogovin, locator="ch. 11")
        self.s12 = cite(
            actor=researcher, claim=self.claims["june-12"], source=self.shvernik, locator="p. 4", quote="Shot at dawn."
        )
        self.s10 = cite(actor=researcher, claim=self.claims["june-10"], source=self.shvernik, locator="p. 8")
        self.m11 = cite(actor=researcher, claim=self.claims["june-11"], source=self.memoir, locator="p. 1")
        # A citation the reviewer added themselves, of their own source, to another's claim.
        self.own_citation = cite(actor=reviewer, claim=self.claims["june-12"], source=self.theirs, locator="f. 1")
        for target in (self.rogovin, self.shvernik, self.memoir, self.theirs):
            services.grade_set(actor=second_reviewer, target=target, grade="E", rationale="Vera's view.")
        for target in (self.r10, self.r11, self.r_mine, self.s12, self.s10, self.m11, self.own_citation):
            services.grade_set(actor=second_reviewer, target=target, grade=5, rationale="Vera's view.")


@pytest.fixture
def world(researcher, reviewer, second_reviewer, editor, topic) -> World:
    return World(researcher=researcher, reviewer=reviewer, second_reviewer=second_reviewer, editor=editor, topic=topic)


def _queue(client, user) -> str:
    client.force_login(user)
    response = client.get("/review/")
    assert response.status_code == 200
    return response.content.decode()


def _item_ids(page: str, kind: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'id="{kind}-(\d+)"', page)]


def _nav(page: str) -> str:
    found = re.search(r'class="review-count">Review \(([^)]*)\)<', page)
    return found.group(1) if found else ""


# --- the reviewer's queue ---------------------------------------------------------------


def test_a_reviewer_sees_what_they_have_not_graded_most_cited_first_without_their_own_work(client, world, reviewer):
    page = _queue(client, reviewer)
    w = world
    assert _item_ids(page, "source") == [w.rogovin.pk, w.shvernik.pk, w.memoir.pk]  # 3, 2, 1 citations
    # By their source's count, then the claim in the order entered; not the citation on the reviewer's claim
    # ("mine"), nor the one they added.
    assert _item_ids(page, "citation") == [w.r10.pk, w.r11.pk, w.s10.pk, w.s12.pk, w.m11.pk]
    assert f'href="/sources/{w.rogovin.key}/grade/"' in page
    assert f'href="/citations/{w.s12.pk}/grade/"' in page
    text = main_text(client.get("/review/"))
    assert "1937: Stalin's Year of Terror" in text and "cited 3 times" in text
    assert "Shot: june-12." in text and "p. 4" in text and "Shot at dawn." in text
    assert "never graded by you" in text and "your grade is of an earlier version" not in text
    assert _nav(page) == "8"


def test_a_grade_takes_its_target_out_of_the_queue_and_an_edit_of_the_citation_brings_it_back(
    client, world, reviewer, researcher
):
    w = world
    services.grade_set(actor=reviewer, target=w.rogovin, grade="B", rationale="Careful.")
    services.grade_set(actor=reviewer, target=w.s12, grade=2, rationale="Probably.")
    page = _queue(client, reviewer)
    assert w.rogovin.pk not in _item_ids(page, "source") and w.s12.pk not in _item_ids(page, "citation")
    assert _nav(page) == "6"
    services.citation_update(actor=researcher, citation=w.s12, data={"quote": "Shot at night."})
    page = _queue(client, reviewer)
    assert w.s12.pk in _item_ids(page, "citation")
    item = page[page.index(f'id="citation-{w.s12.pk}"') :]
    assert "your grade is of an earlier version" in item[: item.index("</li>")]
    assert _nav(page) == "7"


def test_the_queue_shows_no_other_reviewers_grade_nor_who_gave_it(client, world, reviewer):
    """The second reviewer graded every source E and every citation 5, with "Vera's view"."""
    page = _queue(client, reviewer)
    assert "vera_reviewer" not in page and "Vera's view" not in page and 'class="grade' not in page
    for item in re.findall(r'<li class="card queue-item".*?</li>', page, flags=re.S):
        words = re.sub(r"<[^>]+>", " ", item)
        assert not re.search(r"\bE\b|\b5\b|consensus|evidence grade", words), words


def test_each_grader_has_their_own_queue(client, world, second_reviewer, editor, staff):
    assert _item_ids(_queue(client, second_reviewer), "source") == []  # graded everything
    assert _item_ids(_queue(client, second_reviewer), "citation") == []
    assert len(_item_ids(_queue(client, editor), "citation")) == 7  # everything, none their own
    assert len(_item_ids(_queue(client, staff), "source")) == 4


@pytest.mark.parametrize("persona", ["researcher", "outsider"])
def test_who_may_not_grade_gets_403_and_no_count(client, request, world, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/review/").status_code == 403
    assert client.get("/review/adjudicate/").status_code == 403
    assert "Review (" not in client.get("/sources/").content.decode()


def test_a_reviewer_may_not_adjudicate(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/review/adjudicate/").status_code == 403
    assert "/review/adjudicate/" not in client.get("/review/").content.decode()


def test_the_navigation_counts_at_most_99_plus_and_the_queue_pages(client, researcher, reviewer):
    Source.objects.bulk_create(
        [
            Source(key=f"s-{n:03}", kind="monograph", level="secondary", title=f"S {n}", citation_count=n)
            for n in range(120)
        ]
    )
    page = _queue(client, reviewer)
    assert _nav(page) == "99+"
    assert "99+ wait for your grade" in main_text(client.get("/review/"))
    keys = re.findall(r'href="/sources/(s-\d+)/grade/"', page)
    assert keys == [f"s-{n:03}" for n in range(119, 119 - queues.PER_PAGE, -1)]
    second = client.get("/review/?sources=2").content.decode()
    assert re.findall(r'href="/sources/(s-\d+)/grade/"', second)[0] == f"s-{119 - queues.PER_PAGE:03}"
    assert 'rel="prev"' in second and 'rel="next"' in second
    last = client.get("/review/?sources=5").content.decode()
    assert len(re.findall(r'href="/sources/(s-\d+)/grade/"', last)) == 20 and 'rel="next"' not in last
    assert client.get("/review/?sources=x").status_code == 200


# --- adjudication -------------------------------------------------------------------------


@pytest.fixture
def contested(world, reviewer, editor, researcher, second_editor) -> World:
    """Rogovin graded E (vera) and A (victor): 4 steps apart; shvernik E and C: 2 apart; memoir E
    and F: F left out. s12 graded 5 and 1: 4 apart; s10 5 and 6: 6 left out; r10 5 and 2, both
    outdated by an edit, then 4. Two open disputes and a withdrawn one."""
    w = world
    services.grade_set(actor=reviewer, target=w.rogovin, grade="A", rationale="Victor's view.")
    services.grade_set(actor=reviewer, target=w.shvernik, grade="C", rationale="Victor's view.")
    services.grade_set(actor=reviewer, target=w.memoir, grade="F", rationale="Victor's view.")
    services.grade_set(actor=reviewer, target=w.s12, grade=1, rationale="Victor's view.")
    services.grade_set(actor=reviewer, target=w.s10, grade=6, rationale="Victor's view.")
    services.grade_set(actor=reviewer, target=w.r10, grade=2, rationale="Victor's view.")
    services.citation_update(actor=researcher, citation=w.r10, data={"quote": "Changed."})
    services.grade_set(actor=second_editor, target=w.r10, grade=4, rationale="Emil's view.")
    w.first_dispute = services.dispute_raise(
        actor=reviewer, target=w.s12.assessments.get(reviewer=w.second_reviewer), reason="Too harsh.", proposed=2
    )
    w.second_dispute = services.dispute_raise(
        actor=researcher, target=w.claims["june-11"], reason="R", proposed="refuted"
    )
    withdrawn = services.dispute_raise(actor=editor, target=w.claims["june-10"], reason="R", proposed="refuted")
    services.dispute_withdraw(actor=editor, dispute=withdrawn)
    w.withdrawn = withdrawn
    return w


def _adjudicate(client, user) -> str:
    client.force_login(user)
    response = client.get("/review/adjudicate/")
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2", start + 1)
    return page[start : end if end > 0 else len(page)]


def test_editors_see_open_disputes_oldest_first(client, contested, editor, staff):
    for user in (editor, staff):
        disputes = _section(_adjudicate(client, user), "disputes")
        assert _item_ids(disputes, "dispute") == [contested.first_dispute.pk, contested.second_dispute.pk]
        assert f"/disputes/{contested.withdrawn.pk}/" not in disputes


def test_editors_see_grades_three_or_more_steps_apart_with_their_reviewers(client, contested, editor):
    w = contested
    spread = _section(_adjudicate(client, editor), "spread")
    assert _item_ids(spread, "spread-source") == [w.rogovin.pk]  # not shvernik (2 apart) nor memoir (F)
    assert _item_ids(spread, "spread-citation") == [w.s12.pk]  # not s10 (6) nor r10 (an outdated 2)
    rogovin = spread[spread.index(f'id="spread-source-{w.rogovin.pk}"') :]
    assert re.sub(r"<[^>]+>|\s+", " ", rogovin[: rogovin.index("</li>")]).count("by") == 2
    assert "victor_reviewer" in rogovin and "vera_reviewer" in rogovin and "4 steps apart" in rogovin


def test_editors_see_confirmed_grades_on_claims_with_a_single_line_of_evidence(client, contested, editor, reviewer):
    """june-11 is supported by r11 (Rogovin) and m11 (the memoir): two lines, until the memoir
    turns out to be a translation of Rogovin. m11's grades 5, 1, 1 make 2 (7/3 rounds to 2)."""
    w = contested
    services.grade_set(actor=reviewer, target=w.m11, grade=1, rationale="Confirmed.")
    services.grade_set(actor=editor, target=w.m11, grade=1, rationale="Confirmed.")
    services.source_relation_add(actor=w.researcher, source=w.memoir, derived_from=w.rogovin, kind="translation")
    assert _item_ids(_section(_adjudicate(client, editor), "confirmed"), "confirmed") == []  # not confirmed
    vera = w.m11.assessments.get(reviewer=w.second_reviewer)
    services.assessment_update(actor=w.second_reviewer, assessment=vera, grade=1, rationale="Yes.")
    confirmed = _section(_adjudicate(client, editor), "confirmed")
    assert _item_ids(confirmed, "confirmed") == [w.m11.pk]
    assert "victor_reviewer" in confirmed and "edith_editor" in confirmed
    relation = w.memoir.derivations.get()
    services.source_relation_remove(actor=w.researcher, relation=relation)
    assert _item_ids(_section(_adjudicate(client, editor), "confirmed"), "confirmed") == []  # two lines again


def test_the_adjudication_sections_are_bounded(client, editor, researcher, reviewer, second_reviewer, topic):
    """27 sources graded A and E, 27 open disputes: 25 of each shown, the rest paged or counted."""
    sources = Source.objects.bulk_create(
        [Source(key=f"far-{n:02}", kind="monograph", level="secondary", title=f"Far {n}") for n in range(27)]
    )
    SourceAssessment.objects.bulk_create(
        [
            SourceAssessment(source=source, reviewer=user, grade=grade, rationale="R")
            for source in sources
            for user, grade in ((reviewer, "A"), (second_reviewer, "E"))
        ]
    )
    for n in range(27):
        claim = services.claim_create(actor=researcher, key=f"claim-{n}", topic=topic, statement="S.")
        services.dispute_raise(actor=researcher, target=claim, reason="R", proposed="refuted")
    page = _adjudicate(client, editor)
    spread = _section(page, "spread")
    assert len(_item_ids(spread, "spread-source")) == 25 and 'rel="next"' in spread
    newest_first = [source.pk for source in reversed(sources)]
    assert _item_ids(spread, "spread-source") == newest_first[:25]
    second = _section(client.get("/review/adjudicate/?sources=2").content.decode(), "spread")
    assert _item_ids(second, "spread-source") == newest_first[25:] and 'rel="prev"' in second
    disputes = _section(page, "disputes")
    assert len(_item_ids(disputes, "dispute")) == 25
    assert "and 2 more" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", disputes))


# --- queries ------------------------------------------------------------------------------


def _grow(world: World, n: int, *, start: int = 0) -> None:
    """n more sources, claims and citations, half of them graded by the reviewer, a quarter
    contested, and n open disputes."""
    w = world
    for i in range(start, start + n):
        source = _source(w.researcher, f"grown-{i}")
        claim = services.claim_create(
            actor=w.researcher, key=f"grown-{i}", topic=w.claims["june-10"].topic, statement="S."
        )
        citation = services.citation_create(actor=w.researcher, claim=claim, source=source, locator="p. 1")
        if i % 2:
            services.grade_set(actor=w.reviewer, target=source, grade="A", rationale="R")
            services.grade_set(actor=w.reviewer, target=citation, grade=1, rationale="R")
            services.grade_set(actor=w.second_reviewer, target=source, grade="E" if i % 4 == 1 else "B", rationale="R")
            services.grade_set(actor=w.second_reviewer, target=citation, grade=5 if i % 4 == 1 else 1, rationale="R")
        services.dispute_raise(actor=w.researcher, target=claim, reason="R", proposed="refuted")


QUEUE_PAGES = [("reviewer", "/review/"), ("editor", "/review/"), ("editor", "/review/adjudicate/")]


def test_the_queue_pages_run_the_same_queries_for_a_little_or_a_lot_of_data(client, request, contested):
    # Every page in one test: growing the data is most of its time.
    def measure(persona: str, url: str) -> int:
        client.force_login(request.getfixturevalue(persona))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    _grow(contested, 4)
    small = {page: measure(*page) for page in QUEUE_PAGES}
    _grow(contested, 60, start=4)
    assert {page: measure(*page) for page in QUEUE_PAGES} == small
    # Session, user and roles (3), the navigation's count (1), then /review/: a page of sources
    # and one of citations (2); /review/adjudicate/: the sources and citations far apart (2 each),
    # the "confirmed" candidates, their claims, lines (2) and grades (5), the disputes and their count (2).
    assert small == {page: 6 if page[1] == "/review/" else 15 for page in QUEUE_PAGES}


# --- the stored citation count -------------------------------------------------------------


def _import(w: World):
    report = claims_import(
        actor=w.editor,
        data=b"key,topic,statement,sources\nnew-claim,Date of execution,New.,memoir: p. 2|shvernik-1964: p. 9\n",
    )
    assert not report.errors, report.errors


def _staff_moves_citation(w: World, staff):
    w.r10.source = w.memoir
    services.staff_save(actor=staff, instance=w.r10)


WRITES = {
    "citation added": lambda w, s: services.citation_create(
        actor=w.researcher, claim=w.claims["june-12"], source=w.memoir, locator="p. 9"
    ),
    "citation's source changed": lambda w, s: services.citation_update(
        actor=w.researcher, citation=w.r11, data={"source": w.memoir}
    ),
    "citation moved to another source in the admin": _staff_moves_citation,
    "citation deleted in the admin": lambda w, s: services.staff_delete(actor=s, instance=w.r10),
    "claim deleted in the admin (its citations with it)": lambda w, s: services.staff_delete(
        actor=s, instance=w.claims["june-10"]
    ),
    "claims imported from CSV": lambda w, s: _import(w),
}


def _stored() -> dict[int, int]:
    return dict(Source.objects.values_list("pk", "citation_count"))


def _fresh(stored: dict[int, int]) -> dict[int, int]:
    counts = fresh_citation_counts(stored)
    return {pk: counts.get(pk, 0) for pk in stored}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_after_every_kind_of_write_each_sources_stored_citation_count_equals_a_fresh_one(world, staff, write):
    before = _stored()
    assert before == _fresh(before) and before[world.rogovin.pk] == 3
    WRITES[write](world, staff)
    stored = _stored()
    assert stored == _fresh(stored)
    assert stored != before, "the write changed no count: the test proves nothing"


def test_a_source_saved_from_a_copy_read_before_a_citation_keeps_the_count(world, researcher):
    stale = Source.objects.get(key="memoir")
    services.citation_create(actor=researcher, claim=world.claims["june-12"], source=world.memoir, locator="p. 7")
    services.source_update(actor=researcher, source=stale, data={"title": "A memoir, 2nd ed."})
    assert Source.objects.get(key="memoir").citation_count == 2


def test_refresh_counts_and_the_migration_repair_counts_written_wrong(world, capsys):
    right = _stored()
    Source.objects.update(citation_count=7)
    call_command("refresh_counts")
    assert "Corrected the citation count of 4 sources." in capsys.readouterr().out
    assert _stored() == right
    Source.objects.update(citation_count=0)
    fill_citation_counts(apps, None)
    assert _stored() == right


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # (A handful of rows: the planner would rather sort them; the point is that it can use the index.)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        return queryset.explain()


def test_the_queue_reads_the_sources_in_order_from_the_index(reviewer, world):
    plan = _plan(queues.waiting_sources(reviewer)[:25])
    assert "source_by_citations_idx" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan.replace("Sort Key", ""), plan


@pytest.fixture
def crowded(world, researcher, reviewer) -> World:
    """Besides the world's: a source cited by 300 claims, a third of whose citations the reviewer
    graded, so that it fills the first eight pages; 300 sources cited 0 to 6 times each; and the
    statistics of all of them, so that reading whole tables and sorting them is not cheaper."""
    topic = world.claims["june-10"].topic
    big = Source.objects.create(key="most-cited", kind="monograph", level="primary", title="M", citation_count=300)
    claims = Claim.objects.bulk_create(
        [Claim(key=f"cites-{n}", topic=topic, statement="S.", created_by=researcher) for n in range(300)]
    )
    graded = Citation.objects.bulk_create([Citation(claim=claim, source=big, locator="f. 1") for claim in claims])
    CitationAssessment.objects.bulk_create(
        [CitationAssessment(citation=c, reviewer=reviewer, grade=2, rationale="R") for c in graded[::3]]
    )
    sources = Source.objects.bulk_create(
        [
            Source(key=f"bulk-{n}", kind="monograph", level="secondary", title="B", citation_count=n % 7)
            for n in range(300)
        ]
    )
    Citation.objects.bulk_create(
        [
            Citation(claim=claims[n], source=source, locator=f"p. {n}")
            for source in sources
            for n in range(source.citation_count)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    world.big = big
    return world


def test_every_page_of_citations_follows_the_queue_order(crowded, reviewer):
    """The most-cited source's 200 waiting citations fill the first eight pages; each page is
    what the whole ordered list gives at its place, to the last one."""
    everything = list(queues.waiting_citations(reviewer).order_by(*queues.CITATION_ORDER).values_list("pk", flat=True))
    assert len(everything) > 8 * queues.PER_PAGE
    big = list(crowded.big.citations.exclude(assessments__reviewer=reviewer).order_by("claim_id", "pk"))
    number = 1
    while True:
        window = queues.citation_window(reviewer, number)
        start = (number - 1) * queues.PER_PAGE
        assert [c.pk for c in window.rows] == everything[start : start + queues.PER_PAGE], number
        if number == 1:
            assert [c.pk for c in window.rows] == [c.pk for c in big[: queues.PER_PAGE]]
        if not window.has_next:
            break
        number += 1
    assert number == -(-len(everything) // queues.PER_PAGE)
    assert queues.citation_window(reviewer, number + 1).rows == []


def _page_plan(user, offset: int):
    """The plan of the page's ids: SQLite's EXPLAIN QUERY PLAN as text, PostgreSQL's EXPLAIN
    ANALYZE as JSON (what each step of the plan read)."""
    sql, params = queues.citation_page_sql(user, offset, queues.PER_PAGE + 1)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]


def _steps(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _steps(child)


def test_a_page_reads_each_sources_citations_in_order_from_the_index_and_stops(reviewer, crowded):
    """The most-cited source has 300 citations; a page reads about as many of them as it shows
    and has passed over, with those graded among them (PostgreSQL sorts a few dozen at a time),
    not all of them, sorted, before the first row, as it would for the join Django writes."""
    if connection.vendor == "sqlite":
        for offset in (0, 2 * queues.PER_PAGE):
            plan = _page_plan(reviewer, offset)
            assert "source_by_citations_idx" in plan and "citation_source_claim_idx" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # no sort: both indexes read in order
        return
    for offset in (0, queues.PER_PAGE):
        steps = list(_steps(_page_plan(reviewer, offset)))
        names = {step.get("Index Name") for step in steps}
        assert {"source_by_citations_idx", "citation_source_claim_idx"} <= names, steps[0]
        read = [
            step["Actual Rows"] * step["Actual Loops"] + step.get("Rows Removed by Filter", 0)
            for step in steps
            if step.get("Index Name") == "citation_source_claim_idx"
        ]
        assert sum(read) < 100 + 2 * offset, steps[0]
