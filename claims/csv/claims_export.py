"""Export of the claims CSV of docs/design.md: streamed in one pass, BATCH_SIZE claims at a time."""

import datetime
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count, F, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from claims.grading import consensus_credibility, consensus_reliability, evidence_grade, evidence_sort_key
from claims.id_lists import AmongIds, ids_parameter
from claims.models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    Topic,
    User,
)
from claims.quoting import quoted
from claims.selectors.blind import is_blind_grader
from claims.selectors.conflicts import ConflictCells
from claims.selectors.grades import HIDDEN
from claims.selectors.lines import line_counts, source_originals

from . import progress
from .columns import CLAIM_COLUMN_TABLE, names
from .common import require_export
from .reading import BATCH_SIZE, FORMULA_STARTS, escape_formula

CLAIM_COLUMNS = names(CLAIM_COLUMN_TABLE)  # (what the import reads, and the upload page lists)
# supporting_lines, contradicting_lines: the claim's independent lines of evidence (selectors/lines.py).
# conflicts_with: the keys of the claims whose dates conflict with the row's (selectors/conflicts.py).
EXPORT_ONLY = [
    "grade",
    "open_disputes",
    "annotations",
    "updated",
    "supporting_lines",
    "contradicting_lines",
    "conflicts_with",
]
EXPORT_COLUMNS = CLAIM_COLUMNS + EXPORT_ONLY
SEPARATOR = "|"


def claims_csv_chunks(
    *,
    actor: User | None = None,
    claims: QuerySet[Claim] | None = None,
    topic: str | None = None,
    in_order: bool = False,
) -> Iterator[str]:
    """The CSV text, BATCH_SIZE rows at a time: for streaming to a browser.

    claims: the claims to write (e.g. the filtered list of /claims/), else all, or those
    of the topic with this slug; in_order: in the order of claims (the list's sort, so that
    the file lists them as the page does), else by key. See claims_export for the rest.
    """
    selected = _selection(actor, claims, topic)
    if in_order and claims is not None:
        selected = claims.filter(pk__in=selected.order_by().values("pk")) if topic is not None else claims
    return (text for text, _ in _pages(selected, actor, by_key=not (in_order and claims is not None)))


def claims_export(*, out: TextIO, topic: str | None = None, actor: User | None = None) -> int:
    """Write the claims (of one topic, by slug, if given) as CSV to out; returns the row count.

    Rows are sorted by key and read in one pass: the selected claims' ids in one query,
    then BATCH_SIZE claims at a time, each chunk with a fixed number of queries for its
    people and citations (grades, disputes and annotations are read once per export).
    Lines end in \\r\\n. The grade column honours blind grading: "hidden" where the
    actor may not see it yet. Raises PermissionDenied, or ValidationError for an unknown
    topic slug, before anything is written.
    """
    count = 0
    for text, rows in _pages(_selection(actor, None, topic), actor):
        out.write(text)
        count += rows
    return count


def _selection(actor: User | None, claims: QuerySet[Claim] | None, topic: str | None) -> QuerySet[Claim]:
    """Checked at once, not when the first chunk is asked for (a stream cannot turn into an error page)."""
    require_export(actor)
    selected = Claim.objects.all()
    if claims is not None:
        selected = selected.filter(pk__in=claims.order_by().values("pk"))
    if topic is not None:
        found = Topic.objects.filter(slug=topic).first()
        if found is None:
            raise ValidationError({"topic": f"No topic has the slug {quoted(topic)}."})
        selected = selected.filter(topic=found)
    return selected


