"""Pages of the API's claim list, cut from the index of the list's order (no OFFSET, no COUNT).

The claim list's orders are expressions (claims/sorting.py: dated claims first by their
earliest day, then …), which DRF's CursorPagination (one field) cannot follow. Here the cursor
holds the values of every term of the order for the row at the page's edge, and the next page
is the rows after them in that order, read as ranges of the order's index (_ranges, _after).
Every order ends with a unique term (the key, or the search index's row), so no row is skipped
or repeated.
The cursor also names the order it was cut from: a search ranked by relevance turns into one
listed newest first when it matches more than lists.RANK_LIMIT claims (claim_list_order), and
a cursor of the other order is refused rather than read wrongly.
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, OrderBy, Q, QuerySet, Value
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

CURSOR_PARAM = "cursor"
BAD_CURSOR = "This cursor is not one this list gave out (or the list's order changed since): start from the first page."


@dataclass(frozen=True)
class Position:
    order: str  # which order the values are of ("relevance", "newest", or the sort asked for)
    values: tuple[Any, ...]  # of each term of the order, for the row at the page's edge
    backwards: bool = False  # the page before that row, not after it


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and value.keys() == {"t"}:
        return datetime.datetime.fromisoformat(value["t"])
    if isinstance(value, dict) and value.keys() == {"d"}:
        return datetime.date.fromisoformat(value["d"])
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValueError(value)


def encode_cursor(position: Position) -> str:
    text = json.dumps(
        {"o": position.order, "v": [_encode(v) for v in position.values], "b": position.backwards},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> Position:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return Position(order=str(data["o"]), values=tuple(_decode(v) for v in data["v"]), backwards=bool(data["b"]))
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({CURSOR_PARAM: [BAD_CURSOR]}) from None


def order_terms(queryset: QuerySet) -> list[OrderBy]:
    """The queryset's order, each term an OrderBy."""
    terms: list[OrderBy] = []
    for term in queryset.query.order_by:
        if isinstance(term, str):
            terms.append(F(term[1:]).desc() if term.startswith("-") else F(term).asc())
        else:
            assert isinstance(term, OrderBy)  # (the claim list's orders are all written as OrderBy or names)
            terms.append(term)
    return terms


def _turned(term: OrderBy) -> OrderBy:
    term = term.copy()
    term.reverse_ordering()
    return term


class _AsRanked(Func):
    """A relevance of the cursor (the only order term that is a float) as the database ranked:
    PostgreSQL's ts_rank is a real (4 bytes), whose text read back as a double is another
    number, so that no row would equal it; SQLite's bm25 is a double, as Python's float."""

    template = "%(expressions)s"
    output_field = FloatField()

    def __init__(self, value: float):
        super().__init__(Value(value, output_field=FloatField()))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS real)", **extra)


def _as_indexed(value: Any) -> Any:
    """A value of the cursor as the index compares it. A boolean is a value, not a condition:
    given True or False, Django writes `expr = false` as `NOT expr`, which no index of `expr`
    serves."""
    if isinstance(value, bool):
        return Value(value, output_field=BooleanField())
    return _AsRanked(value) if isinstance(value, float) else value


def _ranges(names: list[str], terms: list[OrderBy], values: tuple[Any, ...]) -> list[tuple[Q, list[OrderBy]]]:
    """The rows after `values` in the order of terms, as ranges of the order's index, in the
    index's order: the rows equal to values in every term but the last and after it in the last,
    then those equal in every term but the last two and after in the last but one, … , then
    those after values[0] in the first term. Each is a seek into the index (equal in the leading
    terms, a range in the next), so that a page deep into the list costs what the first does."""
    values = tuple(_as_indexed(value) for value in values)
    ranges = []
    for i in reversed(range(len(terms))):
        equal = {names[j]: values[j] for j in range(i)}
        # (Ordered by the terms not held equal: SQLite reads a range of equal leading terms in
        # the index's order only when told no more.)
        ranges.append((Q(**equal, **{f"{names[i]}__{'lt' if terms[i].descending else 'gt'}": values[i]}), terms[i:]))
    return ranges


