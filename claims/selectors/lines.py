"""Independent lines of evidence: which of a claim's citations confirm each other, and which only repeat.

THE RULE. A source's *originals* are the sources it derives from through any chain of
relations (SourceRelation: copy, translation, quotes, based_on, summary) that derive from
nothing themselves; a source that derives from nothing is its own original. Two citations of
a claim are in one line of evidence when their sources share an original, and lines close
transitively within the claim's citations (union-find). So a translation and its original are
one line; a copy of a copy of X and X are one line; a work based on both X and Y joins X's and
Y's citations into one line only when the claim cites that work too: X and Y themselves stay
independent (a later summary does not make its sources depend on each other). A line's roots
are the originals of its citations' sources, named even when the claim does not cite them.

Supporting and contradicting citations get lines separately, each numbered 1, 2, … by the
line's first citation in the claim page's order of citations (CITATION_ORDER); "mentions"
citations count in neither.

Cost: claim_evidence_lines runs two queries for any number of claims (their citations, and one
recursive query giving every cited source's originals with their key and title); an export that
has read its citations already asks source_originals alone (one query per chunk). The walk up
the chains reads the relations by their source (the index of source_relation_one_per_pair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection as default_connection

from claims.id_lists import ids_condition, ids_parameter
from claims.models import Citation, Claim, Source, SourceRelation

SUPPORTS = Citation.Stance.SUPPORTS.value
CONTRADICTS = Citation.Stance.CONTRADICTS.value
_STANCES = (SUPPORTS, CONTRADICTS)


@dataclass(frozen=True)
class Root:
    """An original source a line of evidence goes back to."""

    key: str
    title: str

    def __str__(self) -> str:
        return f"«{self.title}» [{self.key}]"


@dataclass(frozen=True)
class Line:
    stance: str  # supports or contradicts
    number: int  # 1, 2, … among the claim's lines of that stance
    roots: tuple[Root, ...]  # by key
    citation_ids: tuple[int, ...]  # in the claim page's order

    @property
    def label(self) -> str:
        """ "line 1 · from «Report of the Shvernik commission» [shvernik-commission-1964]"."""
        return f"line {self.number} · from " + ", ".join(str(root) for root in self.roots)


def _counted(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class ClaimLines:
    """A claim's citations and lines of evidence, by stance, and each citation's line."""

    supporting_citations: int = 0
    supporting_lines: int = 0
    contradicting_citations: int = 0
    contradicting_lines: int = 0
    line_of: dict[int, Line] = field(default_factory=dict)  # citation id -> its line (mentions: none)

    @property
    def summary(self) -> str:
        """ "supports: 3 citations, 1 independent line · contradicts: 1 citation"."""
        parts = [
            _side("supports", self.supporting_citations, self.supporting_lines)
            if self.supporting_citations
            else "no supporting citation"
        ]
        if self.contradicting_citations:
            parts.append(_side("contradicts", self.contradicting_citations, self.contradicting_lines))
        return " · ".join(parts)

    @property
    def one_supporting_line(self) -> bool:
        """Every supporting citation is one line of evidence: nothing confirms it independently."""
        return self.supporting_lines == 1


def _side(verb: str, citations: int, lines: int) -> str:
    # One citation is one line: the count of lines says something only beside several citations.
    text = f"{verb}: {_counted(citations, 'citation')}"
    return text + f", {_counted(lines, 'independent line')}" if citations > 1 else text


# --- the originals of sources: one recursive query ------------------------------------------


def _originals_sql(connection) -> str:
    q = connection.ops.quote_name
    sources, relations = q(Source._meta.db_table), q(SourceRelation._meta.db_table)
    # UNION, not UNION ALL: a source reached by two paths (a diamond) is walked on once.
    return f"""
        WITH RECURSIVE ancestry (start_id, source_id) AS (
            SELECT s.id, s.id FROM {sources} s WHERE {ids_condition("s.id", connection)}
            UNION
            SELECT a.start_id, r.derived_from_id
            FROM ancestry a JOIN {relations} r ON r.source_id = a.source_id
        )
        SELECT a.start_id, a.source_id, s.{q("key")}, s.title
        FROM ancestry a JOIN {sources} s ON s.id = a.source_id
        WHERE NOT EXISTS (SELECT 1 FROM {relations} d WHERE d.source_id = a.source_id)
    """


def source_originals(
    source_ids: Iterable[int], *, connection=None
) -> tuple[dict[int, frozenset[int]], dict[int, Root]]:
    """Each source's originals (its own id when it derives from nothing), and every such original
    as a Root: one query, none without sources. A source not found (deleted meanwhile) is left out."""
    connection = connection or default_connection
    ids = sorted(set(source_ids))
    if not ids:
        return {}, {}
    originals: dict[int, set[int]] = defaultdict(set)
    roots: dict[int, Root] = {}
    with connection.cursor() as cursor:
        cursor.execute(_originals_sql(connection), [ids_parameter(ids, connection)])
        for start_id, original_id, key, title in cursor.fetchall():
            originals[start_id].add(original_id)
            roots[original_id] = Root(key, title)
    return {source_id: frozenset(found) for source_id, found in originals.items()}, roots


# --- lines from citations: no query ----------------------------------------------------------


def lines_of(
    citations: Iterable[tuple[int, int, int, str]],
    originals: dict[int, frozenset[int]],
    roots: dict[int, Root] | None = None,
) -> dict[int, ClaimLines]:
    """claim id -> its ClaimLines, from citations (pk, claim_id, source_id, stance) in the claim
    page's order and the originals of their sources (source_originals). Without roots, lines
    name none (an export counts them only)."""
    roots = roots or {}
    # (claim, stance) -> its citations (pk, originals), in order
    groups: dict[tuple[int, str], list[tuple[int, frozenset[int]]]] = defaultdict(list)
    result: dict[int, ClaimLines] = {}
    for pk, claim_id, source_id, stance in citations:
        if claim_id not in result:
            result[claim_id] = ClaimLines()
        if stance in _STANCES:
            groups[claim_id, stance].append((pk, originals.get(source_id) or frozenset([source_id])))
    for (claim_id, stance), group in groups.items():
        lines = _lines(group)
        found = result[claim_id]
        for number, members in enumerate(lines, start=1):
            line_roots = set().union(*(originals_ for _pk, originals_ in members))
            line = Line(
                stance=stance,
                number=number,
                roots=tuple(sorted((roots[r] for r in line_roots if r in roots), key=lambda root: root.key)),
                citation_ids=tuple(pk for pk, _originals in members),
            )
            for pk, _originals in members:
                found.line_of[pk] = line
        if stance == SUPPORTS:
            found.supporting_citations, found.supporting_lines = len(group), len(lines)
        else:
            found.contradicting_citations, found.contradicting_lines = len(group), len(lines)
    return result


def line_counts(
    citations: Iterable[tuple[int, int, int, str]], originals: dict[int, frozenset[int]]
) -> dict[int, tuple[int, int]]:
    """claim id -> (supporting lines, contradicting lines), as lines_of counts them, without the
    lines themselves (an export of 100,000 claims needs the numbers only)."""
    groups: dict[tuple[int, str], list[tuple[int, frozenset[int]]]] = defaultdict(list)
    for pk, claim_id, source_id, stance in citations:
        if stance in _STANCES:
            groups[claim_id, stance].append((pk, originals.get(source_id) or frozenset([source_id])))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (claim_id, stance), group in groups.items():
        # (One citation is one line; most claims have one or two.)
        counts[claim_id][stance != SUPPORTS] = 1 if len(group) == 1 else len(_lines(group))
    return {claim_id: (supporting, contradicting) for claim_id, (supporting, contradicting) in counts.items()}


def _lines(group: list[tuple[int, frozenset[int]]]) -> list[list[tuple[int, frozenset[int]]]]:
    """The citations joined into lines (union-find over shared originals), each line in the
    citations' order, the lines by their first citation."""
    parent = list(range(len(group)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[int, int] = {}  # original -> the first citation going back to it
    for i, (_pk, originals) in enumerate(group):
        for original in originals:
            j = first_with.setdefault(original, i)
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the earlier citation stays the line's representative
    members: dict[int, list[tuple[int, frozenset[int]]]] = defaultdict(list)
    for i, citation in enumerate(group):
        members[find(i)].append(citation)
    return [members[i] for i in sorted(members)]


# --- the selector ------------------------------------------------------------------------------


def claim_evidence_lines(claims: Iterable[Claim | int]) -> dict[int, ClaimLines]:
    """Each claim's lines of evidence (ClaimLines; empty for a claim without citations): two
    queries for any number of claims, none for no claims."""
    from .detail import CITATION_ORDER  # (detail imports this module)

    claim_ids = [c if isinstance(c, int) else c.pk for c in claims]
    if not claim_ids:
        return {}
    citations = list(
        Citation.objects.filter(claim_id__in=claim_ids, stance__in=_STANCES)
        .order_by("claim_id", *CITATION_ORDER)
        .values_list("pk", "claim_id", "source_id", "stance")
    )
    originals, roots = source_originals({source_id for _pk, _claim, source_id, _stance in citations})
    found = lines_of(citations, originals, roots)
    return {claim_id: found.get(claim_id) or ClaimLines() for claim_id in claim_ids}