def _pages(claims: QuerySet[Claim], actor: User | None, *, by_key: bool = True) -> Iterator[tuple[str, int]]:
    """The export in one ordered pass: the selected ids, by key (or in the caller's order), in one query (the caller's
    filter, a search of every statement perhaps, runs once, not once per chunk), then each
    chunk of BATCH_SIZE of them read by id with its people and citations (four queries) and
    the originals of the sources they cite (one: their lines of evidence).
    Claims deleted meanwhile are left out; claims added meanwhile are not in the export."""
    connection = connections[claims.db]
    ids = _ids_in_order(claims.order_by("key") if by_key else claims, connection)
    progress.total(len(ids))
    lookups = _Lookups()
    grading = _Grading.read(actor)
    queries = _ChunkQueries(connection)
    conflict_cells, originals = ConflictCells(), _Originals(connection)
    header = ",".join(_csv_cell(name) for name in EXPORT_COLUMNS) + "\r\n"
    yield header, 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk, people, attributed, citations = queries.chunk(ids[start : start + BATCH_SIZE])
        if not by_key:  # (the chunk's query gives them by key)
            position = {pk: index for index, pk in enumerate(ids[start : start + BATCH_SIZE])}
            chunk.sort(key=lambda row: position[row[0]])
        lines = originals.lines(citations)  # a query for sources not cited before
        conflicts = conflict_cells.cells((row[0], row[2]) for row in chunk)  # a query for topics not yet read
        yield (
            "".join(
                _export_lines(chunk, (people, attributed), citations, lookups, grading, connection, lines, conflicts)
            ),
            len(chunk),
        )
        progress.written(min(start + BATCH_SIZE, len(ids)))


def _ids_in_order(claims: QuerySet[Claim], connection) -> array:
    """The selected claims' ids in their queryset's order, as 8-byte integers (a million of them take 8 MB)."""
    sql, params = claims.values_list("pk").query.get_compiler(connection=connection).as_sql()
    ids = array("q")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(10 * BATCH_SIZE):
            ids.extend(row[0] for row in rows)
    return ids


# A chunk's claims as plain tuples in this order: the export reads these columns only.
_PAGE_FIELDS = ("pk", "key", "topic_id", "statement", "kind", "event_date", "status", "updated")
_IDS = "\x00claims export: the ids of the chunk\x00"  # stands for the parameter of the chunk's ids


class _ChunkQueries:
    """The SQL of a chunk's four queries, built once per export and run once per chunk.

    Each query is a queryset (values_list) of the rows of the chunk's claims, whose ids are
    one parameter (AmongIds): Django builds the SQL (quoting, any backend), but building it
    takes about as long as SQLite takes to run it, so it is built once, the parameter
    replaced on each chunk. Rows are fetched from the cursor as the driver returns them,
    skipping the ORM's per-row iterator and converters, which cost more than the query:
    every column read is the str or int the ORM would give, except updated_at (see
    _utc_iso). Default orderings are cleared where the order does not matter: they add
    joins and a sort.
    """

    def __init__(self, connection):
        self.connection = connection
        # SQLite returns a datetime column's text parsed; as text it is sliced (see _utc_iso).
        updated = Cast("updated_at", TextField()) if connection.vendor == "sqlite" else F("updated_at")
        querysets = {
            "claims": Claim.objects.filter(AmongIds(F("pk"), Value(_IDS)))
            .annotate(updated=updated)
            .order_by("key")
            .values_list(*_PAGE_FIELDS),
            **{
                link: getattr(Claim, link)
                .through.objects.filter(AmongIds(F("claim_id"), Value(_IDS)))
                .order_by()
                .values_list("claim_id", "person_id")
                for link in ("people", "attributed_to")
            },
            "citations": Citation.objects.filter(AmongIds(F("claim_id"), Value(_IDS)))
            .order_by()
            .values_list("claim_id", "source_id", "locator", "stance", "pk"),
        }
        self._sql = {
            name: queryset.query.get_compiler(connection=connection).as_sql() for name, queryset in querysets.items()
        }

    def chunk(self, ids: array) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
        """The chunk's claims, by key, as rows of _PAGE_FIELDS, and the rows of their people (about
        them, and who made them) and citations."""
        value = ids_parameter(ids.tolist(), self.connection)  # (one parameter: claims/id_lists.py)
        return (
            self.rows("claims", value),
            self.rows("people", value),
            self.rows("attributed_to", value),
            self.rows("citations", value),
        )

    def rows(self, name: str, value) -> list[tuple]:
        sql, params = self._sql[name]
        params = [value if param == _IDS else param for param in params]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class _Lookups:
    """Each person's, source's and topic's text in the CSV, and each claim's counts of open
    disputes and of annotations, read once per export (five queries).

    There are far fewer of them than claims (disputes and annotations are written by hand,
    one at a time), and the chunk queries need no joins then. The counts are those when the
    export began, read for every claim: narrowing them to the selected claims would run the
    selection's filter (a search, perhaps) once more per count.
    """

    def __init__(self):
        self.people = _ReadById(_people_texts)  # person id -> the name, or the slug of a namesake
        self.source_keys = _ReadById(lambda: Source.objects.order_by().values_list("pk", "key"))
        self.topic_cells = _ReadById(  # topic id -> title as a CSV cell
            lambda: ((pk, _csv_cell(title)) for pk, title in Topic.objects.order_by().values_list("pk", "title"))
        )
        # claim id -> the count as its cell: digits, which never need a formula escape or quotes
        self.disputes = _counts(Dispute.objects.open())
        self.annotations = _counts(Annotation.objects.filter(withdrawn_at__isnull=True))


