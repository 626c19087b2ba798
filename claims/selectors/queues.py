"""The review queues: what waits for one reviewer's grade (/review/), and what an editor should
look at (/review/adjudicate/).

A reviewer's queue is the sources and citations they have not graded, or graded in an earlier
version (CitationAssessment.outdated), less their own work (roles.own_work_in_grading), the
most-cited first: sources by Source.citation_count (stored, read from source_by_citations_idx),
citations by their source's count, source by source, each source's in the order their claims
were entered (citation_source_claim_idx). The queue shows nothing of anyone else's grades: it
is a list of things to grade, and blind grading (selectors/blind.py) hides the rest until the
reviewer has graded.

Cost: a page of either list is one query (a LIMIT one row past the page, so no COUNT of the
whole queue), and the count in the navigation is one query counting at most NAV_CAP of each.
Both pages walk the targets in queue order and skip what the reviewer graded, so page N reads
the N pages' worth of rows before and on it, with what the reviewer graded among them, not
the whole queue. The citations' page does so on SQLite and PostgreSQL alike through SQL of its
own (citation_page_sql, which says why): for the join Django writes, PostgreSQL sorts all of
a source's citations (5,000 for the most-cited at 100,000 claims) before the first row, and
SQLite scanned and sorted every citation. Measured (bench/pages.py's data, 100,000 claims
against 1,000), the page's ids on PostgreSQL: the first page 1.2 ms against 0.9 ms, the 40th
8.5 ms against 6.6 ms (the join Django writes: 125 and 138 ms at 100k, EXPLAIN ANALYZE).
The navigation's count takes the first NAV_CAP waiting rows in whatever order the database
reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Exists, F, IntegerField, Max, Min, OuterRef, QuerySet, Sum, Value, When
from django.db.models.expressions import RawSQL, Subquery
from django.db.models.functions import Coalesce

from claims import roles
from claims.grading import Credibility, Reliability
from claims.models import Citation, CitationAssessment, Claim, Source, SourceAssessment
from claims.selectors.lines import ClaimLines, claim_evidence_lines

PER_PAGE = 25
NAV_CAP = 100  # the navigation counts this many of each list at most ("99+")
SECTION_CAP = 25  # rows of each section of /review/adjudicate/
COUNT_CAP = 1000  # "and N more" counts this many at most
SPREAD = 3  # grades this many steps apart are a disagreement to adjudicate
CONFIRMED_CANDIDATES = 200  # "confirmed" grades whose claims' lines are worked out per page


def fresh_citation_counts(source_ids: Iterable[int]) -> dict[int, int]:
    """source id -> its number of citations, counted now (services.source_citation_counts_refresh),
    from citation_source_claim_idx; sources without citations are left out."""
    rows = (
        Citation.objects.filter(source_id__in=list(source_ids))
        .order_by()
        .values("source_id")
        .annotate(n=Count("pk"))
        .values_list("source_id", "n")
    )
    return dict(rows)


# --- A reviewer's queue -----------------------------------------------------------------


def waiting_sources(user) -> QuerySet[Source]:
    """The sources the user has not graded and did not add, most-cited first."""
    mine = SourceAssessment.objects.filter(source=OuterRef("pk"), reviewer=user)
    return Source.objects.filter(~Exists(mine)).exclude(created_by=user).order_by("-citation_count", "key")


def waiting_citations(user) -> QuerySet[Citation]:
    """The citations without a current grade of the user's, of claims and citations they did
    not add, in no order (citation_window reads a page of them in queue order)."""
    current = CitationAssessment.objects.filter(citation=OuterRef("pk"), reviewer=user, outdated=False)
    # Who added each citation's claim, looked up by the claim's key row by row: as a join (or
    # NOT EXISTS) SQLite builds a Bloom filter of every claim and PostgreSQL an anti-join over a
    # scan of every claim (claims.created_by has no index) before the page's first row.
    claim_author = Subquery(Claim.objects.filter(pk=OuterRef("claim_id")).order_by().values("created_by_id")[:1])
    return (
        Citation.objects.alias(claim_author=Coalesce(claim_author, 0, output_field=IntegerField()))
        .filter(~Exists(current))
        .exclude(claim_author=user.pk)
        .exclude(created_by=user)
        .order_by()
    )


# The citations' queue order: by their source's citation count, then source, then claim in the
# order the claims were entered (not by claim key: citation_source_claim_idx (source, claim, id)
# holds the claim's id, so each source's citations come in order from the index).
CITATION_ORDER = (F("source__citation_count").desc(), "source__key", "source_id", "claim_id", "pk")


def citation_page_sql(user, offset: int, limit: int) -> tuple[str, tuple]:
    """SQL and parameters of the ids of the user's waiting citations `offset` to `offset + limit`
    in queue order (CITATION_ORDER): the sources one at a time from source_by_citations_idx,
    each one's citations in order from citation_source_claim_idx (source, claim, id), so that a
    page reads its `offset + limit` citations (and those the user graded among them) at any size.

    Written out because neither database finds that plan for the join Django writes:
    - SQLite keeps an index's order through a nested loop only when the outer loop's ORDER BY
      terms are distinct row by row: the source's count and key, then its own id (the rowid;
      Django's source__id is the citation's source_id, which is not the outer loop's). Even
      then, told the LIMIT (Django writes it into the SQL), it reckoned scanning all 150,000
      citations at 100k claims and keeping the first 26 cheaper: 500 ms a page. Its CROSS JOIN
      keeps the table on its left the outer loop (sqlite.org/optoverview.html, "Manual Control
      Of Query Plans Using CROSS JOIN"): the sources, read in order from their index.
    - PostgreSQL never keeps the inner side's order through a nested loop: it sorts each
      source's citations after the join (an Incremental Sort whose groups are the sources), on
      the first page all 5,000 of the most-cited source at 100k claims, each with its checks.
      So each source's citations come from a LATERAL subquery in index order that stops after
      `offset + limit` (no page needs more of one source): the sort's groups hold that many at
      most. That limit is a subquery, which the planner cannot read in advance, so it plans to
      read part of each source (the index in order, stopping early); with the number itself it
      compares it with its guess of a source's citations (their mean, 75 at 100k claims) and,
      once the limit is above that (from the third page on), reads and sorts each source's
      citations whole: 40 ms instead of 8 for page 40 at 100k claims.
    The outer ORDER BY is the whole queue order on both: the sources' index gives its first
    terms, and only each source's few rows are put in order (SQLite: none).
    """
    quote = connection.ops.quote_name
    waiting, params = waiting_citations(user).values("id", "claim_id", "source_id").query.sql_with_params()
    source, count, key, pk = map(quote, (Source._meta.db_table, "citation_count", "key", "id"))
    if connection.vendor == "postgresql":
        citations = (
            f"LATERAL (SELECT mine.id, mine.claim_id FROM ({waiting}) mine WHERE mine.source_id = queue_source.{pk} "
            "ORDER BY mine.claim_id, mine.id LIMIT (SELECT %s)) waiting"
        )
        params, joined = (*params, offset + limit), ""
    else:
        citations, joined = f"({waiting}) waiting", f"WHERE waiting.source_id = queue_source.{pk}"
    sql = (
        f"SELECT waiting.id FROM {source} queue_source CROSS JOIN {citations} {joined} "
        f"ORDER BY queue_source.{count} DESC, queue_source.{key}, queue_source.{pk}, waiting.claim_id, waiting.id "
        "LIMIT %s OFFSET %s"
    )
    return sql, (*params, limit, offset)


@dataclass
class Window:
    """One page of a list read without counting the list: its rows and whether more follow."""

    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start(self) -> int:
        return (self.number - 1) * PER_PAGE + 1


def _page_number(value) -> int:
    # As the other lists: anything that is not a page number gives the first page.
    try:
        return max(1, min(int(value), 10_000))
    except (TypeError, ValueError):
        return 1


def window_of(ordered: QuerySet, number) -> Window:
    """Page `number` of `ordered`: one query, one row past the page telling whether another follows."""
    number = _page_number(number)
    offset = (number - 1) * PER_PAGE
    rows = list(ordered[offset : offset + PER_PAGE + 1])
    return Window(rows=rows[:PER_PAGE], number=number, has_next=len(rows) > PER_PAGE)


def source_window(user, number) -> Window:
    return window_of(waiting_sources(user).only("key", "title", "kind", "citation_count"), number)


def citation_window(user, number) -> Window:
    """Page `number` of the user's waiting citations with their claims and sources: one query,
    the page's ids (citation_page_sql, one row past the page) read in a subquery."""
    number = _page_number(number)
    ids = RawSQL(*citation_page_sql(user, (number - 1) * PER_PAGE, PER_PAGE + 1))
    outdated = CitationAssessment.objects.filter(citation=OuterRef("pk"), reviewer=user, outdated=True)
    page = Citation.objects.filter(pk__in=ids).select_related("claim", "source").order_by(*CITATION_ORDER)
    rows = list(page.annotate(regrade=Exists(outdated)))  # whether the user's grade is of an earlier version
    return Window(rows=rows[:PER_PAGE], number=number, has_next=len(rows) > PER_PAGE)


def _capped_sql(queryset: QuerySet, cap: int) -> tuple[str, tuple]:
    sql, params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
    return f"(SELECT COUNT(*) FROM ({sql}) capped)", params


def waiting_count(user) -> int:
    """How many targets wait for the user's grade, counting at most NAV_CAP of each kind: one
    query, or none for a user who may not grade; remembered on the user for the request (the
    navigation and the queue page both show it)."""
    if not roles.can_assess(user):
        return 0
    if not hasattr(user, "_review_queue_count"):
        sources, source_params = _capped_sql(waiting_sources(user), NAV_CAP)
        citations, citation_params = _capped_sql(waiting_citations(user), NAV_CAP)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sources} + {citations}", (*source_params, *citation_params))
            user._review_queue_count = cursor.fetchone()[0]
    return user._review_queue_count


