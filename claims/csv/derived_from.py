"""The sources CSV's derived_from column: a source's whole genealogy in one cell.

`shvernik-commission-1964: copy | rogovin-1937-ru: translation`: the keys of the sources it
derives from, each with the kind of relation, sorted by key (so that an export is the same
file every time). On import the cell is the source's whole set: pairs not stored are added, a
changed kind is updated, stored pairs the cell leaves out are removed; a file without the
column leaves every relation alone. A pair may name a source of the same file, above or
below. The whole genealogy is checked as it would be after the import: a pair that would
close a circle, with the database's relations or only within the file, is an error naming
the chain, as services.source_relation_errors names it on the site.
"""

from collections.abc import Iterable

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from claims.models import Source, SourceRelation, SourceRelationKind, User
from claims.quoting import quoted
from claims.services import derivation_path, source_relations_lock

from .reading import BATCH_SIZE, RowError, RowOutcome, chunks

DERIVED_FROM = "derived_from"
PAIRS = " | "  # between the pairs of a cell (split on "|" alone: spaces around it do not matter)
KINDS = ", ".join(SourceRelationKind.values)


def cells_of(source_ids: Iterable[int]) -> dict[int, str]:
    """The derived_from cell of each of these sources (one query; "" for those with none)."""
    pairs: dict[int, list[tuple[str, str]]] = {}
    for source_id, key, kind in SourceRelation.objects.filter(source_id__in=list(source_ids)).values_list(
        "source_id", "derived_from__key", "kind"
    ):
        pairs.setdefault(source_id, []).append((key, kind))
    return {
        source_id: PAIRS.join(f"{key}: {kind}" for key, kind in sorted(found)) for source_id, found in pairs.items()
    }