def _counts(rows: QuerySet) -> dict[int, str]:
    return {
        claim_id: str(n)
        for claim_id, n in rows.filter(claim_id__isnull=False)
        .order_by()
        .values("claim_id")
        .annotate(n=Count("pk"))
        .values_list("claim_id", "n")
    }


class _ReadById(dict):
    """id -> text, read at once. A stream to a browser takes a while: an id added since is read then."""

    def __init__(self, read):
        super().__init__(read())
        self.read = read

    def __missing__(self, key):
        self.update(self.read())
        return dict.__getitem__(self, key)


def _people_texts() -> dict[int, str]:
    people = list(Person.objects.order_by().values_list("pk", "name", "slug"))
    # Names (casefolded) that several people share: the export writes their slugs instead.
    counts = Counter(name.strip().casefold() for _, name, _ in people)
    namesakes = {name for name, n in counts.items() if n > 1}
    return {pk: slug if name.strip().casefold() in namesakes else name for pk, name, slug in people}


class _Grading:
    """What the grade column needs beyond a page's own citations, read once per export.

    The grade is claims.selectors.grades.claim_evidence_grades, computed here from the
    page's citations and the grades read here (see _cited_and_graded): that function takes
    claims and builds IN lists of their ids and of their citations' ids and sources' ids,
    and reads the same sources' assessments again on every page.
    """

    def __init__(
        self,
        reliability: dict[int, str | None],
        credibility: dict[int, int | None],
        blind_reviewer_id: int | None,
        graded_sources: set[int],
        graded_citations: set[int],
    ):
        self.reliability = reliability  # each graded source's consensus, A-F
        self.credibility = credibility  # each graded supporting citation's consensus, 1-6
        self.blind_reviewer_id = blind_reviewer_id  # the actor's id when they grade blind, else None
        self.graded_sources = graded_sources  # the sources the blind actor has graded
        self.graded_citations = graded_citations  # the citations the blind actor has graded
        self.ranked: dict[tuple, tuple[tuple[int, int], str]] = {}  # (reliability, credibility) -> sort key, label

    @classmethod
    def read(cls, actor: User | None) -> "_Grading":
        """Two queries: every source assessment, and every assessment of a supporting citation
        (of every claim, as in _Lookups). Grades are given by hand, a few per
        source or citation graded: far fewer than the claims' citations."""
        blind = actor is not None and is_blind_grader(actor)
        grades: dict[int, list[str]] = defaultdict(list)
        graded_sources = set()
        for source_id, grade, reviewer_id in SourceAssessment.objects.order_by().values_list(
            "source_id", "grade", "reviewer_id"
        ):
            grades[source_id].append(grade)
            if blind and reviewer_id == actor.pk:
                graded_sources.add(source_id)
        reliability = {source_id: consensus_reliability(g) for source_id, g in grades.items()}
        citation_grades: dict[int, list[int]] = defaultdict(list)
        graded_citations: set[int] = set()
        # (Grades given to an earlier version of their citation no longer count: as claim_evidence_grades.)
        assessments = CitationAssessment.objects.filter(citation__stance=Citation.Stance.SUPPORTS, outdated=False)
        for citation_id, credibility_grade, reviewer_id in assessments.order_by().values_list(
            "citation_id", "grade", "reviewer_id"
        ):
            citation_grades[citation_id].append(credibility_grade)
            if blind and reviewer_id == actor.pk:
                graded_citations.add(citation_id)
        credibility = {citation_id: consensus_credibility(g) for citation_id, g in citation_grades.items()}
        return cls(reliability, credibility, actor.pk if blind else None, graded_sources, graded_citations)

    def rank(self, reliability: str | None, credibility: int | None) -> tuple[tuple[int, int], str]:
        """evidence_sort_key and evidence_grade of a pair: there are few pairs and many citations."""
        pair = (reliability, credibility)
        ranked = self.ranked.get(pair)
        if ranked is None:
            ranked = self.ranked[pair] = (evidence_sort_key(*pair), evidence_grade(*pair))
        return ranked


