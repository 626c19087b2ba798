"""A topic's competing-hypotheses matrix (Heuer's ACH; issue 14, docs/design.md).

Columns: at most MATRIX_CLAIMS claims of the topic (the first by date, or those picked).
Rows: the citations of those claims, grouped by source, at most MATRIX_ROWS. A cell is how a
row's evidence bears on a column's claim: its own claim's from the citation's stance, the
others' the median of the reviewers' ratings (grading.consensus_consistency).

A fixed number of queries however large the topic: the picker's claims (capped), the picked
claims, the rows and their count, the ratings of the shown cells, and the two kinds of grade
of the shown rows (none for a blind reviewer, who is shown no weight).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models.functions import Substr

from claims import sorting
from claims.grading import CONSISTENCY_SCORES, Consistency, consensus_consistency
from claims.models import Citation, CitationStance, Claim, ConsistencyRating, Source, Topic
from claims.quoting import quoted

from .blind import is_blind_grader
from .grades import citation_grades
from .ratings import RatingVisibility

MATRIX_CLAIMS = 12  # columns: a wider table is not read across
MATRIX_ROWS = 300  # rows of evidence shown (and exported)
PICKER_CLAIMS = 100  # claims the picker lists; any other is picked by its key (a longer list is not read)
SNIPPET = 160  # characters of a quote shown in a row

# The cell of a citation's own claim: what the citation says of it.
STANCE_CONSISTENCY = {
    CitationStance.SUPPORTS: Consistency.VERY_CONSISTENT,
    CitationStance.CONTRADICTS: Consistency.VERY_INCONSISTENT,
    CitationStance.MENTIONS: Consistency.NEUTRAL,
}
# A row's weight is the product of these, from the consensus grades of its source and of the
# citation. F and 6 ("cannot be judged") and ungraded weigh as a middle grade: no basis to
# count the evidence up or down.
RELIABILITY_WEIGHTS = {
    "A": Decimal("1.0"),
    "B": Decimal("0.8"),
    "C": Decimal("0.6"),
    "D": Decimal("0.4"),
    "E": Decimal("0.2"),
}
CREDIBILITY_WEIGHTS = {1: Decimal("1.0"), 2: Decimal("0.8"), 3: Decimal("0.6"), 4: Decimal("0.4"), 5: Decimal("0.2")}
UNJUDGED_WEIGHT = Decimal("0.5")
# Heuer counts only the evidence against a hypothesis: consistent evidence is often consistent
# with several, so it does not tell them apart.
INCONSISTENCY_POINTS: dict[str, int] = {Consistency.INCONSISTENT: 1, Consistency.VERY_INCONSISTENT: 2}

HIDDEN_NOTICE = (
    "Weights and inconsistency scores are hidden, and claims are in date order: they are worked out from "
    "other reviewers' grades and ratings (blind grading). Other reviewers' ratings of a cell show once you "
    "have rated it."
)


def row_weight(reliability: str | None, credibility: int | None) -> Decimal:
    return RELIABILITY_WEIGHTS.get(reliability or "", UNJUDGED_WEIGHT) * CREDIBILITY_WEIGHTS.get(
        credibility or 0, UNJUDGED_WEIGHT
    )


@dataclass(frozen=True)
class Cell:
    """One cell: its value (CC … II) or None, and where it comes from."""

    claim_key: str
    value: str | None = None
    own: bool = False  # the citation's own claim: its stance
    ratings: int = 0  # how many ratings the value is the median of
    mine: bool = False  # the viewer has rated this cell (a blind reviewer sees it once they have)
    hidden: bool = False  # rated by others, hidden from a blind reviewer until they rate it

    @property
    def score(self) -> int | None:
        return None if self.value is None else CONSISTENCY_SCORES[self.value]


@dataclass
class Row:
    citation: Citation
    cells: list[Cell]
    grade: str = ""  # the evidence grade the weight comes from, e.g. "B2"
    weight: Decimal | None = None  # None: hidden (blind)

    @property
    def diagnosticity(self) -> int | None:
        """max − min of the cell scores shown; None while fewer than two cells have a value."""
        scores = [c.score for c in self.cells if c.score is not None]
        return max(scores) - min(scores) if len(scores) > 1 else None


@dataclass
class SourceGroup:
    source: Source
    rows: list[Row] = field(default_factory=list)


@dataclass
class Column:
    claim: Claim
    score: Decimal | None = None  # the inconsistency score; None: hidden (blind)


@dataclass
class Matrix:
    topic: Topic
    columns: list[Column]
    groups: list[SourceGroup]
    row_count: int  # every citation of the shown claims, shown or not
    blind: bool
    picker: list[Claim]  # the claims offered to pick from (PICKER_CLAIMS at most)
    picker_more: bool  # the topic has more claims than the picker lists
    picked: bool  # the columns are the user's pick
    more_claims: bool  # the topic has claims not shown as columns
    errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]

    @property
    def rows_left_out(self) -> int:
        return self.row_count - sum(len(group.rows) for group in self.groups)


SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def parse_keys(values: Iterable[str]) -> list[str]:
    """The claim keys of ?claim= values (each may hold several, separated by spaces or commas),
    once each, in the order given; one more than fit at most (enough to say there were too many,
    however many were sent)."""
    keys: list[str] = []
    for value in values:
        for key in re.split(r"[\s,]+", value.strip()):
            if key and key not in keys:
                keys.append(key)
                if len(keys) > MATRIX_CLAIMS:
                    return keys
    return keys


def _date_order(claim: Claim) -> tuple:
    """sorting.BY_DATE in Python, for claims already read."""
    return (claim.event_date == "", claim.date_earliest or date.min, claim.date_latest or date.max, claim.key)


def _claims(topic: Topic):
    return (
        Claim.objects.filter(topic=topic)
        .annotate(statement_start=Substr("statement", 1, SNIPPET))
        .only("id", "key", "topic_id", "event_date", "date_earliest", "date_latest")
    )


def _pick(topic: Topic, keys: Sequence[str], errors: list[str]) -> list[Claim]:
    if len(keys) > MATRIX_CLAIMS:
        errors.append(f"At most {MATRIX_CLAIMS} claims fit side by side; the first {MATRIX_CLAIMS} picked are shown.")
        keys = keys[:MATRIX_CLAIMS]
    # A key is a slug: anything else (a NUL, which PostgreSQL cannot even be asked about) is no claim's.
    askable = [key for key in keys if SLUG.fullmatch(key)]
    found = {c.key: c for c in _claims(topic).filter(key__in=askable).order_by()} if askable else {}
    unknown = [key for key in keys if key not in found]
    if unknown:
        errors.append("Not a claim of this topic: " + ", ".join(quoted(key) for key in unknown[:5]) + ".")
    return sorted(found.values(), key=_date_order)


def _rows(claims: list[Claim]) -> tuple[list[Citation], int]:
    citations = (
        Citation.objects.filter(claim__in=claims)
        .select_related("source")
        .annotate(quote_start=Substr("quote", 1, SNIPPET))
        .only("id", "claim_id", "locator", "stance", "source__id", "source__key", "source__title")
        .order_by("source__key", "claim_id", "locator")
    )
    return list(citations[:MATRIX_ROWS]), citations.count()


def _ratings(claims: list[Claim], citations: list[Citation]) -> list[tuple[int, int, int, str]]:
    """(citation, claim, reviewer, grade) of every rating of the shown cells: one query."""
    if not citations:
        return []
    return list(
        ConsistencyRating.objects.filter(claim__in=claims, citation__in=[c.pk for c in citations])
        .order_by()
        .values_list("citation_id", "claim_id", "reviewer_id", "grade")
    )


def topic_matrix(*, topic: Topic, user, picked: Sequence[str] = ()) -> Matrix:
    errors: list[str] = []
    picker = list(_claims(topic).order_by(*sorting.BY_DATE)[: PICKER_CLAIMS + 1])
    picker_more = len(picker) > PICKER_CLAIMS
    picker = picker[:PICKER_CLAIMS]
    shown = _pick(topic, picked, errors) if picked else []
    picked_shown = bool(shown)
    if not shown:
        shown = picker[:MATRIX_CLAIMS]
    by_id = {c.pk: c for c in shown}
    citations, row_count = _rows(shown) if shown else ([], 0)
    blind = is_blind_grader(user)

    ratings: dict[tuple[int, int], list[str]] = defaultdict(list)
    mine: set[tuple[int, int]] = set()
    for citation_id, claim_id, reviewer_id, grade in _ratings(shown, citations):
        ratings[citation_id, claim_id].append(grade)
        if reviewer_id == user.pk:
            mine.add((citation_id, claim_id))
    visibility = RatingVisibility(blind=True, rated=frozenset(mine), viewer_id=user.pk) if blind else None

    grades = {} if blind else citation_grades(citations)
    groups: list[SourceGroup] = []
    for citation in citations:
        citation.claim = by_id[citation.claim_id]
        cells = [_cell(citation, claim, ratings, mine, visibility) for claim in shown]
        row = Row(citation, cells)
        if not blind:
            graded = grades[citation.pk]
            row.grade, row.weight = graded.label, row_weight(graded.reliability, graded.credibility)
        if not groups or groups[-1].source.pk != citation.source.pk:
            groups.append(SourceGroup(citation.source))
        groups[-1].rows.append(row)

    columns = [Column(claim) for claim in shown]
    if not blind:
        rows = [row for group in groups for row in group.rows]
        for index, column in enumerate(columns):
            column.score = inconsistency_score(rows, index)
        columns.sort(key=lambda c: (c.score, _date_order(c.claim)))
        order = [shown.index(c.claim) for c in columns]
        for row in rows:
            row.cells = [row.cells[i] for i in order]
    return Matrix(
        topic=topic,
        columns=columns,
        groups=groups,
        row_count=row_count,
        blind=blind,
        picker=picker,
        picker_more=picker_more,
        picked=picked_shown,
        # (The picker lists every claim of the topic unless picker_more.)
        more_claims=picker_more or len(picker) > len(shown),
        errors=errors,
    )


def inconsistency_score(rows: Iterable[Row], index: int) -> Decimal:
    """Σ weight × points of the rows' cells in column `index` (I: 1, II: 2, else 0)."""
    total = Decimal(0)
    for row in rows:
        points = INCONSISTENCY_POINTS.get(row.cells[index].value or "", 0)
        if points and row.weight is not None:
            total += row.weight * points
    return total


def _cell(citation: Citation, claim: Claim, ratings, mine, visibility: RatingVisibility | None) -> Cell:
    """visibility: a blind reviewer's (the cells they rated, read with the ratings: no query), else None."""
    if citation.claim_id == claim.pk:
        return Cell(claim.key, STANCE_CONSISTENCY[CitationStance(citation.stance)], own=True)
    cell = (citation.pk, claim.pk)
    given = ratings.get(cell, [])
    if visibility is None or visibility.cell_visible(*cell):
        return Cell(claim.key, consensus_consistency(given), ratings=len(given), mine=cell in mine)
    return Cell(claim.key, hidden=bool(given))