class RelationsPlan:
    """The relations of the file's sources as the import leaves them, checked row by row
    (check_cell), then as a whole (check_file), then written (write) after the sources."""

    def __init__(self) -> None:
        self.wanted: dict[str, dict[str, str]] = {}  # source key -> {key it derives from: kind}
        self.row_of: dict[str, int] = {}  # source key -> its row
        self.stored: dict[str, dict[str, tuple[int, str]]] = {}  # source key -> {derived key: (relation pk, kind)}
        self.to_add: list[tuple[str, str, str]] = []  # (source key, derived key, kind)
        self.to_change: dict[int, str] = {}  # relation pk -> its new kind
        self.to_remove: list[int] = []  # relation pks

    def check_cell(self, number: int, key: str, cell: str, errors: list[RowError]) -> None:
        """The pairs of one row's cell, or their errors."""
        pairs: dict[str, str] = {}
        for item in (part.strip() for part in cell.split("|")):
            if not item:
                continue
            other, colon, kind = (text.strip() for text in item.partition(":"))
            if not colon or not other or not kind:
                errors.append(
                    RowError(
                        number,
                        DERIVED_FROM,
                        f"{quoted(item)} is not a pair “key: kind” (e.g. rogovin-1937-ru: translation).",
                    )
                )
            elif kind not in SourceRelationKind.values:
                errors.append(
                    RowError(
                        number,
                        DERIVED_FROM,
                        f"Unknown kind of relation {quoted(kind)} after {quoted(other)}: one of {KINDS}.",
                    )
                )
            elif other == key:
                errors.append(RowError(number, DERIVED_FROM, "A source cannot be derived from itself."))
            elif other in pairs:
                errors.append(RowError(number, DERIVED_FROM, f"The source {quoted(other)} is named twice."))
            else:
                pairs[other] = kind
        self.wanted[key] = pairs
        self.row_of[key] = number

    def check_file(self, errors: list[RowError]) -> None:
        """Keys that name no source (stored or in the file), then circles (reported with the
        file's other errors, so that one report lists them all); and, without errors, what to write."""
        keys_in_file = set(self.row_of)
        named = {other for pairs in self.wanted.values() for other in pairs} - keys_in_file
        known: set[str] = set()
        for chunk in chunks(sorted(named)):
            known.update(Source.objects.filter(key__in=chunk).values_list("key", flat=True))
        for key, pairs in self.wanted.items():
            for other in pairs:
                if other not in keys_in_file and other not in known:
                    errors.append(
                        RowError(
                            self.row_of[key],
                            DERIVED_FROM,
                            f"Unknown source key {quoted(other)}: no stored source has it, nor a row of this file.",
                        )
                    )
        # Every relation, as services.source_relation_errors reads them: they are few next to the
        # sources. Locked first, as it does, so that no one adds the other half of a circle meanwhile.
        source_relations_lock()
        edges: dict[str, set[str]] = {}
        for pk, key, other, kind in SourceRelation.objects.order_by().values_list(
            "pk", "source__key", "derived_from__key", "kind"
        ):
            edges.setdefault(key, set()).add(other)
            if key in self.wanted:
                self.stored.setdefault(key, {})[other] = (pk, kind)
        for key, pairs in self.wanted.items():
            edges[key] = set(pairs)
        for key, pairs in sorted(self.wanted.items(), key=lambda item: self.row_of[item[0]]):
            for other in sorted(set(pairs) - set(self.stored.get(key, {}))):
                # A circle through a new pair is a way back from what it derives from to the source.
                way = derivation_path(edges, start=other, goal=key)
                if way is not None:
                    chain = " → ".join([key, *way])
                    errors.append(
                        RowError(
                            self.row_of[key],
                            DERIVED_FROM,
                            f"This would make a circle of derivations: {chain} (each derived from the next).",
                        )
                    )
        if not errors:
            self._plan()

    def _plan(self) -> None:
        for key, pairs in self.wanted.items():
            stored = self.stored.get(key, {})
            for other, kind in pairs.items():
                if other not in stored:
                    self.to_add.append((key, other, kind))
                elif stored[other][1] != kind:
                    self.to_change[stored[other][0]] = kind
            self.to_remove += [pk for other, (pk, _) in stored.items() if other not in pairs]

    def changed_keys(self) -> set[str]:
        """The sources whose relations the import changes."""
        changed = {key for key, _, _ in self.to_add}
        for key, stored in self.stored.items():
            pairs = self.wanted[key]
            if any(other not in pairs or pairs[other] != kind for other, (_, kind) in stored.items()):
                changed.add(key)
        return changed

    def outcomes(self, outcomes: list[RowOutcome]) -> list[RowOutcome]:
        """The sources' outcomes, with a change of relations counted as a change of the row."""
        changed = self.changed_keys()
        result = []
        for outcome in outcomes:
            if outcome.key in changed and outcome.action != RowOutcome.CREATED:
                old = PAIRS.join(
                    f"{other}: {kind}" for other, (_, kind) in sorted(self.stored.get(outcome.key, {}).items())
                )
                new = PAIRS.join(f"{other}: {kind}" for other, kind in sorted(self.wanted[outcome.key].items()))
                outcome = RowOutcome(
                    outcome.row,
                    outcome.key,
                    RowOutcome.UPDATED,
                    (*outcome.changes, DERIVED_FROM),
                    (*outcome.values, (DERIVED_FROM, old, new)),
                )
            result.append(outcome)
        return result

    def write(self, actor: User | None) -> None:
        """After the sources are written (the new ones have ids now): each relation with its history."""
        for chunk in chunks(sorted(self.to_remove)):
            for relation in SourceRelation.objects.filter(pk__in=chunk).order_by("pk"):
                relation._history_user = actor  # (few: a cell drops a pair rarely; each delete keeps who did it)
                relation.delete()
        if self.to_change:
            changed = [
                relation
                for chunk in chunks(sorted(self.to_change))
                for relation in SourceRelation.objects.filter(pk__in=chunk).order_by("pk")
            ]
            for relation in changed:
                relation.kind = self.to_change[relation.pk]
                relation.version += 1  # (an edit on the site begun before the import is then refused, not lost)
            bulk_update_with_history(
                changed, SourceRelation, fields=["kind", "version"], batch_size=BATCH_SIZE, default_user=actor
            )
        if self.to_add:
            keys = sorted({key for key, _, _ in self.to_add} | {other for _, other, _ in self.to_add})
            ids: dict[str, int] = {}
            for chunk in chunks(keys):
                ids.update(Source.objects.filter(key__in=chunk).values_list("key", "pk"))
            added = [
                SourceRelation(source_id=ids[key], derived_from_id=ids[other], kind=kind, created_by=actor)
                for key, other, kind in self.to_add
            ]
            bulk_create_with_history(added, SourceRelation, batch_size=BATCH_SIZE, default_user=actor)
