"""The search index's tables: derived from the claims, people and sources, never edited.

Both are written by claims/search/index.py in the transaction of the change they follow, and
rebuilt from scratch by `manage.py rebuild_search_index`. A backup holds them like any
table, and restore puts their rows back with the rest (the triggers of SQLite's FTS5 tables
index them again as they are inserted). Each database adds its own full-text structures over them in
migration 0009: SQLite FTS5 tables kept in step by triggers, PostgreSQL a tsvector column
and GIN indexes.
"""

from django.db import models


class ClaimSearch(models.Model):
    """One claim as the search sees it: the keys (claims/search/words.py) of its statement,
    of its people's names in every script and of its cited sources' titles; and the names
    and titles themselves, to say which of them matched."""

    claim = models.OneToOneField(
        "claims.Claim", primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    people_terms = models.TextField(blank=True)
    statement_terms = models.TextField(blank=True)
    sources_terms = models.TextField(blank=True)
    # JSON lists: [[person's display name, their other names], ...] and [source title, ...].
    people = models.TextField(blank=True)
    sources = models.TextField(blank=True)

    class Meta:
        db_table = "claims_claimsearch"

    def __str__(self) -> str:
        return f"search entry of claim {self.claim_id}"


class SearchWord(models.Model):
    """A word (lowercase, without diacritics; a Cyrillic word also romanized) that occurs in
    a statement, a name or a title: a search for part of a word looks here for the words
    that contain it. Words are added as they appear and not removed when the last claim
    with them goes (they then find nothing); a rebuild starts it afresh."""

    word = models.TextField()

    class Meta:
        db_table = "claims_searchword"

    def __str__(self) -> str:
        return self.word


class SearchTerm(models.Model):
    """A key the claims' index holds (claims/search/words.py): a search looks its words' keys
    up here as prefixes and asks the full-text index for the exact keys found (query.parse).
    A prefix in the full-text query itself would have the index merge every matching key's
    list of claims before it could give the first one (SQLite's FTS5: 10 ms for a name on
    87,000 claims, where the exact keys give their first thousand in 0.3 ms). Added as they
    appear and never removed, like the words; a rebuild starts it afresh."""

    # The unique index serves the prefix lookup (term >= prefix AND term < prefix + U+10FFFF).
    term = models.TextField(unique=True)

    class Meta:
        db_table = "claims_searchterm"
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term
