"""Reads behind the researchers' list pages: topics, claims, sources, people and disputes.

Every page costs the same however many claims, citations, grades, annotations and
disputes exist. A page of claims is cut from an index in the page's order (claims/sorting.py,
paging.page_of), and only then are its rows read and their counts worked out, for those
rows alone (with_row_counts); the topics' counts are kept as they change (TopicSummary).
Evidence and consensus grades come from the grade selectors (claims/selectors/grades.py).

"Open disputes" of a claim are the open disputes of the claim itself, of a grade of
one of its citations, and of a grade of a source it cites (that grade enters the
claim's evidence grade). A topic's open disputes are those of its claims, each
dispute counted once.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from claims import authority, sorting, targets
from claims.grading import CREDIBILITY_DEFINITIONS, RELIABILITY_DEFINITIONS
from claims.models import Citation, Claim, Dispute, Person, Source, Topic, TopicSummary
from claims.search import query as search
from claims.translit import romanize

from .blind import BLIND_NOTICE, GradeVisibility
from .grades import HIDDEN, claim_evidence_grades, source_consensus
from .lines import claim_evidence_lines
from .paging import ROWS_PER_PAGE, page_of
from .ratings import RatingVisibility

# --- building blocks ---------------------------------------------------------------


def disputed_claim_ids() -> QuerySet:
    """The ids of the claims with an open dispute (of the claim, of a grade of one of its
    citations, or of a grade of a source it cites), read from the open disputes.

    A query of its own kind for each path, each from an index: an OR across the three
    would have the database test every open dispute for every claim.
    """
    open_disputes = Dispute.objects.open()
    on_claims = open_disputes.filter(claim__isnull=False).values("claim_id")
    on_citation_grades = Citation.objects.filter(
        pk__in=open_disputes.filter(citation_assessment__isnull=False).values("citation_assessment__citation_id")
    ).values("claim_id")
    on_source_grades = Citation.objects.filter(
        source_id__in=open_disputes.filter(source_assessment__isnull=False).values("source_assessment__source_id")
    ).values("claim_id")
    return Claim.objects.filter(Q(pk__in=on_claims) | Q(pk__in=on_citation_grades) | Q(pk__in=on_source_grades)).values(
        "pk"
    )


def _grade_title(label: str | None) -> str:
    """The definitions behind an evidence grade such as "B2", for a tooltip."""
    if not label:
        return "No supporting citation."
    reliability, credibility = label[0], label[1:]
    parts = [
        f"Source: {RELIABILITY_DEFINITIONS[reliability]}"
        if reliability in RELIABILITY_DEFINITIONS
        else "Source not yet graded.",
        f"Citation: {CREDIBILITY_DEFINITIONS[int(credibility)]}"
        if credibility.isdigit()
        else "Citation not yet graded.",
    ]
    return " ".join(parts)


# --- topics ------------------------------------------------------------------------


def topics_at_a_glance(*, page=None) -> Page:
    """A page of the topics, by title, with claim_count, open_dispute_count and latest_activity.

    Three queries (paging.page_of): the counts and the latest activity are kept per topic
    as they change (TopicSummary, services.topic_summaries_refresh), not counted here.
    """
    page = page_of(Topic.objects.order_by("title"), page, rows=Topic.objects.select_related("summary"))
    for topic in page.object_list:
        summary = getattr(topic, "summary", None)
        topic.claim_count = summary.claim_count if summary else 0
        topic.open_dispute_count = summary.open_dispute_count if summary else 0
        topic.latest_activity = summary.latest_activity if summary else topic.created_at
    return page


# --- claims ------------------------------------------------------------------------


def with_row_counts(claims: Iterable[Claim]) -> list[Claim]:
    """Set citation_count and open_dispute_count on each of these claims (a page of them).

    Two queries, each reading only these claims' rows through indexes, whatever the
    number of claims and disputes stored.
    """
    claims = list(claims)
    ids = [c.pk for c in claims]
    if not ids:
        return claims
    citations = Citation.objects.order_by().filter(claim_id__in=ids)
    citation_counts = dict(citations.values("claim_id").annotate(n=Count("pk")).values_list("claim_id", "n"))
    # Every dispute of these claims, open or not (the state is checked here): asked for open
    # ones, the database would read all open disputes (their state's index) and test each.
    disputes_of = Dispute.objects.order_by()
    paths = (
        disputes_of.filter(claim_id__in=ids).values_list("pk", "claim_id", "state"),
        disputes_of.filter(citation_assessment__citation__claim_id__in=ids).values_list(
            "pk", "citation_assessment__citation__claim_id", "state"
        ),
        # A source's grade disputes count on every claim citing the source (once, if cited twice).
        disputes_of.filter(source_assessment__source__citations__claim_id__in=ids).values_list(
            "pk", "source_assessment__source__citations__claim_id", "state"
        ),
    )
    # One query: each path reads its own index from these claims (an OR would test every dispute).
    disputes: dict[int, set[int]] = defaultdict(set)
    for pk, claim_id, state in paths[0].union(*paths[1:], all=True):
        if state == Dispute.State.OPEN:
            disputes[claim_id].add(pk)
    for claim in claims:
        claim.citation_count = citation_counts.get(claim.pk, 0)
        claim.open_dispute_count = len(disputes[claim.pk])
    return claims


def with_evidence_grades(*, claims: Iterable[Claim], user) -> list[Claim]:
    """Set evidence_grade ("B2", None, or HIDDEN for a blind reviewer), evidence_grade_title and
    evidence_lines (selectors/lines.py: they show no grade, so blind reviewers see them too).

    Five queries, seven for a blind reviewer.
    """
    claims = list(claims)
    grades = claim_evidence_grades(claims, user=user) if claims else {}
    lines = claim_evidence_lines(claims)
    for claim in claims:
        claim.evidence_lines = lines[claim.pk]
        claim.evidence_grade = grades.get(claim.pk)
        claim.evidence_grade_title = (
            BLIND_NOTICE if claim.evidence_grade == HIDDEN else _grade_title(claim.evidence_grade)
        )
    return claims


BY_DATE = sorting.BY_DATE


def claims_page(
    ordered: QuerySet[Claim],
    number,
    *,
    user,
    per_page: int = ROWS_PER_PAGE,
    count: int | None = None,
    row_counts: bool = True,
    graded: bool = True,
) -> Page:
    """Page `number` of these ordered claims, each with its topic, (unless graded is False) its
    evidence grade and lines and (unless row_counts is False) its citation and open dispute counts."""
    page = page_of(ordered, number, rows=Claim.objects.select_related("topic"), per_page=per_page, count=count)
    claims = with_row_counts(page.object_list) if row_counts else page.object_list
    page.object_list = with_evidence_grades(claims=claims, user=user) if graded else claims
    return page


def topic_claims(*, topic: Topic, user, page=None, summed: bool = True) -> Page:
    """A page of the competing claims of one topic, earliest date first, undated last; with
    their evidence and counts unless summed is False (a timeline draws dates only)."""
    return claims_page(
        topic.claims.order_by(*BY_DATE),
        page,
        user=user,
        count=known_count(ClaimFilters(topic=topic)),
        row_counts=summed,
        graded=summed,
    )


def person_claims(*, person: Person, user, page=None, summed: bool = True) -> Page:
    """A page of the claims about a person, earliest date first, undated last; with their
    evidence and counts unless summed is False (a timeline draws dates only)."""
    links = Claim.people.through.objects.filter(person=person)
    return _claims_linked(links, links.count(), page, user=user, row_counts=summed, graded=summed)


def person_claims_made(*, person: Person, user, page=None) -> Page:
    """A page of the claims attributed to a person (their hypotheses, views, points), as person_claims."""
    links = Claim.attributed_to.through.objects.filter(person=person)
    count = links.count()
    if not count:  # (most people made no claim of the data set: no more queries for them)
        return Paginator(Claim.objects.none(), ROWS_PER_PAGE).get_page(1)
    return _claims_linked(links, count, page, user=user)


def source_claims(*, source: Source, user, page=None) -> Page:
    """A page of the claims citing a source, earliest date first, undated last; each claim's
    citations of the source (locator, stance) as cited_as."""
    citing = Citation.objects.filter(source=source)
    page = _claims_linked(
        citing, citing.order_by().values("claim_id").distinct().count(), page, user=user, row_counts=False
    )
    cited_as = defaultdict(list)
    for citation in citing.filter(claim_id__in=[c.pk for c in page.object_list]).order_by("locator", "pk"):
        cited_as[citation.claim_id].append(citation)
    for claim in page.object_list:
        claim.cited_as = cited_as[claim.pk]
    return page


def _claims_linked(links: QuerySet, count: int, number, *, user, row_counts: bool = True, graded: bool = True) -> Page:
    """A page of the claims that rows of `links` (with a claim_id) point at, by date.

    Two ways to the same page, chosen by how many claims there are: a few are fetched
    through the links' index and sorted; when they are a good share of all claims, the
    claims are walked in date order (an index, claim_by_date_idx) and each is checked
    for a link, stopping at the page: either way a page reads about sqrt(rows per page x
    all claims) rows at most, however many claims are linked. (SQLite plans each form
    as written; PostgreSQL plans both the same way by its statistics.)
    """
    total = TopicSummary.objects.aggregate(n=Sum("claim_count"))["n"] or 0
    if count * count > ROWS_PER_PAGE * total:
        linked = Claim.objects.filter(Exists(links.filter(claim=OuterRef("pk"))))
    else:
        linked = Claim.objects.filter(pk__in=links.values("claim_id"))
    return claims_page(linked.order_by(*BY_DATE), number, user=user, count=count, row_counts=row_counts, graded=graded)


BY_STATUS = (sorting.StatusRank(Claim.Status.values).asc(), *BY_DATE)
CLAIM_SORTS: dict[str, tuple[Any, ...]] = {
    "date": BY_DATE,
    "-date": sorting.BY_DATE_DESCENDING,
    "key": ("key",),
    "status": BY_STATUS,
    # Refuted first, then contested, supported, open: claim_by_status_idx read backwards.
    "-status": sorting.reversed_order(BY_STATUS),
    "updated": sorting.BY_UPDATED,
    "-updated": sorting.BY_UPDATED_DESCENDING,
    # Strongest evidence first, claims nothing supports last, then by date: the rank stored on
    # each claim (Claim.evidence_rank, kept by services.claim_evidence_refresh), read from
    # claim_by_evidence_idx a page at a time. Not for a blind reviewer (views.pages.ClaimFilterForm).
    "evidence": sorting.BY_EVIDENCE,
    "-evidence": sorting.BY_EVIDENCE_DESCENDING,
}
BY_EVIDENCE = "evidence"
# The sorts that would give away the consensus grades to a blind reviewer (views.pages.ClaimFilterForm).
EVIDENCE_SORTS = frozenset({BY_EVIDENCE, "-evidence"})
EVIDENCE_SORT_BLIND = (
    "Sorting by evidence grade is not offered while you grade blind: the order would give away consensus "
    "grades hidden from you until you enter your own. The list is sorted by date instead."
)

RELEVANCE = "relevance"  # the sort of a search unless another is asked for (CLAIM_SORTS otherwise)
NEWEST = "newest"  # a search's matches, the claims last added first (claim_list_page)
# A search is ranked when it matches at most this many claims; past it, the list shows the
# ones last added, newest first (claim_list_page).
RANK_LIMIT = 1000


def search_terms(query: str) -> list[str]:
    """The words of a search (claims/search/): "Тухачевский, 1937" -> ["Тухачевский", "1937"]."""
    return search.words.query_words(query)


@dataclass(frozen=True)
class ClaimFilters:
    """What the claim list is narrowed by; None or "" means "any"."""

    q: str = ""
    topic: Topic | None = None
    kind: str = ""
    status: str = ""
    disputed: str = ""  # "yes" or "no"
    source: Source | None = None
    person: Person | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    sort: str = "date"


def known_count(filters: ClaimFilters) -> int | None:
    """The number of claims the list shows, when the topic summaries already hold it (no
    filter, or a topic alone: the count every visit of /claims/ would otherwise read from
    an index of 100,000 entries); None otherwise."""
    rest = {name: value for name, value in vars(filters).items() if name not in {"topic", "sort"}}
    if any(rest.values()):
        return None
    summaries = TopicSummary.objects.filter(topic=filters.topic) if filters.topic else TopicSummary.objects
    return summaries.aggregate(n=Sum("claim_count"))["n"] or 0


def claim_search(*, filters: ClaimFilters, match: search.Match | None = None) -> QuerySet[Claim]:
    """The claim list: filtered, searched, sorted, each claim once. Not yet evaluated (the
    search's words are looked up in the vocabulary now, one query, unless match is given).

    The search (claims/search/query.py) matches every word of the query in a statement, in
    a person's names and aliases in any script or spelling, or in a cited source's titles;
    sorted by relevance unless another sort is asked for.
    """
    queryset = Claim.objects.all()
    if filters.date_from or filters.date_to:
        queryset = queryset.dated_between(filters.date_from, filters.date_to)
    if filters.topic:
        queryset = queryset.filter(topic=filters.topic)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.disputed:
        disputed = Q(pk__in=disputed_claim_ids())
        queryset = queryset.filter(disputed if filters.disputed == "yes" else ~disputed)
    # Filters across multi-valued relations go through subqueries, so that a claim
    # citing a source twice or naming two matching people is still listed once.
    if filters.source:
        queryset = queryset.filter(Exists(Citation.objects.filter(claim=OuterRef("pk"), source=filters.source)))
    if filters.person:
        queryset = queryset.filter(
            Exists(Claim.people.through.objects.filter(claim=OuterRef("pk"), person=filters.person))
        )
    about = about_carrier(filters.q) if filters.q else None
    if about is not None:
        # An authority id of a person or a source, which no statement holds: the claims
        # about that person or made by them, or citing that source (an exact search, not ranked).
        queryset, match = queryset.filter(about), None
    elif match is None and filters.q:
        match = search.parse(filters.q)
    if match is not None:
        queryset = search.matching(queryset, match)
        if filters.sort == RELEVANCE:
            # Then by date: claims that match alike (a person's name on each) keep the list's usual order.
            ranked = queryset.annotate(relevance=search.Relevance(match))
            return ranked.order_by(F("relevance").desc(nulls_last=True), *BY_DATE)
        if filters.sort == NEWEST:
            return queryset.order_by(*search.newest_first())
    return queryset.order_by(*CLAIM_SORTS.get(filters.sort, BY_DATE))


def about_carrier(q: str) -> Q | None:
    """The claims about, made by or citing whoever carries q as an authority id (a query for
    the people, one for the sources, each from their ids' unique indexes), or None when q is
    no id or nobody carries it (then q is searched for as words)."""
    condition = authority.carrying_q(q.strip())
    if condition is None:
        return None
    people = list(Person.objects.filter(condition).values_list("pk", flat=True))
    sources = list(Source.objects.filter(condition).values_list("pk", flat=True))
    if not people and not sources:
        return None
    return (
        Q(Exists(Claim.people.through.objects.filter(claim=OuterRef("pk"), person__in=people)))
        | Q(Exists(Claim.attributed_to.through.objects.filter(claim=OuterRef("pk"), person__in=people)))
        | Q(Exists(Citation.objects.filter(claim=OuterRef("pk"), source__in=sources)))
    )


def claim_list_page(
    *, filters: ClaimFilters, match: search.Match | None, number, user, per_page: int = ROWS_PER_PAGE
) -> Page:
    """A page of the claim list (claim_search), its cost the same however many claims there
    are. page.ranked_out is True when a search sorted by relevance matched more than
    RANK_LIMIT claims: ranking them would read every match (88,000 of 100,000 claims for a
    name found on most of them: 0.2 s on SQLite), so the page lists the RANK_LIMIT claims
    last added that match, newest first, and page.paginator.count is RANK_LIMIT.

    How many match is counted only up to RANK_LIMIT + 1: the index gives its matches one
    by one and the count stops there."""
    ordered, count, ranked_out = claim_list_order(filters=filters, match=match)
    page = claims_page(ordered, number, user=user, per_page=per_page, count=count)
    page.ranked_out = ranked_out
    return page


def claim_list_order(*, filters: ClaimFilters, match: search.Match | None) -> tuple[QuerySet[Claim], int | None, bool]:
    """The claims of the claim list in its order (claim_search), how many there are when that
    is known without counting the table (else None), and whether a search sorted by relevance
    matched too many to rank (ranked_out: then the matches last added come first, and the count
    is RANK_LIMIT). The list page and the API's claim list (claims/api/claim_cursor.py) both cut
    their pages from it."""
    ordered, count = claim_search(filters=filters, match=match), known_count(filters)
    if match is not None and filters.sort == RELEVANCE:
        newest = claim_search(filters=replace(filters, sort=NEWEST), match=match)
        count = newest[: RANK_LIMIT + 1].count()
        if count > RANK_LIMIT:
            return newest, RANK_LIMIT, True
    return ordered, count, False


# --- sources -----------------------------------------------------------------------


def _containing_every_word(queryset: QuerySet, q: str, fields: tuple[str, ...]) -> QuerySet:
    """These rows narrowed to those with every word of q (or its romanization) inside one of
    the fields, in any case. Read from the trigram indexes of migration 0013: on SQLite an
    FTS5 table named after the model's (for a word of three letters or more, the least a
    trigram holds; a shorter one is looked for in every row), on PostgreSQL the pg_trgm
    index of each field, which serves the icontains below."""
    table = f"{queryset.model._meta.db_table}_trigrams"
    for found in search_terms(q):
        terms = sorted({found, romanize(found)})
        if connection.vendor == "sqlite" and min(map(len, terms)) >= 3:
            expression = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
            queryset = queryset.filter(pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [expression]))
            continue
        word = Q()
        for term in terms:
            for field in fields:
                word |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(word)
    return queryset


SOURCE_NAMES = ("key", "title", "title_original", "authors")
PERSON_NAMES = ("name", "name_original", "aliases", "slug")


def source_search(*, q: str = "", kind: str = "") -> QuerySet[Source]:
    """Sources by key; q matches key, titles and authors in any script."""
    queryset = Source.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    found = _containing_every_word(queryset, q, SOURCE_NAMES)
    carrying = authority.carrying_q(q)
    if carrying is not None:
        # An authority id finds the source that carries it, beside what its digits match in
        # the titles (a VIAF id is digits alone, as a year is).
        found = queryset.filter(Q(pk__in=found.values("pk")) | carrying)
    return found.order_by("key")


def with_citing_claim_counts(sources: Iterable[Source]) -> list[Source]:
    """Set citing_claim_count on each of these sources (a page of them): one query."""
    sources = list(sources)
    citing = Citation.objects.order_by().filter(source_id__in=[s.pk for s in sources])
    counts = dict(citing.values("source_id").annotate(n=Count("claim_id", distinct=True)).values_list("source_id", "n"))
    for source in sources:
        source.citing_claim_count = counts.get(source.pk, 0)
    return sources


SUGGESTIONS = 10


def source_suggestions(*, q: str) -> list[Source]:
    """Up to ten sources whose key starts with q or whose titles or authors hold every word
    of it (any script, or its romanization); keys first. Nothing for a NUL, which no
    record holds (and PostgreSQL cannot be asked about)."""
    if "\x00" in q or not search_terms(q):
        return []
    carriers = list(authority.carrying(Source, q.strip())[:SUGGESTIONS])
    if carriers:
        return carriers  # (an authority id names one source exactly)
    # Keys are lowercase slugs: a prefix is a range of the key's index (LIKE would test every key).
    prefix = q.strip().casefold()
    by_key = list(Source.objects.filter(key__gte=prefix, key__lt=prefix + "\U0010ffff").order_by("key")[:SUGGESTIONS])
    if len(by_key) == SUGGESTIONS:
        return by_key
    rest = source_search(q=q).exclude(pk__in=[s.pk for s in by_key])[: SUGGESTIONS - len(by_key)]
    return by_key + list(rest)


def person_search(*, q: str = "") -> QuerySet[Person]:
    """People with every word of q (or its romanization) in their names, aliases or slug; not ordered."""
    return _containing_every_word(Person.objects.all(), q, PERSON_NAMES)


def person_suggestions(*, q: str) -> list[Person]:
    """Up to ten people with every word of q (or its romanization) in their names, aliases or slug
    (nothing for a NUL, as source_suggestions)."""
    if "\x00" in q or not search_terms(q):
        return []
    carriers = list(authority.carrying(Person, q.strip())[:SUGGESTIONS])
    if carriers:
        return carriers  # (an authority id names one person exactly)
    people = person_search(q=q)
    return list(people.order_by("name", "slug")[:SUGGESTIONS])


def with_consensus(*, sources: Iterable[Source], user) -> list[Source]:
    """Set consensus_reliability (A-F, None when ungraded, HIDDEN from a blind reviewer). One or two queries."""
    sources = list(sources)
    consensus = source_consensus(s.pk for s in sources) if sources else {}
    visibility = GradeVisibility.query(user, source_ids=[s.pk for s in sources])
    for source in sources:
        if not visibility.source_visible(source.pk):
            source.consensus_reliability, source.consensus_title = HIDDEN, BLIND_NOTICE
            continue
        source.consensus_reliability = consensus.get(source.pk)
        source.consensus_title = RELIABILITY_DEFINITIONS.get(source.consensus_reliability or "", "Not yet graded.")
    return sources


# --- disputes ----------------------------------------------------------------------

# What each dispute shows of its target (as the dispute page reads it, claims/targets.py).
_DISPUTE_RELATED = ("raised_by", *targets.related_through(targets.DISPUTABLE))


def open_disputes() -> QuerySet[Dispute]:
    """The open disputes, oldest first, with what they dispute (one query when read)."""
    return Dispute.objects.open().select_related(*_DISPUTE_RELATED).order_by("created_at", "pk")


def mark_hidden_grades(*, disputes: Iterable[Dispute], user) -> list[Dispute]:
    """Set grade_hidden on each dispute of a grade or rating the (blind) user has not graded or
    rated yet. At most three queries."""
    disputes = list(disputes)
    visibility = GradeVisibility.query(
        user,
        source_ids={d.source_assessment.source_id for d in disputes if d.source_assessment_id},
        citation_ids={d.citation_assessment.citation_id for d in disputes if d.citation_assessment_id},
    )
    rated = [d.consistency_rating for d in disputes if d.consistency_rating_id]
    ratings = RatingVisibility.query(user, cells={(r.citation_id, r.claim_id) for r in rated})
    for dispute in disputes:
        dispute.grade_hidden = not (visibility.dispute_visible(dispute) and ratings.dispute_visible(dispute))
    return disputes


def recently_closed_disputes(*, limit: int = 10) -> list[Dispute]:
    """The last disputes upheld, rejected or withdrawn, newest first."""
    # Every closed dispute has closed_at, an open one has none: the filter reads dispute_closed_idx.
    closed = Dispute.objects.filter(closed_at__isnull=False).select_related(*_DISPUTE_RELATED, "resolved_by")
    return list(closed.order_by("-closed_at", "-pk")[:limit])


# --- the date-range filter ---------------------------------------------------------

_PARTIAL_DATE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")


def partial_date_bounds(text: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of YYYY, YYYY-MM or YYYY-MM-DD; ValueError if it is none of them."""
    match = _PARTIAL_DATE.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month, day = int(match["y"]), match["m"], match["d"]
    if year < 1:
        raise ValueError(text)
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    month = int(month)
    if day is None:
        first = datetime.date(year, month, 1)
        if month == 12:
            return first, datetime.date(year, 12, 31)
        return first, datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
    day = datetime.date(year, month, int(day))
    return day, day
