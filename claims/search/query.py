"""Searching the index: which claims match a query, and how well.

Every word of the query must match (AND). A word matches a claim when its key
(claims/search/words.py) begins one of the claim's keys (so "Tukh" finds Tukhachevsky and
«Тухачевского» finds Тухачевский), or, from three letters on, when it is part of a word of
the claim (in any script: "chevsk" finds «Тухачевский»). Those words come from the
vocabulary (claims_searchword: a trigram index of every distinct word), one query per
search, and join the word's alternatives as exact keys, so that each database answers the
whole query with one full-text match over the index: SQLite's FTS5 (ranked by bm25),
PostgreSQL's tsvector and GIN index (ranked by ts_rank). Both weigh a match in a person's
names above one in the statement, and that above one in a source's title.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, FloatField, Func, Q
from django.db.models.expressions import F, RawSQL

from . import words

SUBSTRING_MIN = 3  # the trigram indexes cannot look for less
# The words containing a substring that join its alternatives; a substring in more words
# than this (a common syllable) matches through the first of them only: a longer part of
# the word narrows it.
WORDS_PER_SUBSTRING = 300
VOCABULARY_ROWS = 5000

# Weights of a match in the people's names, the statement and the sources' titles.
WEIGHTS = (1.0, 0.4, 0.2)


@dataclass(frozen=True)
class Match:
    """A parsed search: for each word, the key it is looked up by (as a prefix) and the
    exact keys of the indexed words that contain it."""

    words: tuple[str, ...]
    prefixes: tuple[str, ...]
    exact: tuple[frozenset[str], ...]
    substrings: tuple[tuple[str, ...], ...]

    def _expression(self, prefixed: str, exact: str, either: str, both: str) -> str:
        groups = []
        for prefix, keys in zip(self.prefixes, self.exact):
            alternatives = [prefixed.format(prefix)] + [exact.format(key) for key in sorted(keys)
                                                        if not key.startswith(prefix)]
            groups.append("(" + either.join(alternatives) + ")")
        return both.join(groups)

    def fts5(self) -> str:
        """The query in FTS5's syntax: each word a group of alternatives, all groups ANDed.
        (Keys are letters and digits only: nothing in them needs escaping.)"""
        return self._expression('"{}"*', '"{}"', " OR ", " AND ")

    def tsquery(self) -> str:
        """The query as PostgreSQL's to_tsquery('simple', ...) reads it."""
        return self._expression("'{}':*", "'{}'", " | ", " & ")


def parse(query: str) -> Match | None:
    """The search for query, or None when it has no word. One query (to the vocabulary)
    when a word is long enough to be looked for inside words."""
    found = words.query_words(query)
    if not found:
        return None
    substrings = tuple(
        tuple(dict.fromkeys(words._spellings(word))) if len(words.plain(word)) >= SUBSTRING_MIN else ()
        for word in found
    )
    containing = _words_containing(sorted({s for group in substrings for s in group}))
    exact = []
    for group in substrings:
        keys = sorted({words.whole_key(w) for w in containing if any(s in w for s in group)})
        exact.append(frozenset(keys[:WORDS_PER_SUBSTRING]))
    return Match(words=tuple(found), prefixes=tuple(words.key(word) for word in found), exact=tuple(exact),
                 substrings=substrings)


def _words_containing(substrings: list[str]) -> list[str]:
    if not substrings:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expression = " OR ".join('"' + s.replace('"', '""') + '"' for s in substrings)
            cursor.execute(
                "SELECT word FROM claims_searchword_fts WHERE claims_searchword_fts MATCH %s LIMIT %s",
                [expression, VOCABULARY_ROWS],
            )
        else:
            patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", s) + "%" for s in substrings]
            cursor.execute(
                "SELECT word FROM claims_searchword WHERE " + " OR ".join(["word LIKE %s"] * len(patterns))
                + " LIMIT %s", [*patterns, VOCABULARY_ROWS],
            )
        return [row[0] for row in cursor.fetchall()]


def matching_ids(match: Match) -> RawSQL:
    """The ids of the claims that match, as a subquery (for pk__in)."""
    if connection.vendor == "sqlite":
        return RawSQL("SELECT rowid FROM claims_claimsearch_fts WHERE claims_claimsearch_fts MATCH %s",
                      [match.fts5()])
    return RawSQL("SELECT claim_id FROM claims_claimsearch WHERE vector @@ to_tsquery('simple', %s)",
                  [match.tsquery()])


def filter_q(match: Match):
    """The condition that a claim matches. PostgreSQL: on the claim's index row, joined (so
    that Relevance reads the rank from the same row: a subquery per claim cost 120 ms at
    10,000 matches)."""
    if connection.vendor == "sqlite":
        return Q(pk__in=matching_ids(match))
    return _OnIndexRow(match, "{vector} @@ to_tsquery('simple', %s)", BooleanField())


class _OnIndexRow(Func):
    """SQL over the claim's joined index row ({vector}: its tsvector), PostgreSQL only. The
    row is joined through the reverse one-to-one relation; its tsvector is no model field,
    so its column is named beside the relation's."""

    def __init__(self, match: Match, template: str, output_field):
        super().__init__(F("search_entry__claim_id"), output_field=output_field)
        self.match, self.sql = match, template

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        vector = re.sub(r'"claim_id"$', '"vector"', column)
        return self.sql.format(vector=vector), [*params, self.match.tsquery()]


class Relevance(Func):
    """How well a claim matches (higher is better; NULL for a claim that does not).

    SQLite: bm25() of the match, computed once for all matching rows (a materialized CTE
    with an automatic index on rowid; a subquery correlated to each claim would run the
    full-text query once per claim: 13 s instead of 30 ms at 8,000 matches). PostgreSQL:
    ts_rank() of the claim's stored tsvector, on its index row joined by filter_q."""

    output_field = FloatField()

    def __init__(self, match: Match):
        super().__init__(F("pk"))
        self.match = match

    def as_sql(self, compiler, connection, **extra):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        people, statement, sources = WEIGHTS
        if connection.vendor == "sqlite":
            sql = (
                "(WITH ranked AS MATERIALIZED (SELECT rowid AS claim_id, "
                f"-bm25(claims_claimsearch_fts, {people}, {statement}, {sources}) AS relevance "
                "FROM claims_claimsearch_fts WHERE claims_claimsearch_fts MATCH %s) "
                f"SELECT relevance FROM ranked WHERE ranked.claim_id = {pk_sql})"
            )
            return sql, [self.match.fts5(), *pk_params]
        # ts_rank's weights are for D, C, B, A: the index weighs sources C, statement B, people A.
        weights = "{{" + f"0, {sources}, {statement}, {people}" + "}}"  # ({{ }}: braces kept by format)
        rank = _OnIndexRow(self.match, f"ts_rank('{weights}', {{vector}}, to_tsquery('simple', %s))", FloatField())
        return compiler.compile(rank.resolve_expression(compiler.query))