_UTC = datetime.UTC


def _utc_iso(value, connection) -> str:
    """updated_at as written in the CSV: UTC, to the second ("2024-05-01T09:30:00+00:00").

    PostgreSQL returns an aware datetime. On SQLite it is read as the text Django stored,
    naive UTC "YYYY-MM-DD HH:MM:SS[.ffffff]", and sliced rather than parsed (parsing 100,000
    of them is a good part of an export); other text goes the way of Django's own converter.
    """
    if isinstance(value, str):
        if len(value) in (19, 26) and value[10] == " " and value[4] == "-":
            return f"{value[:10]}T{value[11:19]}+00:00"
        value = parse_datetime(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=connection.timezone)
    return value.astimezone(_UTC).isoformat(timespec="seconds")


_ESCAPE_FIRST = frozenset(FORMULA_STARTS) | {"'"}  # a cell starting otherwise is never escaped


def _csv_cell(value: str | None) -> str:
    """A cell as escape_formula and then csv.writer (excel dialect, QUOTE_MINIMAL) write it.

    Written by hand: the csv module copies every character of a row one by one, and most
    cells here are long statements; str's own searches are several times faster. A cell is
    quoted when it holds a comma, a double quote (doubled) or a line break, as csv does.
    """
    if not value:
        return ""
    if value[0] in _ESCAPE_FIRST:
        value = escape_formula(value)
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


def _people_of(people_rows: list[tuple], lookups: _Lookups) -> dict[int, list[str]]:
    """claim id -> the cells of its people (unsorted)."""
    people: dict[int, list[str]] = defaultdict(list)
    person_text = lookups.people
    for claim_id, person_id in people_rows:
        people[claim_id].append(person_text[person_id])
    return people


def _cited_and_graded(
    citation_rows: list[tuple], lookups: _Lookups, grading: _Grading
) -> tuple[dict[int, list[tuple[str, str]]], dict[int, tuple[tuple[int, int], str]], set[int]]:
    """claim id -> its (source key, locator) pairs; claim id -> its best citation's (sort key,
    label); and the claims whose grade is hidden.

    The grade is claim_evidence_grades': the best of the claim's supporting citations by
    evidence_sort_key (equal sort keys have equal labels, so ties do not matter); HIDDEN for
    a blind reviewer while any of them or their sources is ungraded by them
    (GradeVisibility); empty without a supporting citation.
    """
    citations: dict[int, list[tuple[str, str]]] = defaultdict(list)
    best: dict[int, tuple[tuple[int, int], str]] = {}
    hidden = set()
    source_keys = lookups.source_keys
    supports = Citation.Stance.SUPPORTS.value
    reliability, credibility, ranked = grading.reliability, grading.credibility, grading.ranked
    blind_reviewer_id = grading.blind_reviewer_id
    for claim_id, source_id, locator, stance, citation_id in citation_rows:
        citations[claim_id].append((source_keys[source_id], locator))
        if stance != supports:
            continue
        pair = (reliability.get(source_id), credibility.get(citation_id))
        rank = ranked.get(pair) or grading.rank(*pair)
        current = best.get(claim_id)
        if current is None or rank[0] < current[0]:
            best[claim_id] = rank
        if blind_reviewer_id is not None and not (
            citation_id in grading.graded_citations and source_id in grading.graded_sources
        ):
            hidden.add(claim_id)
    return citations, best, hidden


