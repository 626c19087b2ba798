"""Reads behind the researchers' list pages: topics, claims, sources, people and disputes.

Every function takes keyword arguments only and runs a fixed number of queries however
many claims, citations, grades, annotations and disputes exist: counts and latest
times are correlated subqueries of the one query that lists the rows, and evidence
and consensus grades come from the grade selectors (claims/selectors/grades.py).

"Open disputes" of a claim are the open disputes of the claim itself, of a grade of
one of its citations, and of a grade of a source it cites (that grade enters the
claim's evidence grade). A topic's open disputes are those of its claims, each
dispute counted once.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from claims.grading import CREDIBILITY_DEFINITIONS, RELIABILITY_DEFINITIONS
from claims.models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    Dispute,
    Person,
    Source,
    Topic,
)
from claims.search import query as search
from claims.translit import romanize

from .blind import BLIND_NOTICE, GradeVisibility
from .grades import HIDDEN, claim_evidence_grades, source_consensus
from .paging import page_of

# --- building blocks ---------------------------------------------------------------


def _count(queryset: QuerySet, field: str = "pk") -> Coalesce:
    """The number of distinct values of `field` in a correlated queryset, as a subquery.

    COUNT() as a plain function (not an aggregate) keeps Django from adding a GROUP BY,
    so the subquery always answers exactly one row.
    """
    count = Func(F(field), function="COUNT", template="%(function)s(DISTINCT %(expressions)s)")
    counted = queryset.order_by().annotate(_n=count).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _latest(queryset: QuerySet, field: str) -> Subquery:
    latest = queryset.order_by().annotate(_latest=Func(F(field), function="MAX")).values("_latest")
    return Subquery(latest[:1])


def _open_disputes_of_claims(claim_field: str, outer: str) -> QuerySet[Dispute]:
    """Open disputes touching the claims whose `claim_field` equals the outer row's `outer`.

    On the claim itself, on a grade of one of its citations, or on a grade of a source
    one of its citations cites. Each dispute is one row (no multi-valued join).
    """
    return Dispute.objects.open().filter(
        Q(**{f"claim__{claim_field}": OuterRef(outer)})
        | Q(**{f"citation_assessment__citation__claim__{claim_field}": OuterRef(outer)})
        | Exists(
            Citation.objects.filter(
                source_id=OuterRef("source_assessment__source_id"),
                **{f"claim__{claim_field}": OuterRef(OuterRef(outer))},
            )
        )
    )


def _grade_title(label: str | None) -> str:
    """The definitions behind an evidence grade such as "B2", for a tooltip."""
    if not label:
        return "No supporting citation."
    reliability, credibility = label[0], label[1:]
    parts = [
        f"Source: {RELIABILITY_DEFINITIONS[reliability]}" if reliability in RELIABILITY_DEFINITIONS
        else "Source not yet graded.",
        f"Citation: {CREDIBILITY_DEFINITIONS[int(credibility)]}" if credibility.isdigit()
        else "Citation not yet graded.",
    ]
    return " ".join(parts)


# --- topics ------------------------------------------------------------------------


def topics_at_a_glance(*, page=None) -> Page:
    """A page of the topics, by title, with claim_count, open_dispute_count and latest_activity.

    Three queries (paging.page_of). Latest activity is the newest time anything about the topic was made or
    changed: the topic, its claims, their citations and grades, annotations on those,
    and disputes of its claims.
    """
    in_topic = OuterRef("pk")
    annotation_times = Annotation.objects.filter(
        Q(claim__topic=in_topic)
        | Q(citation__claim__topic=in_topic)
        | Q(citation_assessment__citation__claim__topic=in_topic)
    )
    disputes = Dispute.objects.filter(Q(claim__topic=in_topic) | Q(citation_assessment__citation__claim__topic=in_topic))
    topics = Topic.objects.annotate(
        claim_count=_count(Claim.objects.filter(topic=in_topic)),
        open_dispute_count=_count(_open_disputes_of_claims("topic_id", "pk")),
        claims_changed=_latest(Claim.objects.filter(topic=in_topic), "updated_at"),
        citations_changed=_latest(Citation.objects.filter(claim__topic=in_topic), "updated_at"),
        grades_changed=_latest(CitationAssessment.objects.filter(citation__claim__topic=in_topic), "updated_at"),
        annotations_changed=_latest(annotation_times, "updated_at"),
        disputes_raised=_latest(disputes, "created_at"),
        disputes_closed=_latest(disputes, "closed_at"),
    )
    page = page_of(Topic.objects.order_by("title"), page, rows=topics)
    for topic in page.object_list:
        times = [
            topic.created_at, topic.claims_changed, topic.citations_changed, topic.grades_changed,
            topic.annotations_changed, topic.disputes_raised, topic.disputes_closed,
        ]
        topic.latest_activity = max(t for t in times if t is not None)
    return page


# --- claims ------------------------------------------------------------------------


def claims_table(*, queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with their topic, citation_count and open_dispute_count (one query when read)."""
    queryset = Claim.objects.all() if queryset is None else queryset
    return queryset.select_related("topic").annotate(
        citation_count=_count(Citation.objects.filter(claim=OuterRef("pk"))),
        open_dispute_count=_count(_open_disputes_of_claims("id", "pk")),
    )


