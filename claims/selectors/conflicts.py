"""Date conflicts: two claims of one topic whose dates cannot both be true.

Two claims of a topic conflict when both are dated, neither is refuted, and their intervals
(date_earliest … date_latest, claims/dates.py) do not overlap: 11 June 1937 against 12 June
1937. A claim whose interval holds the other's is compatible with it (the night of 11–12 June,
"1937-06-11/1937-06-12" or "[1937-06-11,1937-06-12]", against 11 June). An open end (NULL)
never conflicts on that side; an uncertain or approximate date counts with the bounds stored.

Each unordered pair is one conflict, the earlier claim first: `earlier` ends before `later`
starts (at most one of the two orders can hold). The pairs are found by the database, never
in Python: the later claims of an earlier one are a range of claim_topic_by_date_idx (topic,
dated, earliest day …), read from the earlier claim's latest day on, so a page walks the
topic's claims in date order and stops after its rows; the count stops at COUNT_LIMIT + 1.
A topic of 12,000 claims has tens of millions of pairs: no query here reads them all; an
export counts each claim's by bisection over its topic's dates (ConflictCells).
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection

from claims.models import Claim, Topic

from .lists import with_evidence_grades, with_row_counts

# Conflicts are counted up to this many, and only this many are listed (earliest first):
# "more than 1,000 conflicts" tells a reader what an exact count would, at a bounded cost.
COUNT_LIMIT = 1000
ROWS_PER_PAGE = 25
_REFUTED = Claim.Status.REFUTED.value


def conflicting(first: Claim, second: Claim) -> bool:
    """The rule the SQL below applies, for claims already read (a timeline's page of them)."""
    if first.topic_id != second.topic_id or not (first.event_date and second.event_date):
        return False
    if _REFUTED in (first.status, second.status):
        return False
    return _before(first, second) or _before(second, first)


def _before(earlier: Claim, later: Claim) -> bool:
    return (
        earlier.date_latest is not None
        and later.date_earliest is not None
        and earlier.date_latest < later.date_earliest
    )


# The index's expressions (claims/sorting.py), as both databases recognise them (see _sql).
def _undated(alias: str) -> str:
    return f"({alias}.event_date = '')"


def _earliest(alias: str) -> str:
    return f"COALESCE({alias}.date_earliest, '0001-01-01')"


def _latest(alias: str) -> str:
    return f"COALESCE({alias}.date_latest, '9999-12-31')"


def _false() -> str:
    """How "(event_date = '')" is tested false: a boolean literal of each database's own spelling."""
    return "IS FALSE" if connection.vendor == "postgresql" else "= 0"


def _sql() -> dict[str, str]:
    """The self-join, written so that both databases read it from claim_topic_by_date_idx.

    The index's expressions (claims/sorting.py) are repeated literally, so that each
    database recognises them: "(event_date = '')" is the index's "undated" column (false
    for the dated claims; a boolean literal of each database's own spelling), COALESCE(…)
    its earliest and latest days. "later.earliest > earlier.latest" implies both bounds
    are known: an open end never conflicts on that side.
    """
    table, false = Claim._meta.db_table, _false()
    # SQLite would rather walk claim_by_date_desc_idx and sort every pair (a topic of 12,000
    # claims has tens of millions) than read the topic index in the page's order: told here.
    by_topic = "" if connection.vendor == "postgresql" else " INDEXED BY claim_topic_by_date_idx"

    later = (
        f"l.topic_id = e.topic_id AND {_undated('l')} {false}"
        f" AND {_earliest('l')} > {_latest('e')} AND l.status <> '{_REFUTED}'"
    )
    join = f"FROM {table} e{by_topic} JOIN {table} l{by_topic} ON {later}"
    dated_earlier = f"{_undated('e')} {false} AND e.date_latest IS NOT NULL AND e.status <> '{_REFUTED}'"
    # e.id and l.id end each claim's part: the index's entries end in the row's id, and SQLite
    # takes a nested loop's order for the page's only once each outer row is told apart.
    # Within one topic, the index's first two columns are fixed by the WHERE and left out of the
    # ORDER BY: named there, they make SQLite sort every pair of the topic (seconds at 12,000
    # claims) instead of each earlier claim's few. Likewise the later claim's "undated", which the
    # join fixes: named, SQLite sorts each earlier claim's later ones (all 12,000 for the first
    # of a big topic: 35 ms a page) instead of reading them in the index's order (0.1 ms).
    of_topic_earlier_order = f"{_earliest('e')}, {_latest('e')}, e.key"
    earlier_order = f"e.topic_id, {_undated('e')}, {of_topic_earlier_order}"
    later_order = f"e.id, {_earliest('l')}, {_latest('l')}, l.key, l.id"
    of_topic_order, order = f"{of_topic_earlier_order}, {later_order}", f"{earlier_order}, {later_order}"
    return {
        "page_of_topic": f"SELECT e.id, l.id {join} WHERE e.topic_id = %s AND {dated_earlier}"
        f" ORDER BY {of_topic_order} LIMIT %s OFFSET %s",
        "page": f"SELECT e.id, l.id {join} WHERE {dated_earlier} ORDER BY {order} LIMIT %s OFFSET %s",
        # (The earlier claims' order, which the index gives, keeps the count on the index too.)
        "count_of_topic": f"SELECT COUNT(*) FROM (SELECT 1 {join} WHERE e.topic_id = %s AND {dated_earlier}"
        f" ORDER BY {of_topic_earlier_order} LIMIT %s) t",
        "count": f"SELECT COUNT(*) FROM (SELECT 1 {join} WHERE {dated_earlier} ORDER BY {earlier_order} LIMIT %s) t",
    }


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class Conflict:
    earlier: Claim
    later: Claim


def conflict_count(*, topic: Topic | None = None) -> int:
    """How many conflicts there are (of one topic, or of all), counted up to COUNT_LIMIT + 1: one query."""
    sql = _sql()
    if topic is not None:
        return _rows(sql["count_of_topic"], [topic.pk, COUNT_LIMIT + 1])[0][0]
    return _rows(sql["count"], [COUNT_LIMIT + 1])[0][0]


def conflicts_page(*, topic: Topic | None = None, number=None, user, per_page: int = ROWS_PER_PAGE) -> Page:
    """A page of the conflicts (of one topic, or of all, by topic), the earlier claim's date
    first; each claim with its topic, evidence grade, citation and open dispute counts.

    page.paginator.count is the number listed (at most COUNT_LIMIT); page.more_than_listed
    says there are more. A number past the end gives the last page, anything that is not a
    number the first (as every list of the site). Eight queries (ten for a blind reviewer),
    three when there are none, whatever the number of claims and conflicts.
    """
    counted = conflict_count(topic=topic)
    paginator = Paginator(range(min(counted, COUNT_LIMIT)), per_page)
    page = paginator.get_page(number)
    page.more_than_listed = counted > COUNT_LIMIT
    page.object_list = []
    if not counted:
        return page
    limit, offset = len(range(page.start_index() - 1, page.end_index())), page.start_index() - 1
    sql = _sql()
    if topic is not None:
        pairs = _rows(sql["page_of_topic"], [topic.pk, limit, offset])
    else:
        pairs = _rows(sql["page"], [limit, offset])
    claims = {
        c.pk: c for c in Claim.objects.select_related("topic").in_bulk({pk for pair in pairs for pk in pair}).values()
    }
    summed = with_evidence_grades(claims=with_row_counts(claims.values()), user=user)
    claims = {c.pk: c for c in summed}
    # A claim deleted between the two reads leaves its conflict out rather than failing the page.
    page.object_list = [Conflict(claims[e], claims[x]) for e, x in pairs if e in claims and x in claims]  # type: ignore[misc]
    return page


# An export's cell lists at most this many conflicting keys, then "… and N more": a claim of a
# big topic of single days conflicts with nearly all of it (thousands of keys in one cell,
# past what a spreadsheet holds in a cell; gigabytes for 100,000 claims).
CELL_KEYS = 20


class ConflictCells:
    """The conflicts_with cells of an export: for each claim, the keys of the claims it conflicts
    with, sorted; past CELL_KEYS, the CELL_KEYS nearest in date (sorted) and "… and N more".

    Each topic's dated claims that are not refuted are read once, on the first chunk that holds
    one of its claims (one query per chunk at most, none when its topics are read already), and
    kept sorted by earliest and by latest day: a claim's conflicts are then two ranges found by
    bisection (those starting after it ends, those ending before it starts), counted without
    being listed. An export reads each of its topics' claims once, whatever their conflicts.
    """

    def __init__(self) -> None:
        # topic id -> (earliest days ascending, their keys), (latest days ascending, their keys)
        self._after: dict[int, tuple[list, list[str]]] = {}
        self._before: dict[int, tuple[list, list[str]]] = {}
        self._dated: dict[int, tuple[int, object, object]] = {}  # claim id -> (topic, earliest, latest)

    def _read(self, topic_ids: set[int]) -> None:
        new = topic_ids - self._after.keys()
        if not new:
            return
        rows = (
            Claim.objects.order_by()
            .filter(topic_id__in=new)
            .exclude(event_date="")
            .exclude(status=_REFUTED)
            .values_list("pk", "key", "topic_id", "date_earliest", "date_latest")
        )
        starts: dict[int, list] = defaultdict(list)
        ends: dict[int, list] = defaultdict(list)
        for pk, key, topic_id, earliest, latest in rows:
            self._dated[pk] = (topic_id, earliest, latest)
            if earliest is not None:
                starts[topic_id].append((earliest, key))
            if latest is not None:
                ends[topic_id].append((latest, key))
        for topic_id in new:
            by_start, by_end = sorted(starts[topic_id]), sorted(ends[topic_id])
            self._after[topic_id] = ([d for d, _ in by_start], [k for _, k in by_start])
            self._before[topic_id] = ([d for d, _ in by_end], [k for _, k in by_end])

    def cells(self, claims: Iterable[tuple[int, int]]) -> dict[int, list[str]]:
        """(claim id, topic id) pairs -> the cell's items of each claim with conflicts."""
        claims = list(claims)
        self._read({topic_id for _, topic_id in claims})
        found: dict[int, list[str]] = {}
        for pk, _topic_id in claims:
            if pk not in self._dated:
                continue  # undated, refuted, or added since the topic was read
            topic_id, earliest, latest = self._dated[pk]
            starts, start_keys = self._after[topic_id]
            ends, end_keys = self._before[topic_id]
            first_after = bisect_right(starts, latest) if latest is not None else len(starts)
            last_before = bisect_left(ends, earliest) if earliest is not None else 0
            count = (len(starts) - first_after) + last_before
            if not count:
                continue
            if count <= CELL_KEYS:
                found[pk] = sorted(start_keys[first_after:] + end_keys[:last_before])
                continue
            # The nearest in date on each side, half each as far as a side has them.
            after_n = min(len(starts) - first_after, max(CELL_KEYS - last_before, CELL_KEYS // 2))
            before_n = CELL_KEYS - after_n
            nearest = start_keys[first_after : first_after + after_n] + end_keys[last_before - before_n : last_before]
            found[pk] = [*sorted(nearest), f"… and {count - CELL_KEYS:,} more"]
        return found


def conflicts_with(claim_ids: Iterable[int]) -> dict[int, list[str]]:
    """claim id -> its conflicts_with cell's items (ConflictCells), claims with none left out."""
    ids = [int(pk) for pk in claim_ids]
    return ConflictCells().cells(Claim.objects.filter(pk__in=ids).values_list("pk", "topic_id"))


def conflicts_among(claims: Iterable[Claim]) -> dict[int, list[Claim]]:
    """claim id -> the claims of these (a page already read) it conflicts with, by date."""
    claims = list(claims)
    found: dict[int, list[Claim]] = defaultdict(list)
    for i, first in enumerate(claims):
        for second in claims[i + 1 :]:
            if conflicting(first, second):
                found[first.pk].append(second)
                found[second.pk].append(first)
    return found


def with_conflict_marks(claims: Iterable[Claim]) -> list[Claim]:
    """Set has_conflict on each of these claims (a page of them): whether it conflicts with
    any claim of its topic. One query: for each claim, two ranges of its topic's date index
    (the claims after it, the claims before it), each read up to the first conflict."""
    claims = list(claims)
    dated = [c for c in claims if c.event_date and c.status != _REFUTED]
    marked: set[int] = set()
    if dated:
        table, false = Claim._meta.db_table, _false()
        postgresql = connection.vendor == "postgresql"
        # SQLite would walk claim_by_date_desc_idx for these claims rather than look each up by id.
        by_id = "" if postgresql else " NOT INDEXED"
        listed = ",".join(str(int(c.pk)) for c in dated)
        undated, earliest = _undated("o"), _earliest("o")
        # Each a first match, in the index's order on PostgreSQL, which may plan an EXISTS as a
        # scan of the table; SQLite reads the range from the index as it is (and would sort it).
        first = f"SELECT o.id FROM {table} o WHERE o.topic_id = c.topic_id AND {undated} {false} AND o.status <> '{_REFUTED}'"
        in_order = f"ORDER BY {undated}, {earliest} LIMIT 1" if postgresql else "LIMIT 1"
        sql = (
            f"SELECT c.id FROM {table} c{by_id} WHERE c.id IN ({listed}) AND ("
            f"({first} AND {earliest} > {_latest('c')} {in_order}) IS NOT NULL"
            f" OR ({first} AND {earliest} < {_earliest('c')}"
            f" AND o.date_latest < c.date_earliest {in_order}) IS NOT NULL)"
        )
        marked = {row[0] for row in _rows(sql, [])}
    for claim in claims:
        claim.has_conflict = claim.pk in marked
    return claims