class _Originals:
    """Each cited source's originals (selectors/lines.py), read once per export: a chunk asks
    only for the sources no chunk before it cited (one query, none once all are known; the
    sources are few next to the claims)."""

    def __init__(self, connection):
        self.connection = connection
        self.known: dict[int, frozenset[int]] = {}

    def lines(self, citation_rows: list[tuple]) -> dict[int, tuple[int, int]]:
        """claim id -> its (supporting, contradicting) lines of evidence, from the chunk's citations."""
        citations = [(pk, claim_id, source_id, stance) for claim_id, source_id, _locator, stance, pk in citation_rows]
        new = {
            source_id
            for _pk, _claim_id, source_id, stance in citations
            if stance != Citation.Stance.MENTIONS and source_id not in self.known
        }
        if new:
            found, _roots = source_originals(new, connection=self.connection)
            self.known.update({source_id: found.get(source_id, frozenset([source_id])) for source_id in new})
        return line_counts(citations, self.known)


_NO_LINES = (0, 0)


def _export_lines(
    page: list[tuple],
    people_rows: tuple[list[tuple], list[tuple]],
    citation_rows: list[tuple],
    lookups: _Lookups,
    grading: _Grading,
    connection,
    lines_by_claim: dict[int, tuple[int, int]],
    conflicts: dict[int, list[str]],
) -> list[str]:
    """The CSV lines of the page's claims (rows of _PAGE_FIELDS), with their people (the rows of
    people and of attributed_to) and citations.

    The grades are those of _cited_and_graded.
    """
    people, attributed = (_people_of(rows, lookups) for rows in people_rows)
    citations, best, hidden = _cited_and_graded(citation_rows, lookups, grading)
    disputes, annotations = lookups.disputes, lookups.annotations
    cell = _csv_cell
    bar = f" {SEPARATOR} "
    topic_cells = lookups.topic_cells
    repeated: dict[str, str] = {}  # the cells of the few kinds, statuses and grades, escaped once
    lines = []
    for pk, key, topic_id, statement, kind, event_date, status, updated in page:
        names: Any = people.get(pk)  # (the list read, then its cell)
        made_by: Any = attributed.get(pk)
        cited: Any = citations.get(pk)
        grade = HIDDEN if pk in hidden else best[pk][1] if pk in best else ""
        if kind not in repeated or status not in repeated or grade not in repeated:
            repeated.update({value: cell(value) for value in (kind, status, grade)})
        if names:
            names = cell(names[0] if len(names) == 1 else bar.join(sorted(names)))
        if made_by:
            made_by = cell(made_by[0] if len(made_by) == 1 else bar.join(sorted(made_by)))
        if cited:
            if len(cited) > 1:
                cited.sort()
            cited = cell(bar.join([f"{k}: {loc}" if loc else k for k, loc in cited]))
        lines.append(
            ",".join(
                (
                    cell(key),
                    topic_cells[topic_id],
                    cell(statement),
                    repeated[kind],
                    cell(event_date),
                    repeated[status],
                    names or "",
                    made_by or "",
                    cited or "",
                    repeated[grade],
                    disputes.get(pk, "0"),
                    annotations.get(pk, "0"),
                    _utc_iso(updated, connection),  # digits first, no comma: no escape, no quotes
                    *map(str, lines_by_claim.get(pk, _NO_LINES)),
                    cell(bar.join(conflicts[pk])) if pk in conflicts else "",
                )
            )
            + "\r\n"
        )
    return lines
