"""Date conflicts (issue 13, point 4): two claims of a topic whose dates cannot both be true,
found by the database a page at a time, on the topic page, on /conflicts/ and in the CSV."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.csv.claims_csv import claims_import
from claims.csv.claims_export import claims_export
from claims.models import Claim, Topic
from claims.selectors import conflicts
from tests.test_pages import main_text, text_of

ROLE_HOLDERS = ["researcher", "reviewer", "editor", "staff"]


@pytest.fixture
def seed(db, seed_for_the_module) -> None:
    """The seed data set (loaded once for the module)."""


@pytest.fixture
def dated(topic, editor):
    """A claim of the topic with this key and date (and status, set by the editor)."""

    def make(key: str, event_date: str, status: str = Claim.Status.OPEN, of: Topic | None = None) -> Claim:
        return services.claim_create(
            actor=editor,
            key=key,
            topic=of or topic,
            statement=f"The convicted were shot ({key}).",
            event_date=event_date,
            status=status,
        )

    return make


def pairs(topic=None) -> set[tuple[str, str]]:
    page = conflicts.conflicts_page(topic=topic, number=1, user=None, per_page=1000)
    return {(c.earlier.key, c.later.key) for c in page.object_list}


def conflict_keys(*claims: Claim) -> dict[str, list[str]]:
    found = conflicts.conflicts_with(c.pk for c in claims)
    return {c.key: found.get(c.pk, []) for c in claims}


# --- the rule ---------------------------------------------------------------------------


def test_two_different_days_conflict_once_the_earlier_first(topic, dated):
    dated("shot-12-june", "1937-06-12")
    dated("shot-11-june", "1937-06-11")
    assert pairs(topic) == {("shot-11-june", "shot-12-june")}
    assert conflicts.conflict_count(topic=topic) == 1


def test_a_date_that_holds_the_other_is_compatible_interval_and_set(topic, dated):
    dated("shot-11-june", "1937-06-11")
    dated("night-interval", "1937-06-11/1937-06-12")
    dated("night-one-of", "[1937-06-11,1937-06-12]")
    dated("the-month", "1937-06")
    assert pairs(topic) == set()


def test_an_interval_conflicts_with_a_day_outside_it(topic, dated):
    dated("night-interval", "1937-06-11/1937-06-12")
    dated("one-of-two", "[1937-06-11,1937-06-12]")
    dated("shot-14-june", "1937-06-14")
    assert pairs(topic) == {("night-interval", "shot-14-june"), ("one-of-two", "shot-14-june")}


def test_uncertain_and_approximate_dates_use_their_stored_bounds(topic, dated):
    uncertain = dated("possibly-11-june", "1937-06-11?")
    approximate = dated("about-1937", "1937~")
    later = dated("shot-12-june", "1937-06-12")
    other_year = dated("in-1938", "1938-02-01")
    assert conflict_keys(uncertain, approximate, later, other_year) == {
        "possibly-11-june": ["in-1938", "shot-12-june"],
        "about-1937": ["in-1938"],
        "shot-12-june": ["in-1938", "possibly-11-june"],
        "in-1938": ["about-1937", "possibly-11-june", "shot-12-june"],
    }


def test_an_open_end_never_conflicts_on_that_side(topic, dated):
    dated("until-1937", "../1937")
    dated("from-11-june-on", "1937-06-11/..")
    dated("in-1936", "1936-05-01")
    dated("in-1940", "1940-05-01")
    # "../1937" ends in 1937: before 1940, never after anything; "1937-06-11/.." starts on 11 June
    # 1937: after 1936, never before anything.
    assert pairs(topic) == {("until-1937", "in-1940"), ("in-1936", "from-11-june-on"), ("in-1936", "in-1940")}


def test_refuted_and_undated_claims_never_conflict(topic, dated):
    dated("shot-11-june", "1937-06-11")
    dated("refuted-12-june", "1937-06-12", status=Claim.Status.REFUTED)
    dated("undated", "")
    assert pairs(topic) == set()
    dated("shot-13-june", "1937-06-13", status=Claim.Status.CONTESTED)
    assert pairs(topic) == {("shot-11-june", "shot-13-june")}


def test_claims_of_different_topics_never_conflict(topic, dated, editor):
    other = services.topic_create(actor=editor, title="Date of the verdict")
    dated("shot-11-june", "1937-06-11")
    dated("verdict-12-june", "1937-06-12", of=other)
    assert pairs() == set()
    assert conflicts.conflicts_with(Claim.objects.values_list("pk", flat=True)) == {}


def test_the_seed_shows_the_11_against_12_june_conflict_of_the_date_of_execution(seed):
    topic = Topic.objects.get(slug="date-of-execution")
    assert ("execution-11-june", "execution-12-june") in pairs(topic)
    found = pairs(topic)
    assert not any("execution-night-11-12" in pair or "execution-date-discrepancy" in pair for pair in found)


def test_the_count_stops_past_the_limit_and_only_the_limit_is_listed(topic, dated, monkeypatch):
    monkeypatch.setattr(conflicts, "COUNT_LIMIT", 3)
    for day in range(1, 5):
        dated(f"shot-{day}-june", f"1937-06-{day:02}")  # 6 pairs
    assert conflicts.conflict_count(topic=topic) == 4  # counted up to the limit and one more
    page = conflicts.conflicts_page(topic=topic, number=1, user=None, per_page=2)
    assert page.more_than_listed and page.paginator.count == 3 and page.paginator.num_pages == 2
    assert [(c.earlier.key, c.later.key) for c in page.object_list] == [
        ("shot-1-june", "shot-2-june"),
        ("shot-1-june", "shot-3-june"),
    ]


# --- the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_HOLDERS)
def test_every_role_holder_sees_the_conflicts_on_the_topic_page_and_on_conflicts(client, request, role, seed):
    client.force_login(request.getfixturevalue(role))
    topic_page = main_text(client.get("/topics/date-of-execution/"))
    assert "Date conflicts (2)" in topic_page
    assert "11 June 1937" in topic_page and "12 June 1937" in topic_page
    listing = client.get("/conflicts/?topic=date-of-execution")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert 'href="/claims/execution-11-june/"' in page and 'href="/claims/execution-12-june/"' in page
    assert "2 conflicts on Date of execution" in main_text(listing)


def test_outsiders_and_visitors_get_what_the_site_gives_them(client, outsider, seed):
    for url in ("/conflicts/", "/conflicts/?topic=date-of-execution"):
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    for url in ("/conflicts/", "/conflicts/?topic=date-of-execution"):
        response = client.get(url)
        assert response.status_code == 403
        assert "has no role" in response.content.decode()
    assert client.post("/conflicts/").status_code == 405  # a page: GET and HEAD only


def test_a_conflict_shows_both_dates_in_words_and_both_evidence_summaries(client, researcher, seed):
    client.force_login(researcher)
    page = client.get("/topics/date-of-execution/").content.decode()
    section = page.split('id="conflicts"', 1)[1].split("</section>", 1)[0]
    row = next(r for r in section.split('<tr class="conflict">')[1:] if "execution-11-june" in r)
    seen = text_of(row)
    assert "11 June 1937" in seen and "12 June 1937" in seen and "vs" in seen
    assert seen.count("evidence") == 2 and "citation" in seen
    assert 'href="/claims/execution-11-june/"' in row and 'href="/claims/execution-12-june/"' in row
    assert 'href="/topics/date-of-execution/timeline/"' in section


def test_an_interval_reads_in_words_on_the_conflicts_page(client, researcher, topic, dated):
    dated("night-interval", "1937-06-11/1937-06-12")
    dated("shot-14-june", "1937-06-14")
    client.force_login(researcher)
    seen = main_text(client.get(f"/conflicts/?topic={topic.slug}"))
    assert "11–12 June 1937" in seen and "14 June 1937" in seen


def test_an_unknown_topic_is_reported_on_the_conflicts_page(client, researcher, seed):
    client.force_login(researcher)
    response = client.get("/conflicts/?topic=no-such-topic")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "No conflicts are listed" in main_text(response)


def test_the_conflicts_page_lists_every_topic_and_is_paged(client, researcher, topic, dated, editor):
    other = services.topic_create(actor=editor, title="Date of the verdict")
    for day in range(1, 9):
        dated(f"shot-{day}-june", f"1937-06-{day:02}")  # 28 pairs
    dated("verdict-1", "1937-06-10", of=other)
    dated("verdict-2", "1937-06-11", of=other)
    client.force_login(researcher)
    first = client.get("/conflicts/")
    assert "29 conflicts" in main_text(first) and "Page 1 of 2" in main_text(first)
    last = main_text(client.get("/conflicts/?page=2"))
    assert "Date of the verdict" in last and "verdict-1" in last
    topic_page = client.get(f"/topics/{topic.slug}/?conflicts=2")
    assert "Date conflicts (28)" in main_text(topic_page) and "Page 2 of 2" in main_text(topic_page)


PAGES = ["/conflicts/", "/conflicts/?topic=date-of-execution&page=2", "/topics/date-of-execution/?conflicts=1"]


@pytest.mark.parametrize("url", PAGES)
def test_each_conflicts_page_runs_the_same_queries_however_many_claims(client, researcher, editor, url):
    topic = services.topic_create(actor=editor, title="Date of execution")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            services.claim_create(
                actor=editor, key=f"shot-{n}", topic=topic, statement=f"Shot ({n}).", event_date=f"{1900 + n}-06-11"
            )

    add(10, 0)
    client.force_login(researcher)

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert "shot-" in response.content.decode()
        return len(queries)

    small = measure()
    add(40, 10)
    assert measure() == small


# --- the CSV ----------------------------------------------------------------------------


def exported(actor) -> dict[str, dict[str, str]]:
    out = io.StringIO()
    claims_export(out=out, actor=actor)
    return {row["key"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}


def test_the_csv_lists_each_claims_conflicts_last_and_the_import_ignores_them(researcher, editor, seed):
    rows = exported(researcher)
    header = list(next(iter(rows.values())))
    assert header[-1] == "conflicts_with"
    assert rows["execution-11-june"]["conflicts_with"] == "execution-12-june"
    assert rows["execution-12-june"]["conflicts_with"] == "execution-11-june | verdict-2335"
    assert rows["execution-night-11-12"]["conflicts_with"] == ""
    out = io.StringIO()
    claims_export(out=out, actor=editor)
    report = claims_import(actor=editor, data=out.getvalue().encode())
    assert report.ok, report.errors
    assert exported(researcher) == rows


def test_the_csv_reads_conflicts_with_one_query_a_chunk(researcher, editor, topic, dated):
    for day in range(1, 6):
        dated(f"shot-{day}-june", f"1937-06-{day:02}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exported(researcher)
        return len(captured)

    queries()  # (the first export of a process reads what it caches)
    few = queries()
    for day in range(6, 26):
        dated(f"shot-{day}-june", f"1937-06-{day:02}")
    assert queries() == few
    cell = exported(researcher)["shot-3-june"]["conflicts_with"].split(" | ")
    assert len(cell) == conflicts.CELL_KEYS + 1 and cell[-1] == f"… and {24 - conflicts.CELL_KEYS} more"


def test_a_csv_cell_lists_the_nearest_conflicts_and_counts_the_rest(researcher, topic, dated, monkeypatch):
    # A claim of a big topic of single days conflicts with nearly all of it: the cell stays
    # readable (a spreadsheet cell holds 32,767 characters) and says how many it leaves out.
    monkeypatch.setattr(conflicts, "CELL_KEYS", 4)
    for day in range(1, 11):
        dated(f"shot-{day:02}-june", f"1937-06-{day:02}")
    dated("shot-june", "1937-06")  # (holds every day: no conflict)
    cells = {key: row["conflicts_with"] for key, row in exported(researcher).items()}
    # The two nearest on each side, sorted, then the count of the rest.
    assert cells["shot-05-june"] == "shot-03-june | shot-04-june | shot-06-june | shot-07-june | … and 5 more"
    # With none before it, the four after it.
    assert cells["shot-01-june"] == "shot-02-june | shot-03-june | shot-04-june | shot-05-june | … and 5 more"
    assert cells["shot-10-june"] == "shot-06-june | shot-07-june | shot-08-june | shot-09-june | … and 5 more"
    assert cells["shot-june"] == ""


def test_a_blind_reviewer_sees_no_evidence_grade_of_a_conflict_until_grading(
    client, researcher, reviewer, second_editor, topic, dated
):
    source = services.source_create(
        actor=researcher, key="rogovin", kind="monograph", level="secondary", title="1937: Stalin's Year of Terror"
    )
    eleventh = dated("shot-11-june", "1937-06-11")
    dated("shot-12-june", "1937-06-12")
    citation = services.citation_create(actor=researcher, claim=eleventh, source=source)
    # (The editor added the claims: another editor grades.)
    services.grade_set(actor=second_editor, target=source, grade="B", rationale="Careful historian.")
    services.grade_set(actor=second_editor, target=citation, grade=2, rationale="Consistent.")

    def conflicts_seen_by(user) -> str:
        client.force_login(user)
        return "".join(
            client.get(url).content.decode() for url in (f"/conflicts/?topic={topic.slug}", f"/topics/{topic.slug}/")
        ).split('id="main"', 1)[1]

    blind = conflicts_seen_by(reviewer)
    assert ">B2<" not in blind and ">hidden<" in blind
    assert ">B2<" in conflicts_seen_by(researcher)