def _after(rows: QuerySet, names: list[str], terms: list[OrderBy], values: tuple[Any, ...], size: int) -> list[int]:
    """The ids of the first `size` rows after `values`: each range of _ranges read up to `size`
    rows (a subquery of its own, which the database reads from the index and stops), the ranges
    put one after the other and the first `size` kept. One query; what is sorted is at most
    `size` rows a range."""
    parts: list[str] = []
    params: list[Any] = []
    for number, (condition, rest) in enumerate(_ranges(names, terms, values)):
        part = rows.filter(condition).order_by(*rest).values_list("pk", *names)[:size]
        sql, part_params = part.query.sql_with_params()
        parts.append(f"SELECT {number} AS part, r.* FROM ({sql}) r")
        params += part_params
    order = ", ".join(
        f"{connection.ops.quote_name(name)} {'DESC' if term.descending else 'ASC'}" for name, term in zip(names, terms)
    )
    query = f"SELECT pk FROM ({' UNION ALL '.join(parts)}) ranges ORDER BY part, {order} LIMIT {int(size)}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [row[0] for row in cursor.fetchall()]


class ClaimCursor(BasePagination):
    """Keyset pages of an ordered queryset of claims; paginate_queryset returns the ids of the page."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not asked.isdigit() or not 1 <= int(asked) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Ask for 1 to {self.max_page_size} claims a page (the default is 50)."]}
            )
        return int(asked)

    def position(self, request) -> Position | None:
        token = request.query_params.get(CURSOR_PARAM)
        return decode_cursor(token) if token else None

    def paginate_queryset(self, queryset, request, view=None, *, order: str = "") -> list[int]:
        """The ids of the page's claims; order names the queryset's order (a cursor of another is refused)."""
        self.request, self.order = request, order
        size, position = self.get_page_size(request), self.position(request)
        terms = order_terms(queryset)
        if position is not None and (position.order != order or len(position.values) != len(terms)):
            raise ValidationError({CURSOR_PARAM: [BAD_CURSOR]})
        backwards = position is not None and position.backwards
        if backwards:
            terms = [_turned(term) for term in terms]
        names = [f"cursor_{i}" for i in range(len(terms))]
        rows = queryset.order_by(*terms).annotate(**{name: term.expression for name, term in zip(names, terms)})
        if position is None:
            found = list(rows.values_list("pk", *names)[: size + 1])
        else:
            ids = _after(rows, names, terms, position.values, size + 1)
            at_edges = {
                pk: values for pk, *values in rows.filter(pk__in=ids[:1] + ids[:size][-1:]).values_list("pk", *names)
            }
            found = [(pk, *at_edges.get(pk, ())) for pk in ids]
        more, found = len(found) > size, found[:size]
        if backwards:
            found.reverse()
        self.ids = [row[0] for row in found]
        edges = (tuple(found[0][1:]), tuple(found[-1][1:])) if found else None
        # Going forwards there is a page before when we came from one; going back, a page after.
        self.next_position = self.previous_position = None
        if edges is not None:
            if more if not backwards else position is not None:
                self.next_position = Position(order, edges[1])
            if position is not None if not backwards else more:
                self.previous_position = Position(order, edges[0], backwards=True)
        return self.ids

    def _link(self, position: Position | None) -> str | None:
        if position is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, encode_cursor(position))

    def first_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), CURSOR_PARAM)

    def get_paginated_response(self, data, notice: str = "") -> Response:
        body: dict[str, Any] = {
            "next": self._link(self.next_position),
            "previous": self._link(self.previous_position),
            "results": data,
        }
        if notice:
            body["notice"] = notice
        return Response(body)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": link,
                "previous": link,
                "results": schema,
                "notice": {
                    "type": "string",
                    "description": "Why the list is not in the order asked for (a blind reviewer asking for the evidence order).",
                },
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the `next` or `previous` link of another page carries it.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Claims a page, 1 to {self.max_page_size} (50 unless asked).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
