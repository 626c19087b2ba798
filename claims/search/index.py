"""Writing the search index: the rows of claims_claimsearch and the words of claims_searchword.

Every write that changes what a claim is found by calls one of the functions below in its
own transaction (claims/services.py, the CSV imports, seed, restore): a claim's statement,
its people, its citations, a person's names, a source's titles. They read what they need
in a few queries, however many claims are touched (a person named on 8,000 claims renamed:
three reads and the rows written in bulk).
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps as installed_apps
from django.db import connection, transaction

from . import words

CHUNK = 2000  # claims read and written at a time


def _models(apps):
    get = (apps or installed_apps).get_model
    return (
        get("claims", "Claim"),
        get("claims", "Citation"),
        get("claims", "Person"),
        get("claims", "Source"),
        get("claims", "ClaimSearch"),
        get("claims", "SearchWord"),
    )


def _term_model(apps):
    """SearchTerm, or None in a migration before it (0012 then lists the keys stored)."""
    try:
        return (apps or installed_apps).get_model("claims", "SearchTerm")
    except LookupError:
        return None


class Entries:
    """Index rows built from claims' texts, with the words they bring to the vocabulary.

    A CSV import makes 100,000 rows with it: each person's and source's keys and JSON are
    made once, each word's spellings looked at once."""

    def __init__(self):
        self.person_cache: dict[int, tuple[str, str]] = {}  # pk -> (keys, JSON of their names)
        self.source_cache: dict[int, tuple[str, str]] = {}
        self.new_words: set[str] = set()
        self.new_terms: set[str] = set()  # the keys of the words in new_words
        self.seen: set[str] = set()  # the words of the texts so far

    def _words(self, text: str) -> str:
        """The keys of text; its words not seen before join new_words."""
        tokens = words.tokens(text)
        unseen = set(tokens) - self.seen
        if unseen:
            self.seen |= unseen
            self.new_words.update(words.vocabulary_of(unseen))
            self.new_terms.update(words.indexed_tokens(sorted(unseen)).split())
        return words.indexed_tokens(tokens)

    def person(self, pk: int, name: str, original: str, aliases: str) -> None:
        names = [name, original, *filter(None, (a.strip() for a in aliases.splitlines()))]
        self.person_cache[pk] = (
            self._words("\n".join([name, original, aliases])),
            json.dumps(names, ensure_ascii=False),
        )

    def source(self, pk: int, title: str, original: str) -> None:
        self.source_cache[pk] = (
            self._words(f"{title}\n{original}"),
            json.dumps([title, original] if original else [title], ensure_ascii=False),
        )

    @staticmethod
    def _listed(cache: dict, pks) -> tuple[str, str]:
        """(their keys, a JSON list of their names) for these people or sources."""
        if not pks:
            return "", ""
        entries = [cache[pk] for pk in sorted(set(pks))]
        return " ".join([terms for terms, _ in entries]), "[" + ",".join([names for _, names in entries]) + "]"

    def row(self, pk: int, statement: str, people: Iterable[int], sources: Iterable[int]) -> tuple:
        """(claim_id, people_terms, statement_terms, sources_terms, people, sources)."""
        people_terms, people_json = self._listed(self.person_cache, people)
        sources_terms, sources_json = self._listed(self.source_cache, sources)
        return (pk, people_terms, self._words(statement), sources_terms, people_json, sources_json)


COLUMNS = ["claim_id", "people_terms", "statement_terms", "sources_terms", "people", "sources"]


def _rows_for(claim_ids: list[int], *, apps=None) -> tuple[list[tuple], "Entries"]:
    Claim, Citation, Person, Source, _, _ = _models(apps)
    entries = Entries()
    statements = dict(Claim.objects.filter(pk__in=claim_ids).values_list("pk", "statement"))
    people: defaultdict[int, list[int]] = defaultdict(
        list
    )  # who the claim is about, then who made it: both are found by their names
    for link in _people_links(Claim):
        for claim_id, person_id in link.through.objects.filter(claim_id__in=claim_ids).values_list(
            "claim_id", "person_id"
        ):
            if person_id not in people[claim_id]:
                people[claim_id].append(person_id)
    sources = defaultdict(list)
    for claim_id, source_id in Citation.objects.filter(claim_id__in=claim_ids).values_list("claim_id", "source_id"):
        sources[claim_id].append(source_id)
    wanted_people = {p for ids in people.values() for p in ids}
    for pk, name, original, aliases in Person.objects.filter(pk__in=wanted_people).values_list(
        "pk", "name", "name_original", "aliases"
    ):
        entries.person(pk, name, original, aliases)
    wanted_sources = {s for ids in sources.values() for s in ids}
    for pk, title, original in Source.objects.filter(pk__in=wanted_sources).values_list(
        "pk", "title", "title_original"
    ):
        entries.source(pk, title, original)
    rows = [entries.row(pk, statement, people[pk], sources[pk]) for pk, statement in statements.items()]
    return rows, entries


def index_claims(claim_ids: Iterable[int], *, apps=None) -> int:
    """(Re)write the index rows of these claims (those that no longer exist lose theirs)."""
    _, _, _, _, ClaimSearch, _ = _models(apps)
    claim_ids = sorted(set(claim_ids))
    with transaction.atomic():
        for start in range(0, len(claim_ids), CHUNK):
            chunk = claim_ids[start : start + CHUNK]
            rows, entries = _rows_for(chunk, apps=apps)
            ClaimSearch.objects.filter(claim_id__in=chunk).delete()
            _insert(ClaimSearch, COLUMNS, rows)
            add_vocabulary(entries, apps=apps)
    return len(claim_ids)