def with_evidence_grades(*, claims: Iterable[Claim], user) -> list[Claim]:
    """Set evidence_grade ("B2", None, or HIDDEN for a blind reviewer) and evidence_grade_title.

    Three queries, five for a blind reviewer.
    """
    claims = list(claims)
    grades = claim_evidence_grades(claims, user=user) if claims else {}
    for claim in claims:
        claim.evidence_grade = grades.get(claim.pk)
        claim.evidence_grade_title = BLIND_NOTICE if claim.evidence_grade == HIDDEN else _grade_title(claim.evidence_grade)
    return claims


BY_DATE = (F("date_earliest").asc(nulls_last=True), F("date_latest").asc(nulls_last=True), "key")


def _claims_page(ordered: QuerySet[Claim], number, *, user) -> Page:
    page = page_of(ordered, number, rows=claims_table())
    page.object_list = with_evidence_grades(claims=page.object_list, user=user)
    return page


def topic_claims(*, topic: Topic, user, page=None) -> Page:
    """A page of the competing claims of one topic, earliest date first, undated last."""
    return _claims_page(topic.claims.order_by(*BY_DATE), page, user=user)


def person_claims(*, person: Person, user, page=None) -> Page:
    """A page of the claims about a person, by topic and then by date."""
    return _claims_page(person.claims.order_by("topic__title", *BY_DATE), page, user=user)


_STATUS_ORDER = Case(
    *[When(status=value, then=Value(rank)) for rank, value in enumerate(Claim.Status.values)],
    default=Value(len(Claim.Status.values)),
    output_field=IntegerField(),
)

CLAIM_SORTS = {
    "date": BY_DATE,
    "-date": (F("date_earliest").desc(nulls_last=True), F("date_latest").desc(nulls_last=True), "key"),
    "key": ("key",),
    "status": (_STATUS_ORDER, *BY_DATE),
    "updated": ("updated_at", "key"),
    "-updated": ("-updated_at", "key"),
}

RELEVANCE = "relevance"  # the sort of a search unless another is asked for (CLAIM_SORTS otherwise)


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
        disputed = Exists(_open_disputes_of_claims("id", "pk"))
        queryset = queryset.filter(disputed if filters.disputed == "yes" else ~disputed)
    # Filters across multi-valued relations go through subqueries, so that a claim
    # citing a source twice or naming two matching people is still listed once.
    if filters.source:
        queryset = queryset.filter(Exists(Citation.objects.filter(claim=OuterRef("pk"), source=filters.source)))
    if filters.person:
        queryset = queryset.filter(Exists(Claim.people.through.objects.filter(claim=OuterRef("pk"), person=filters.person)))
    if match is None and filters.q:
        match = search.parse(filters.q)
    if match is not None:
        queryset = queryset.filter(search.filter_q(match))
        if filters.sort == RELEVANCE:
            # Then by date: claims that match alike (a person's name on each) keep the list's usual order.
            ranked = queryset.annotate(relevance=search.Relevance(match))
            return claims_table(queryset=ranked).order_by(F("relevance").desc(nulls_last=True), *BY_DATE)
    return claims_table(queryset=queryset).order_by(*CLAIM_SORTS.get(filters.sort, BY_DATE))


# --- sources -----------------------------------------------------------------------


def source_search(*, q: str = "", kind: str = "") -> QuerySet[Source]:
    """Sources by key, with citing_claim_count; q matches key, titles and authors in any script."""
    queryset = Source.objects.all()
    if kind:
        queryset = queryset.filter(kind=kind)
    # (Sources are few: their text is matched as it is, in both scripts, without the index.)
    for found in search_terms(q):
        word = Q()
        for term in {found, romanize(found)}:
            word |= (
                Q(key__icontains=term)
                | Q(title__icontains=term)
                | Q(title_original__icontains=term)
                | Q(authors__icontains=term)
            )
        queryset = queryset.filter(word)
    return queryset.annotate(
        citing_claim_count=_count(Citation.objects.filter(source=OuterRef("pk")), "claim_id"),
    ).order_by("key")


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

_DISPUTE_RELATED = (
    "raised_by",
    "claim",
    "source_assessment__source",
    "source_assessment__reviewer",
    "citation_assessment__citation__claim",
    "citation_assessment__citation__source",
    "citation_assessment__reviewer",
)


def open_disputes() -> QuerySet[Dispute]:
    """The open disputes, oldest first, with what they dispute (one query when read)."""
    return Dispute.objects.open().select_related(*_DISPUTE_RELATED).order_by("created_at", "pk")


def mark_hidden_grades(*, disputes: Iterable[Dispute], user) -> list[Dispute]:
    """Set grade_hidden on each dispute of a grade the (blind) user has not graded yet. At most two queries."""
    disputes = list(disputes)
    visibility = GradeVisibility.query(
        user,
        source_ids={d.source_assessment.source_id for d in disputes if d.source_assessment_id},
        citation_ids={d.citation_assessment.citation_id for d in disputes if d.citation_assessment_id},
    )
    for dispute in disputes:
        dispute.grade_hidden = not visibility.dispute_visible(dispute)
    return disputes


def recently_closed_disputes(*, limit: int = 10) -> list[Dispute]:
    """The last disputes upheld, rejected or withdrawn, newest first."""
    closed = Dispute.objects.exclude(state=Dispute.State.OPEN).select_related(*_DISPUTE_RELATED, "resolved_by")
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
