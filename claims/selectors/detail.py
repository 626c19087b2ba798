"""The reads of the claim, source and dispute pages, and the blind-grading rule.

Each page is read in a fixed number of queries however many citations, grades,
annotations, replies, disputes and history rows it shows: related rows come in with
Prefetch/select_related, the annotations of every target on a page come in one query
and are built into threads here, and the change history comes in a few queries that are
diffed in Python.

Blind grading: a reviewer does not see the other reviewers' grades of a source or a
citation (the grades, their rationales, their consensus, and what refers to them: notes
on a grade, disputes of a grade) until they have entered their own grade of it.
is_blind_grader() says who grades blind, GradeVisibility says which targets such a
user has graded and may therefore see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from claims import roles, targets
from claims.grading import RELIABILITY_DEFINITIONS, consensus_credibility, consensus_reliability
from claims.models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    SourceRelation,
    Topic,
)
from claims.selectors.blind import BLIND_NOTICE, GradeVisibility, is_blind_grader  # noqa: F401 (re-exported)
from claims.selectors.grades import HIDDEN, claim_evidence_grades
from claims.selectors.lines import ClaimLines, Line, claim_evidence_lines
from claims.selectors.lists import source_claims
from claims.selectors.paging import page_of


def hidden_from(user, obj) -> bool:
    """Whether obj is hidden from the user by blind grading (each kind's rule: claims/targets.py).
    At most one query, none for a user who does not grade blind."""
    kind = targets.of(obj)
    return is_blind_grader(user) and kind is not None and kind.hidden(user, obj)


def consensus_of(scale: str, grades: Iterable) -> str | int | None:
    """The consensus of grades on the "reliability" (A-F) or "credibility" (1-6) scale."""
    return consensus_reliability(grades) if scale == "reliability" else consensus_credibility(grades)


# --- Annotation threads ------------------------------------------------------------


@dataclass
class Node:
    """An annotation with its replies, oldest first."""

    annotation: Annotation
    replies: list[Node] = field(default_factory=list)


def target_key(annotation: Annotation) -> tuple[str, int] | None:
    name = targets.target_field(annotation)
    return (name, getattr(annotation, f"{name}_id")) if name else None


def build_threads(annotations: Iterable[Annotation]) -> dict[tuple[str, int], list[Node]]:
    """Group annotations (oldest first) into threads by target: {(target field, id): [root nodes]}."""
    nodes: dict[int, Node] = {}
    threads: dict[tuple[str, int], list[Node]] = defaultdict(list)
    annotations = sorted(annotations, key=lambda a: (a.created_at, a.pk))
    for annotation in annotations:
        nodes[annotation.pk] = Node(annotation)
    for annotation in annotations:
        node = nodes[annotation.pk]
        parent = nodes.get(annotation.parent_id) if annotation.parent_id is not None else None
        if parent is not None:
            parent.replies.append(node)
        elif (key := target_key(annotation)) is not None:
            threads[key].append(node)
    return threads


def _annotations(condition: Q) -> list[Annotation]:
    return list(Annotation.objects.filter(condition).select_related("author").order_by("created_at", "pk"))


# --- History -----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    when: datetime
    who: Any  # the user, or None when the change was not made by a logged-in user
    subject: str  # what changed: "claim", "citation of rogovin-1937, ch. 9", …
    action: str  # "added", "changed", "deleted", or what the change did ("restored the version of …")
    changes: list[Change]
    restorable: bool = False  # a claim's earlier version, which an editor may restore
    record: Any = None  # the historical record the entry shows
    note: str = ""  # where an added row came from ("loaded from the shipped data set …")


_ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}
# Fields a reader does not need in the history: bookkeeping, and what a page shows elsewhere.
_NOT_SHOWN = ("created_by", "people", "attributed_to", "author_people")


def _display(name: str, value, names: dict[str, dict]) -> Any:
    """A value as the history shows it: a topic's title and a source's key for their ids."""
    if value in (None, ""):
        return "—"
    if name in names:
        return names[name].get(value, f"#{value}")
    return value


def _entries(
    records: list, model, subject_of, names: dict[str, dict], m2m: dict[str, dict[int, frozenset[str]]] | None = None
) -> list[HistoryEntry]:
    """m2m: by label ("people"), the names linked at each history row (by its history_id)."""
    """Diff each historical record against the previous record of the same object."""
    entries = []
    previous: dict[int, Any] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        prev = previous.get(record.id)
        previous[record.id] = record
        changes: list[Change] = []
        if prev is not None and record.history_type != "-":
            delta = record.diff_against(prev, excluded_fields=_NOT_SHOWN)
            for change in delta.changes:
                label = model._meta.get_field(change.field).verbose_name
                changes.append(
                    Change(label, _display(change.field, change.old, names), _display(change.field, change.new, names))
                )
            for label, linked in (m2m or {}).items():
                old, new = linked.get(prev.history_id, frozenset()), linked.get(record.history_id, frozenset())
                if old != new:
                    changes.append(Change(label, ", ".join(sorted(old)) or "—", ", ".join(sorted(new)) or "—"))
            if not changes:
                continue  # saved without a visible change
        elif record.history_type == "+" and hasattr(record, "grade"):
            changes.append(Change("grade", "—", record.grade))
        action = _ACTIONS.get(record.history_type, record.history_type)
        if prev is None and record.history_type == "~":
            action = "first recorded"  # e.g. loaded from a data set, with no record of its creation
        reason, note = getattr(record, "history_change_reason", "") or "", ""
        if reason and record.history_type == "+":
            note = reason  # (added, and how: "loaded from the shipped data set …")
        elif reason:
            action = reason  # what the change did ("restored the version of …")
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                subject=subject_of(record),
                action=action,
                changes=changes,
                record=record,
                note=note,
            )
        )
    return entries


def _newest_first(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    return sorted(entries, key=lambda e: e.when, reverse=True)


def _linked_names(link_history: str, **among) -> dict[int, frozenset[str]]:
    """history_id -> the names of the people a tracked many-to-many field linked then. One query."""
    rows: dict[int, set[str]] = defaultdict(set)
    for history_id, name, name_original in (
        apps.get_model("claims", link_history)
        .objects.filter(**among)
        .values_list("history_id", "person__name", "person__name_original")
    ):
        rows[history_id].add(f"{name} ({name_original})" if name_original else name)
    return {key: frozenset(value) for key, value in rows.items()}


def claim_history(claim: Claim, visibility: GradeVisibility) -> list[HistoryEntry]:
    """Changes of the claim, its citations and the grades of its citations: seven queries."""
    claim_records = list(Claim.history.filter(id=claim.pk).select_related("history_user"))
    m2m = {
        "people": _linked_names("HistoricalClaim_people", history__id=claim.pk),
        "attributed to": _linked_names("HistoricalClaim_attributed_to", history__id=claim.pk),
    }

    citation_records = list(Citation.history.filter(claim_id=claim.pk).select_related("history_user"))
    grade_records = [
        r
        # Grades of the claim's citations now, or of citations it once had (since deleted);
        # a citation loaded without history of its own still brings its grades' history.
        # (One IN of a UNION, read from the indexes: an OR of two IN subqueries has PostgreSQL
        # test every grade's history row against both.)
        for r in CitationAssessment.history.filter(
            citation_id__in=Citation.objects.filter(claim_id=claim.pk)
            .order_by()
            .values("pk")
            .union(Citation.history.filter(claim_id=claim.pk).order_by().values("id"))
        ).select_related("history_user", "reviewer")
        if visibility.citation_visible(r.citation_id)
    ]
    topic_ids = {r.topic_id for r in claim_records}
    source_ids = {r.source_id for r in citation_records}
    names = {
        "topic": dict(Topic.objects.filter(pk__in=topic_ids).values_list("pk", "title")) if topic_ids else {},
        "source": dict(Source.objects.filter(pk__in=source_ids).values_list("pk", "key")) if source_ids else {},
    }

    citation_label: dict[int, str] = {}
    for record in sorted(citation_records, key=lambda r: (r.history_date, r.history_id)):  # the latest names it
        source = names["source"].get(record.source_id, f"#{record.source_id}")
        citation_label[record.id] = f"{source}, {record.locator}" if record.locator else source

    entries = _entries(claim_records, Claim, lambda r: "claim", names, m2m)
    # Every version but the current one can be restored (by an editor: the page decides).
    latest = max(claim_records, key=lambda r: (r.history_date, r.history_id), default=None)
    for entry in entries:
        record = entry.record
        if record is not latest and record.history_type != "-":
            entry.restorable = True
    entries += _entries(citation_records, Citation, lambda r: f"citation of {citation_label[r.id]}", names)
    entries += _entries(
        grade_records,
        CitationAssessment,
        lambda r: f"credibility grade by {r.reviewer} of citation {citation_label.get(r.citation_id, r.citation_id)}",
        names,
    )
    return _newest_first(entries)


def source_history(source: Source, visibility: GradeVisibility) -> list[HistoryEntry]:
    """Changes of the source, its author people and its reliability grades: three queries."""
    records = list(Source.history.filter(id=source.pk).select_related("history_user"))
    m2m = {"authors (people)": _linked_names("HistoricalSource_author_people", history__id=source.pk)}
    entries = _entries(records, Source, lambda r: "source", {}, m2m)
    if visibility.source_visible(source.pk):
        grade_records = list(
            SourceAssessment.history.filter(source_id=source.pk).select_related("history_user", "reviewer")
        )
        entries += _entries(grade_records, SourceAssessment, lambda r: f"reliability grade by {r.reviewer}", {})
    return _newest_first(entries)


# --- Disputes ----------------------------------------------------------------------


@dataclass
class DisputeView:
    dispute: Dispute
    hidden: bool  # the disputed grade is hidden from this user (blind grading)
    resolve_refusal: str = ""  # why this user may not resolve it (roles.own_work_in_dispute), if so


def _resolve_refusal(user, dispute: Dispute) -> str:
    if dispute.state != Dispute.State.OPEN or not roles.can_resolve_dispute(user):
        return ""
    return roles.own_work_in_dispute(user, dispute)


_DISPUTE_RELATED = ("raised_by", "resolved_by", *targets.related_through(targets.DISPUTABLE))


def disputes_qs():
    return Dispute.objects.select_related(*_DISPUTE_RELATED)


# --- The claim page ----------------------------------------------------------------

# The claim page shows one page of each long list, so that its size and its reads stay the
# same however many citations, notes and changes a claim gathers; each list has its own
# query parameter, so that paging one leaves the others where they are.
CITATIONS_PER_PAGE = 10
THREADS_PER_PAGE = 20  # top-level note threads on the claim itself, each with all its replies
HISTORY_PER_PAGE = 30
CITATION_ORDER = ("source__key", "locator", "pk")  # (source, locator) is unique within a claim
CITATIONS_PARAM, NOTES_PARAM, HISTORY_PARAM = "citations", "notes", "history"


@dataclass
class GradeView:
    assessment: SourceAssessment | CitationAssessment
    threads: list[Node]
    disputes: list[DisputeView]


@dataclass
class CitationView:
    citation: Citation
    hidden: bool  # its credibility grades are hidden from this user
    grades: list[GradeView]  # empty when hidden; those given to an earlier version of the citation too
    consensus: int | None  # of the grades given to the citation as it is now
    source_hidden: bool  # its source's reliability grades are hidden from this user
    source_consensus: str | None
    own_grade: CitationAssessment | None
    threads: list[Node]
    grading_refusal: str = ""  # why this user may not grade it (roles.own_work_in_grading), if so
    line: Line | None = None  # its line of evidence (selectors/lines.py); none for a mention
    # Its visible consensus is 1 ("confirmed by independent sources") while it supports the claim
    # and every supporting citation is one line of evidence.
    one_line_confirmed: bool = False

    @property
    def current_grade_count(self) -> int:
        return len([view for view in self.grades if not view.assessment.outdated])


@dataclass
class ClaimPage:
    claim: Claim
    people: list[Person]  # who it is about
    attributed_to: list[Person]  # who made it
    evidence_grade: str | None
    evidence_hidden: bool
    citations: Page  # of CitationViews, CITATIONS_PER_PAGE, in CITATION_ORDER; its paginator counts them all
    threads: Page  # of the claim's top-level note threads (Nodes), oldest first
    disputes: list[DisputeView]
    history: Page  # of HistoryEntries, newest first
    visibility: GradeVisibility
    lines: ClaimLines  # its lines of evidence, all its citations' (selectors/lines.py)

    @property
    def blind(self) -> bool:
        return self.visibility.blind


def _page_number_of(position: int, per_page: int) -> int:
    return position // per_page + 1


def _citation_page_expression():
    """The number of the claim page's citations page that shows the citation a queryset's row
    is: how many citations of the same claim come before it in CITATION_ORDER, counted by
    the database (the claim's own index, citation_unique_source_locator_per_claim)."""
    key, locator = OuterRef("source__key"), OuterRef("locator")
    before = (
        Citation.objects.filter(claim_id=OuterRef("claim_id"))
        .filter(
            Q(source__key__lt=key)
            | Q(source__key=key, locator__lt=locator)
            | Q(source__key=key, locator=locator, pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("claim_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    count = Coalesce(Subquery(before, output_field=IntegerField()), Value(0))
    return count / Value(CITATIONS_PER_PAGE) + Value(1)


def with_citation_pages(citations: Iterable[Citation]) -> None:
    """Set claim_key and page_number (which page of its claim's citations shows it) on each
    citation: one query for all of them, for lists that link to many (a source's citing
    claims, disputes)."""
    citations = [c for c in citations if c is not None]
    if not citations:
        return
    found = {
        pk: (key, number)
        for pk, key, number in Citation.objects.filter(pk__in={c.pk for c in citations})
        .annotate(page_number=_citation_page_expression())
        .values_list("pk", "claim__key", "page_number")
    }
    for citation in citations:
        # (A citation deleted meanwhile: its claim's first page.)
        citation.claim_key, citation.page_number = found.get(citation.pk) or (citation.claim.key, 1)


def _claim_note_tree(claim: Claim) -> tuple[list[int], dict[int, int]]:
    """The ids of the claim's top-level notes, oldest first, and each note's parent: one query of
    two numbers a note, so that a page of threads is cut without reading the notes."""
    roots: list[int] = []
    parents: dict[int, int] = {}
    for pk, parent_id in (
        Annotation.objects.filter(claim=claim).order_by("created_at", "pk").values_list("pk", "parent_id")
    ):
        parents[pk] = parent_id
        if parent_id is None:
            roots.append(pk)
    return roots, parents


def _claim_threads(claim: Claim, number) -> Page:
    """A page of the claim's own note threads (THREADS_PER_PAGE top-level notes with every reply
    under them): two queries."""
    roots, parents = _claim_note_tree(claim)
    page = Paginator(roots, THREADS_PER_PAGE).get_page(number)
    shown = set(page.object_list)
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent_id in parents.items():
        if parent_id is not None:
            children[parent_id].append(pk)
    ids, todo = set(), list(shown)
    while todo:
        pk = todo.pop()
        if pk not in ids:
            ids.add(pk)
            todo.extend(children.get(pk, ()))
    # (The page of ids becomes the page of threads.)
    threads = build_threads(_annotations(Q(pk__in=ids))).get(("claim", claim.pk), []) if ids else []
    page.object_list = threads  # type: ignore[assignment]
    return page


def claim_notes_page(annotation: Annotation, claim: Claim) -> int:
    """Which page of the claim's note threads shows a note on it: the page of its thread."""
    roots, parents = _claim_note_tree(claim)
    root = annotation.pk
    while parents.get(root) is not None:
        root = parents[root]
    return _page_number_of(roots.index(root), THREADS_PER_PAGE) if root in roots else 1


def _claim_visibility(user, claim: Claim) -> GradeVisibility:
    """Which of the claim's citations and their sources a blind reviewer has graded, all of
    them and not only the page's (the history and the disputes show grades of any): two
    queries for a blind reviewer, none for anyone else."""
    if not is_blind_grader(user):
        return GradeVisibility(blind=False)
    citing = Citation.objects.filter(claim=claim)
    return GradeVisibility(
        blind=True,
        viewer_id=user.pk,
        graded_sources=frozenset(
            SourceAssessment.objects.filter(reviewer=user, source_id__in=citing.values("source_id")).values_list(
                "source_id", flat=True
            )
        ),
        # A grade given to an earlier version of the citation does not count (see blind.py).
        graded_citations=frozenset(
            CitationAssessment.objects.filter(reviewer=user, outdated=False, citation__claim=claim).values_list(
                "citation_id", flat=True
            )
        ),
    )


def _source_grades_of(citations: list[Citation]) -> dict[int, list[str]]:
    """The reliability grades of the sources of these citations, by source: one query."""
    grades_by_source: dict[int, list[str]] = defaultdict(list)
    for source_id, grade in SourceAssessment.objects.filter(source_id__in={c.source_id for c in citations}).values_list(
        "source_id", "grade"
    ):
        grades_by_source[source_id].append(grade)
    return grades_by_source


def _citation_threads(citations: list[Citation]) -> dict[tuple[str, int], list[Node]]:
    """The note threads on these citations and on their grades (read already): one query, none
    without citations."""
    if not citations:
        return {}
    ids = [c.pk for c in citations]
    grade_ids = [grade.pk for citation in citations for grade in citation.assessments.all()]
    return build_threads(_annotations(Q(citation_id__in=ids) | Q(citation_assessment_id__in=grade_ids)))


def _claim_disputes(claim: Claim, *, user, visibility: GradeVisibility) -> list[DisputeView]:
    """The disputes of the claim and of its citations' grades: two queries, and one for the
    pages of the citations whose grades are disputed."""
    # (The ids first: joined to everything a dispute shows, the condition would come after
    # more joins than PostgreSQL reorders, which then reads every dispute.)
    of_claim = list(
        Dispute.objects.filter(claim=claim)
        .order_by()
        .values_list("pk", flat=True)
        .union(
            Dispute.objects.filter(citation_assessment__citation__claim=claim).order_by().values_list("pk", flat=True)
        )
    )
    disputes = [
        DisputeView(d, hidden=not visibility.dispute_visible(d), resolve_refusal=_resolve_refusal(user, d))
        for d in disputes_qs().filter(pk__in=of_claim)
    ]
    # Each dispute of a grade links to the grade, on whichever page of citations shows it.
    with_citation_pages(v.dispute.citation_assessment.citation for v in disputes if v.dispute.citation_assessment_id)
    return disputes


def _citation_view(
    citation: Citation,
    *,
    user,
    visibility: GradeVisibility,
    threads: dict,
    disputes_by_grade: dict[int, list[DisputeView]],
    grades_by_source: dict[int, list[str]],
) -> CitationView:
    """A citation on the claim page, with its grades unless blind grading hides them: no query.

    A grade given to an earlier version of its citation stays on the page, marked, but neither
    counts towards the consensus nor lets a blind reviewer see the others' grades."""
    grades = list(citation.assessments.all())
    hidden = not visibility.citation_visible(citation.pk)
    source_hidden = not visibility.source_visible(citation.source_id)
    return CitationView(
        citation=citation,
        hidden=hidden,
        grades=[]
        if hidden
        else [
            GradeView(a, threads.get(("citation_assessment", a.pk), []), disputes_by_grade.get(a.pk, []))
            for a in grades
        ],
        consensus=None if hidden else consensus_credibility(a.grade for a in grades if not a.outdated),
        source_hidden=source_hidden,
        source_consensus=None if source_hidden else consensus_reliability(grades_by_source.get(citation.source_id, [])),
        own_grade=next((a for a in grades if a.reviewer_id == user.pk), None),
        threads=threads.get(("citation", citation.pk), []),
        grading_refusal=roles.own_work_in_grading(user, citation) if roles.can_assess(user) else "",
    )


def claims_for_page() -> QuerySet[Claim]:
    """The claims as claim_page reads them (the view looks up the one it shows here: 404 if none)."""
    return Claim.objects.select_related("topic", "created_by").prefetch_related(
        Prefetch("people", queryset=Person.objects.order_by("name")),
        Prefetch("attributed_to", queryset=Person.objects.order_by("name")),
    )


def claim_page(claim: Claim, user, *, citations_page=None, notes_page=None, history_page=None) -> ClaimPage:
    """Everything the claim page shows, one page of each long list: a fixed number of queries
    however big the claim (about 20, three more for a blind reviewer). claim: from claims_for_page()."""
    visibility = _claim_visibility(user, claim)
    citations = page_of(
        Citation.objects.filter(claim=claim).order_by(*CITATION_ORDER),
        citations_page,
        per_page=CITATIONS_PER_PAGE,
        rows=Citation.objects.select_related("source", "created_by").prefetch_related(
            Prefetch(
                "assessments",
                queryset=CitationAssessment.objects.select_related("reviewer").order_by("reviewer__username"),
            )
        ),
    )
    shown = list(citations.object_list)
    for citation in shown:
        citation.claim = claim  # (read already; who may grade it asks)
    grades_by_source = _source_grades_of(shown)
    # The notes on the citations shown and on their grades, and the disputes of the claim and
    # of its grades, each read through the indexes of the ids they are found by: an OR across a
    # join, or of IN subqueries, would have the database test every note and every dispute.
    threads = _citation_threads(shown)
    disputes = _claim_disputes(claim, user=user, visibility=visibility)
    disputes_by_grade: dict[int, list[DisputeView]] = defaultdict(list)
    for view in disputes:
        if view.dispute.citation_assessment_id:
            disputes_by_grade[view.dispute.citation_assessment_id].append(view)
    citations.object_list = [
        _citation_view(
            citation,
            user=user,
            visibility=visibility,
            threads=threads,
            disputes_by_grade=disputes_by_grade,
            grades_by_source=grades_by_source,
        )
        for citation in shown
    ]

    # The evidence grade combines the consensus grades of all the supporting citations (not
    # only this page's) and their sources: it would give a hidden consensus away, so it is
    # hidden with them.
    evidence = claim_evidence_grades([claim], user=user)[claim.pk]
    evidence_hidden = evidence == HIDDEN
    # Of all the claim's citations, not only this page's: a line may begin on another page.
    lines = claim_evidence_lines([claim])[claim.pk]
    for view in citations.object_list:
        view.line = lines.line_of.get(view.citation.pk)
        view.one_line_confirmed = (
            not view.hidden
            and view.consensus == 1
            and view.citation.stance == Citation.Stance.SUPPORTS
            and lines.one_supporting_line
        )

    return ClaimPage(
        claim=claim,
        people=list(claim.people.all()),
        attributed_to=list(claim.attributed_to.all()),
        evidence_grade=None if evidence_hidden else evidence,
        evidence_hidden=evidence_hidden,
        citations=citations,
        threads=_claim_threads(claim, notes_page),
        disputes=disputes,
        history=Paginator(claim_history(claim, visibility), HISTORY_PER_PAGE).get_page(history_page),
        visibility=visibility,
        lines=lines,
    )


# --- The source page ---------------------------------------------------------------


@dataclass
class SourcePage:
    source: Source
    hidden: bool
    grades: list[GradeView]
    consensus: str | None
    own_grade: SourceAssessment | None
    grade_count: int
    claims: Page  # of the Claims citing it, each with cited_as (its citations of the source)
    threads: list[Node]
    disputes: list[DisputeView]
    history: list[HistoryEntry]
    visibility: GradeVisibility
    grading_refusal: str = ""  # why this user may not grade the source (roles.own_work_in_grading), if so
    # Its genealogy: what it derives from, and what derives from it (each with the other source).
    derived_from: list[SourceRelation] = field(default_factory=list)
    derived: list[SourceRelation] = field(default_factory=list)  # the first DERIVED_SHOWN by key
    derived_count: int = 0

    @property
    def blind(self) -> bool:
        return self.visibility.blind

    @property
    def url_is_link(self) -> bool:
        """Only a web address becomes a link; anything else is shown as text."""
        return self.source.url.lower().startswith(("http://", "https://"))

    @property
    def consensus_definition(self) -> str:
        return RELIABILITY_DEFINITIONS.get(self.consensus, "") if self.consensus else ""


def sources_for_page() -> QuerySet[Source]:
    """The sources as source_page reads them (the view looks up the one it shows here)."""
    return Source.objects.select_related("created_by").prefetch_related(
        Prefetch(
            "assessments", queryset=SourceAssessment.objects.select_related("reviewer").order_by("reviewer__username")
        ),
        Prefetch("author_people", queryset=Person.objects.order_by("name")),
        # One query each way, however many relations: a source has few (its editions, translations).
        Prefetch(
            "derivations",
            queryset=SourceRelation.objects.select_related("derived_from", "created_by").order_by("derived_from__key"),
        ),
    )


# What derives from a source is listed up to this many (an original may have hundreds of
# editions, quotations and works based on it); the page says how many there are in all.
DERIVED_SHOWN = 50


def source_page(source: Source, user, citations_page=None) -> SourcePage:
    """Everything the source page shows; of the citing claims, one page (citations_page).
    source: from sources_for_page()."""
    assessments = list(source.assessments.all())
    visibility = GradeVisibility.from_assessments(user, source_assessments=assessments)
    hidden = not visibility.source_visible(source.pk)
    # Two reads, each from its own index (an OR of the two would read every annotation).
    notes = _annotations(Q(source=source)) + _annotations(Q(source_assessment__source=source))
    threads = build_threads(sorted(notes, key=lambda note: (note.created_at, note.pk)))
    disputes = [
        DisputeView(d, hidden=not visibility.dispute_visible(d), resolve_refusal=_resolve_refusal(user, d))
        for d in disputes_qs().filter(source_assessment__source=source)
    ]
    disputes_by_grade: dict[int | None, list[DisputeView]] = defaultdict(list)
    for view in disputes:
        disputes_by_grade[view.dispute.source_assessment_id].append(view)
    claims = source_claims(source=source, user=user, page=citations_page)
    # Each row links to where the claim cites the source, on the page of citations that shows it.
    with_citation_pages(citation for claim in claims.object_list for citation in claim.cited_as)
    return SourcePage(
        source=source,
        hidden=hidden,
        grades=[]
        if hidden
        else [
            GradeView(a, threads.get(("source_assessment", a.pk), []), disputes_by_grade.get(a.pk, []))
            for a in assessments
        ],
        consensus=None if hidden else consensus_reliability(a.grade for a in assessments),
        own_grade=next((a for a in assessments if a.reviewer_id == user.pk), None),
        grade_count=len(assessments),
        claims=claims,
        threads=threads.get(("source", source.pk), []),
        disputes=disputes,
        history=source_history(source, visibility),
        visibility=visibility,
        grading_refusal=roles.own_work_in_grading(user, source) if roles.can_assess(user) else "",
        derived_from=list(source.derivations.all()),
        derived=list(
            SourceRelation.objects.filter(derived_from=source)
            .select_related("source", "created_by")
            .order_by("source__key")[:DERIVED_SHOWN]
        ),
        derived_count=source.derived.count(),
    )


# --- The dispute page --------------------------------------------------------------


@dataclass
class DisputePage:
    dispute: Dispute
    hidden: bool
    threads: list[Node]
    resolve_refusal: str = ""  # why this user may not resolve it, if so


def dispute_page(dispute: Dispute, user) -> DisputePage:
    """The dispute page: dispute from disputes_qs() (with all it shows)."""
    hidden = hidden_from(user, dispute)
    threads = [] if hidden else build_threads(_annotations(Q(dispute=dispute))).get(("dispute", dispute.pk), [])
    return DisputePage(dispute=dispute, hidden=hidden, threads=threads, resolve_refusal=_resolve_refusal(user, dispute))
