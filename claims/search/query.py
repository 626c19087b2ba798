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
from django.db.models import BooleanField, FloatField, Func, IntegerField, Q
from django.db.models.expressions import F, OrderBy, RawSQL

from . import words

SUBSTRING_MIN = 3  # the trigram indexes cannot look for less
# The words containing a substring that join its alternatives; a substring in more words
# than this (a common syllable) matches through the first of them only: a longer part of
# the word narrows it.
WORDS_PER_SUBSTRING = 300
VOCABULARY_ROWS = 5000
# The keys a word's key may begin: up to this many are looked for as they are; a shorter
# prefix that begins more of them ("t") is left to the full-text index as a prefix.
TERMS_PER_PREFIX = 40

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
    # For each word, the indexed keys its key begins (SearchTerm), or None when there are
    # more than TERMS_PER_PREFIX: the query then asks for the prefix itself.
    beginning: tuple[frozenset[str] | None, ...] = ()

    def _expression(self, prefixed: str, exact: str, either: str, both: str) -> str:
        groups = []
        beginning = self.beginning or (None,) * len(self.prefixes)
        for prefix, keys, begun in zip(self.prefixes, self.exact, beginning):
            if begun is None:
                alternatives = [prefixed.format(prefix)] + [
                    exact.format(key) for key in sorted(keys) if not key.startswith(prefix)
                ]
            else:
                # (A key nothing begins with: the prefix itself, which then matches nothing.)
                alternatives = [exact.format(key) for key in sorted(begun | keys)] or [exact.format(prefix)]
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
    prefixes = tuple(words.key(word) for word in found)
    return Match(
        words=tuple(found),
        prefixes=prefixes,
        exact=tuple(exact),
        substrings=substrings,
        beginning=_terms_beginning(prefixes),
    )


def _terms_beginning(prefixes: tuple[str, ...]) -> tuple[frozenset[str] | None, ...]:
    """For each prefix, the indexed keys that begin with it, or None when there are more
    than TERMS_PER_PREFIX. One query: a part for each prefix, each read from the keys'
    unique index (SQLite: a range, its LIKE ignoring case and so no index serving it;
    PostgreSQL: LIKE, which the unique field's text_pattern_ops index serves)."""
    if connection.vendor == "sqlite":
        part = "SELECT {n}, term FROM (SELECT term FROM claims_searchterm WHERE term >= %s AND term < %s LIMIT %s)"
        params: list[list[str | int]] = [[prefix, prefix + "\U0010ffff", TERMS_PER_PREFIX + 1] for prefix in prefixes]
    else:
        part = "SELECT {n}, term FROM (SELECT term FROM claims_searchterm WHERE term LIKE %s LIMIT %s) AS t{n}"
        params = [[re.sub(r"([\\%_])", r"\\\1", prefix) + "%", TERMS_PER_PREFIX + 1] for prefix in prefixes]
    found: list[set[str]] = [set() for _ in prefixes]
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(part.format(n=n) for n in range(len(prefixes))),
            [value for values in params for value in values],
        )
        for n, term in cursor.fetchall():
            found[n].add(term)
    return tuple(None if len(terms) > TERMS_PER_PREFIX else frozenset(terms) for terms in found)


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
                "SELECT word FROM claims_searchword WHERE "
                + " OR ".join(["word LIKE %s"] * len(patterns))
                + " LIMIT %s",
                [*patterns, VOCABULARY_ROWS],
            )
        return [row[0] for row in cursor.fetchall()]


def matching_ids(match: Match) -> RawSQL:
    """The ids of the claims that match, as a subquery (for pk__in)."""
    if connection.vendor == "sqlite":
        return RawSQL("SELECT rowid FROM claims_claimsearch_fts WHERE claims_claimsearch_fts MATCH %s", [match.fts5()])
    return RawSQL("SELECT claim_id FROM claims_claimsearch WHERE vector @@ to_tsquery('simple', %s)", [match.tsquery()])


def matching(queryset, match: Match):
    """These claims narrowed to those that match, each once, with the claim's index row
    joined so that Relevance and newest_first read it: SQLite's FTS5 table joined by rowid
    (then FTS5 gives the matches one by one, in rowid order, and stops when the page is
    full; `pk IN (...)` would first collect every match), PostgreSQL's index row (filter_q)."""
    if connection.vendor == "sqlite":
        return queryset.extra(
            tables=["claims_claimsearch_fts"],
            where=["claims_claimsearch_fts.rowid = claims_claim.id", "claims_claimsearch_fts MATCH %s"],
            params=[match.fts5()],
        )
    return queryset.filter(filter_q(match))


def newest_first() -> tuple[OrderBy, ...]:
    """The order of matching(): the claims last added first, read in the index's own order on
    SQLite (FTS5 walks its rowids backwards); on PostgreSQL the claims' primary key."""
    if connection.vendor == "sqlite":
        return (RawSQL("claims_claimsearch_fts.rowid", [], output_field=IntegerField()).desc(),)
    return (F("pk").desc(),)


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
    """How well a claim of matching() matches (higher is better).

    SQLite: bm25() of the FTS5 row joined by matching(). PostgreSQL: ts_rank() of the
    claim's stored tsvector, on its index row joined by filter_q."""

    output_field = FloatField()

    def __init__(self, match: Match):
        super().__init__(F("pk"))
        self.match = match

    def as_sql(self, compiler, connection, **extra):
        people, statement, sources = WEIGHTS
        if connection.vendor == "sqlite":
            return f"(-bm25(claims_claimsearch_fts, {people}, {statement}, {sources}))", []
        # ts_rank's weights are for D, C, B, A: the index weighs sources C, statement B, people A.
        weights = "{{" + f"0, {sources}, {statement}, {people}" + "}}"  # ({{ }}: braces kept by format)
        rank = _OnIndexRow(self.match, f"ts_rank('{weights}', {{vector}}, to_tsquery('simple', %s))", FloatField())
        return compiler.compile(rank.resolve_expression(compiler.query))
