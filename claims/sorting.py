"""The orders the claim pages offer, as expressions an index can serve.

A page of 25 claims out of 100,000 costs the same as the first page of a small project
only when the database can walk an index in the page's order and stop after the page;
a sort it must do itself reads every matching claim first. The expressions here are
written with literals, not query parameters, so that SQLite and PostgreSQL recognise the
ORDER BY as the expression of an index (Claim.Meta.indexes names the query each serves).

By date: dated claims first, by the earliest day the date allows, then the latest; an
open start ("../1937-06") counts as the earliest of all, an open end ("1937/..") as the
latest of all; undated claims last (in both directions), each tie by key.

Reversed (reversed_order): the same index read backwards, every term of the order turned
round, ties and undated claims included; no second index, so the reverse of a sort whose
index puts undated claims last puts them first within each group.
"""

from collections.abc import Sequence

from django.db.models import BooleanField, DateField, F, Func, IntegerField, OrderBy


class Undated(Func):
    """True for a claim without a date: sorts after the dated ones."""

    template = "(%(expressions)s = '')"
    output_field = BooleanField()

    def __init__(self):
        super().__init__(F("event_date"))


class EarliestDay(Func):
    template = "COALESCE(%(expressions)s, '0001-01-01')"
    output_field = DateField()

    def __init__(self):
        super().__init__(F("date_earliest"))


class LatestDay(Func):
    template = "COALESCE(%(expressions)s, '9999-12-31')"
    output_field = DateField()

    def __init__(self):
        super().__init__(F("date_latest"))


class StatusRank(Func):
    """A claim's status in the order of its choices (Claim.Status: open, supported, contested, refuted)."""

    output_field = IntegerField()

    def __init__(self, values: Sequence[str]):
        if not all(value.isidentifier() for value in values):
            raise ValueError("status values are written into SQL: plain words only")
        whens = " ".join(f"WHEN '{value}' THEN {rank}" for rank, value in enumerate(values))
        self.template = f"CASE %(expressions)s {whens} ELSE {len(values)} END"
        super().__init__(F("status"))


def by_date(*, descending: bool = False) -> tuple[OrderBy, ...]:
    return (
        Undated().asc(),
        EarliestDay().desc() if descending else EarliestDay().asc(),
        LatestDay().desc() if descending else LatestDay().asc(),
        F("key").asc(),
    )


def reversed_order(order: Sequence[OrderBy]) -> tuple[OrderBy, ...]:
    """The order read from the far end of its index: each term turned round."""
    turned = []
    for term in order:
        term = term.copy()
        term.reverse_ordering()
        turned.append(term)
    return tuple(turned)


BY_DATE = by_date()
BY_DATE_DESCENDING = by_date(descending=True)
BY_UPDATED = (F("updated_at").asc(), F("key").asc())
# The same index read backwards: ties (a CSV import saves thousands at one time) by key, last first.
BY_UPDATED_DESCENDING = (F("updated_at").desc(), F("key").desc())
# Strongest evidence first (Claim.evidence_rank, grading.evidence_rank), no supporting citation last, then by date.
BY_EVIDENCE = (F("evidence_rank").asc(), *BY_DATE)
# Weakest first: claims nothing supports, then ungraded, then the weakest grades (claim_by_evidence_idx backwards).
BY_EVIDENCE_DESCENDING = reversed_order(BY_EVIDENCE)