def add_vocabulary(entries: "Entries", *, apps=None) -> None:
    """Add to the vocabulary the words and keys these entries brought that it lacks."""
    add_words(entries.new_words, apps=apps)
    add_terms(entries.new_terms, apps=apps)


def add_words(candidates: Iterable[str], *, apps=None, known: set[str] | None = None) -> None:
    """Add to the vocabulary the words it lacks. known: the words it has, if the caller read them."""
    _, _, _, _, _, SearchWord = _models(apps)
    _add_missing(SearchWord, "word", candidates, known)


def add_terms(candidates: Iterable[str], *, apps=None, known: set[str] | None = None) -> None:
    """Add to the list of keys (SearchTerm) those it lacks; known as add_words."""
    model = _term_model(apps)
    if model is not None:
        _add_missing(model, "term", candidates, known)


def _add_missing(model, column: str, candidates: Iterable[str], known: set[str] | None) -> None:
    candidates = set(candidates)
    if not candidates:
        return
    if known is None:
        from claims.csv import bulk  # (as _insert)

        bulk.flush()  # (an import's pipeline may still be writing the words and keys it added)
        known = set()
        listed = sorted(candidates)
        for start in range(0, len(listed), CHUNK):
            known.update(
                model.objects.filter(**{f"{column}__in": listed[start : start + CHUNK]}).values_list(column, flat=True)
            )
    _insert(model, [column], [(value,) for value in sorted(candidates - known)])


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    from claims.csv import bulk  # (the CSV package imports the models, which import this package)

    if model.__module__ == "__fake__":  # a migration's historical model: plain bulk_create
        model.objects.bulk_create([model(**dict(zip(columns, row))) for row in rows], batch_size=CHUNK)
        return
    bulk.insert(model, columns, rows, ready=True)


def rebuild(*, apps=None) -> int:
    """Empty the index and index every claim; returns how many. Run in one transaction."""
    Claim, _, _, _, ClaimSearch, SearchWord = _models(apps)
    with transaction.atomic():
        ClaimSearch.objects.all().delete()
        SearchWord.objects.all().delete()
        if _term_model(apps) is not None:
            _term_model(apps).objects.all().delete()
        ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
        known: set[str] = set()
        known_terms: set[str] = set()
        for start in range(0, len(ids), CHUNK):
            rows, entries = _rows_for(ids[start : start + CHUNK], apps=apps)
            _insert(ClaimSearch, COLUMNS, rows)
            add_words(entries.new_words, apps=apps, known=known)
            known |= entries.new_words
            add_terms(entries.new_terms, apps=apps, known=known_terms)
            known_terms |= entries.new_terms
        # Words of people and sources no claim names or cites yet are found only once one does.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE claims_claimsearch")
            cursor.execute("ANALYZE claims_searchword")
            if _term_model(apps) is not None:
                cursor.execute("ANALYZE claims_searchterm")
    return len(ids)


# --- What a change touches ------------------------------------------------------------


def _people_links(Claim) -> list:
    """The claim's links to people: people and (from migration 0021 on) attributed_to."""
    return [Claim.people, *([Claim.attributed_to] if hasattr(Claim, "attributed_to") else [])]


def claims_of_person(person_id: int) -> list[int]:
    from claims.models import Claim

    found: set[int] = set()
    for link in _people_links(Claim):
        found.update(link.through.objects.filter(person_id=person_id).values_list("claim_id", flat=True))
    return sorted(found)


def claims_citing(*source_ids: int) -> set[int]:
    from claims.models import Citation

    found: set[int] = set()
    for start in range(0, len(source_ids), CHUNK):
        found.update(
            Citation.objects.filter(source_id__in=source_ids[start : start + CHUNK]).values_list("claim_id", flat=True)
        )
    return found


PERSON_FIELDS = ("name", "name_original", "aliases")
SOURCE_FIELDS = ("title", "title_original")


def after_save(instance, *, before: dict | None = None) -> None:
    """Index what saving instance (a claim, citation, person or source) changed.

    before: for a citation, the claim it belonged to before the save (its "claim_id"), if
    it may have moved; for a person or a source, nothing needed."""
    found_in = _CLAIMS_SAVING.get(instance._meta.model_name)
    if found_in is not None:
        index_claims(found_in(instance, before or {}))


def touched_by_delete(instance) -> list[int]:
    """The claims whose index rows deleting instance changes (read before the delete)."""
    # (A claim's row goes with it (CASCADE); a source still cited cannot be deleted.)
    found_in = _CLAIMS_DELETING.get(instance._meta.model_name)
    return list(found_in(instance)) if found_in is not None else []


# What the index reads, by model: the claims whose rows saving or deleting one changes.
_CLAIMS_SAVING: dict[str, Callable[[Any, dict], Iterable[int]]] = {
    "claim": lambda claim, before: [claim.pk],
    # (A citation moved to another claim changes both claims' rows.)
    "citation": lambda citation, before: {pk for pk in (citation.claim_id, before.get("claim_id")) if pk is not None},
    "person": lambda person, before: claims_of_person(person.pk),
    "source": lambda source, before: claims_citing(source.pk),
}
_CLAIMS_DELETING: dict[str, Callable[[Any], Iterable[int]]] = {
    "citation": lambda citation: [citation.claim_id],
    "person": lambda person: claims_of_person(person.pk),
}