def shown_count(count: int) -> str:
    """The count as the navigation shows it: "99+" past the cap."""
    return f"{NAV_CAP - 1}+" if count >= NAV_CAP else str(count)


# --- Adjudication (editors) -------------------------------------------------------------


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, counting at most `cap`: one query reading at most that many."""
    return queryset.order_by().values("pk")[:cap].count()


def _reliability_rank() -> Case:
    letters = [letter for letter in Reliability.values if letter != Reliability.F]
    return Case(
        *[When(grade=letter, then=Value(n)) for n, letter in enumerate(letters, 1)], output_field=IntegerField()
    )


def spread_sources() -> QuerySet:
    """source id and spread of the sources whose reliability grades lie SPREAD or more steps
    apart (F left out), the newest sources first: one grouped query over the grades, read
    backwards from the index by source, so that a LIMIT stops it once it has found enough (it
    reads every grade only when fewer than that many disagree)."""
    return (
        SourceAssessment.objects.exclude(grade=Reliability.F)
        .order_by()
        .values("source_id")
        .annotate(spread=Max(_reliability_rank()) - Min(_reliability_rank()))
        .filter(spread__gte=SPREAD)
        .order_by("-source_id")
    )


def spread_citations() -> QuerySet:
    """As spread_sources, for the current credibility grades of citations (6 and grades of an
    earlier version left out)."""
    return (
        CitationAssessment.objects.filter(outdated=False)
        .exclude(grade=Credibility.CANNOT_BE_JUDGED)
        .order_by()
        .values("citation_id")
        .annotate(spread=Max("grade") - Min("grade"))
        .filter(spread__gte=SPREAD)
        .order_by("-citation_id")
    )


@dataclass
class Disagreement:
    target: Source | Citation
    spread: int
    grades: list[SourceAssessment] | list[CitationAssessment]


def disagreements(grouped: QuerySet, number, *, graded: str) -> Window:
    """Page `number` of `grouped` (spread_sources or spread_citations), each target with its
    grades and their reviewers: two queries (one when there are none). Paged, not counted: a
    count would read every grade whenever fewer than it disagree."""
    field = f"{graded}_id"
    window = window_of(grouped.values_list(field, "spread"), number)
    found = window.rows
    ids = [pk for pk, _spread in found]
    if graded == "source":
        grades: QuerySet = SourceAssessment.objects.filter(source_id__in=ids).select_related("reviewer", "source")
        grades = grades.order_by("grade", "reviewer__username")
    else:
        grades = CitationAssessment.objects.filter(citation_id__in=ids, outdated=False).select_related(
            "reviewer", "citation__claim", "citation__source"
        )
        grades = grades.order_by("grade", "reviewer__username")
    by_target: dict[int, list] = {pk: [] for pk in ids}
    targets: dict[int, Any] = {}
    for grade in grades:
        by_target[getattr(grade, field)].append(grade)
        targets[getattr(grade, field)] = getattr(grade, graded)
    window.rows = [Disagreement(targets[pk], spread, by_target[pk]) for pk, spread in found if pk in targets]
    return window


def confirmed_citations() -> QuerySet:
    """The ids of the citations whose consensus credibility is 1 ("confirmed by
    other sources"): the mean of their current grades other than 6 rounds to 1
    (grading.consensus_credibility), i.e. 2 × sum < 3 × count; the newest citations first.
    One grouped query, read backwards from the index by citation (as spread_sources)."""
    return (
        CitationAssessment.objects.filter(outdated=False)
        .exclude(grade=Credibility.CANNOT_BE_JUDGED)
        .order_by()
        .values("citation_id")
        .annotate(excess=2 * Sum("grade") - 3 * Count("pk"))
        .filter(excess__lt=0)
        .order_by("-citation_id")
    )


def _alone(lines: ClaimLines, citation_id: int) -> bool:
    """Whether the citation supports its claim on the claim's single line of supporting evidence."""
    line = lines.line_of.get(citation_id)
    return line is not None and line.stance == Citation.Stance.SUPPORTS and lines.supporting_lines == 1


@dataclass
class Unconfirmed:
    citation: Citation
    grades: list[CitationAssessment]


def confirmed_on_one_line() -> tuple[list[Unconfirmed], int, bool]:
    """Citations graded "confirmed by other sources" whose claim has a single independent line
    of supporting evidence (selectors/lines.py): nothing independent confirms them. The first
    CONFIRMED_CANDIDATES confirmed citations are checked (their claims' lines: two queries);
    returns the first SECTION_CAP found with their grades, how many were found, and whether
    more candidates were left unchecked. Five queries (one when there are none)."""
    ids = list(confirmed_citations()[: CONFIRMED_CANDIDATES + 1].values_list("citation_id", flat=True))
    more = len(ids) > CONFIRMED_CANDIDATES
    chosen = Citation.objects.filter(pk__in=ids[:CONFIRMED_CANDIDATES]).order_by()
    claim_of = dict(chosen.values_list("pk", "claim_id"))
    candidates = sorted(claim_of.items(), reverse=True)
    lines = claim_evidence_lines({claim_id for _pk, claim_id in candidates})
    single = [pk for pk, claim_id in candidates if _alone(lines[claim_id], pk)]
    shown = single[:SECTION_CAP]
    grades = (
        CitationAssessment.objects.filter(citation_id__in=shown, outdated=False)
        .select_related("reviewer", "citation__claim", "citation__source")
        .order_by("grade", "reviewer__username")
    )
    by_citation: dict[int, list[CitationAssessment]] = {pk: [] for pk in shown}
    for grade in grades:
        by_citation[grade.citation_id].append(grade)
    found = [Unconfirmed(given[0].citation, given) for pk in shown if (given := by_citation[pk])]
    return found, len(single), more
