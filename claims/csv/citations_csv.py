"""The citations CSV: one citation a row, named by its claim's key, its source's key and its
locator, with its stance, quote and translation (columns.CITATION_COLUMN_TABLE).

The claims CSV's `sources` cell adds citations but cannot say what they quote or which way
they point; this file can. Import goes the way of every import (common.run_import): all or
nothing, each bad row named, a dry run for the preview whose versions its confirm expects.
Each row is written through services.citation_create / citation_update (their permission,
validation, grades outdated by a changed quote, the search index), in run_import's transaction.
"""

import csv
import io
from collections.abc import Iterator
from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from claims import services
from claims.models import Citation, Claim, Source, User
from claims.quoting import quoted

from . import progress
from .columns import CITATION_COLUMN_TABLE, names, required
from .common import PREVIEW_AGAIN, Discard, model_errors, require_export, run_import
from .reading import BATCH_SIZE, ImportReport, RowError, RowOutcome, chunks, needs_first, write_row

CITATION_COLUMNS = names(CITATION_COLUMN_TABLE)
CITATION_REQUIRED = required(CITATION_COLUMN_TABLE)
# column -> the Citation field it fills (the rest are named alike)
FIELD_OF = {"translation": "quote_translation"}
VALUE_COLUMNS = ("stance", "quote", "translation")


def identity(claim: str, source: str, locator: str) -> str:
    """A citation's name in the versions a preview keeps (keys and locators never hold "|")."""
    return f"{claim} | {source} | {locator}"


# --- Export --------------------------------------------------------------------------


def citations_csv_chunks(*, actor: User | None = None, claims: QuerySet[Claim] | None = None) -> Iterator[str]:
    """The citations of these claims (all, if None), by claim key, source key and locator,
    BATCH_SIZE rows at a time: for streaming to a browser."""
    require_export(actor)  # at once: a stream cannot turn into an error page
    citations = Citation.objects.all()
    if claims is not None:
        citations = citations.filter(claim_id__in=claims.order_by().values("pk"))
    rows = (
        citations.order_by("claim__key", "source__key", "locator")
        .values_list("claim__key", "source__key", "locator", "stance", "quote", "quote_translation")
        .iterator(chunk_size=BATCH_SIZE)
    )
    return _pages(rows)


def _pages(rows) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CITATION_COLUMNS)
    for number, values in enumerate(rows, start=1):
        write_row(writer, values)
        if number % BATCH_SIZE == 0:
            yield _taken(buffer)
    yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- Import --------------------------------------------------------------------------


def citations_import(
    *,
    actor: User | None,
    data: bytes,
    dry_run: bool = False,
    encoding: str | None = None,
    expected_versions: dict[str, int] | None = None,
) -> ImportReport:
    """Create or update the citations of a CSV file, all or nothing.

    A row names a citation by claim key, source key and locator: a stored one is updated
    where its stance, quote or translation differ (an empty stance keeps the stored one; a
    column left out of the file leaves that field alone), a new one is created. Returns the
    counts, or the errors (and then nothing was written). Raises PermissionDenied unless the
    actor may import CSV. expected_versions: as for claims_import.
    """
    return run_import(
        partial(_check_and_write, actor=actor, dry_run=dry_run, expected_versions=expected_versions),
        actor=actor,
        data=data,
        dry_run=dry_run,
        encoding=encoding,
        known=CITATION_COLUMNS,
        required=CITATION_REQUIRED,
    )


def _check_and_write(
    report: ImportReport,
    rows: list,
    columns: set[str],
    errors: list[RowError],
    *,
    actor: User | None,
    dry_run: bool,
    expected_versions: dict[str, int] | None,
) -> None:
    claims = _keys(Claim, {cells["claim"].strip() for _, cells in rows})
    sources = _keys(Source, {cells["source"].strip() for _, cells in rows})
    stored = _stored(claims.values(), dry_run=dry_run)
    plan: list[tuple[int, Citation | None, Citation, dict]] = []  # (row, stored, as the row has it, changed fields)
    first: dict[str, int] = {}
    versions: dict[str, int] = {}
    changed_since: list[RowError] = []
    for index, (number, cells) in enumerate(rows):
        if index % BATCH_SIZE == 0:
            progress.checked(index)
        claim_key, source_key, locator = (cells.get(name, "").strip() for name in ("claim", "source", "locator"))
        row_errors = _key_errors(number, claim_key, source_key, claims, sources)
        name = identity(claim_key, source_key, locator)
        if name in first:
            row_errors.append(
                RowError(number, "locator", f"This citation is repeated; it first appears in row {first[name]}.")
            )
        first.setdefault(name, number)
        if row_errors:
            errors += row_errors
            continue
        original = stored.get((claims[claim_key], sources[source_key], locator))
        versions[name] = original.version if original is not None else 0
        if expected_versions is not None and expected_versions.get(name, 0) != versions[name]:
            what = "deleted" if original is None else "created" if expected_versions.get(name, 0) == 0 else "changed"
            changed_since.append(
                RowError(number, "claim", f"The citation {quoted(name)} was {what} after your preview. {PREVIEW_AGAIN}")
            )
            continue
        citation = _as_row_has_it(original, cells, columns, claims[claim_key], sources[source_key], locator, actor)
        row_errors = model_errors(
            citation,
            row=number,
            exclude=["claim", "source", "created_by"],
            column_of={"quote_translation": "translation"},
        )
        if row_errors:
            errors += row_errors
            continue
        changes = _changes(original, citation)
        plan.append((number, original, citation, changes))
        action = RowOutcome.CREATED if original is None else RowOutcome.UPDATED if changes else RowOutcome.UNCHANGED
        report.rows.append(RowOutcome(number, name, action, tuple(changes), tuple((c, *changes[c]) for c in changes)))
    progress.checked(len(rows))
    if dry_run:
        report.versions = versions
    if changed_since:
        errors += changed_since
        report.changed_since_preview = True
    if errors or dry_run:
        return
    new = [citation for _, original, citation, _ in plan if original is None]
    claims_of = Claim.objects.in_bulk({c.claim_id for c in new})
    sources_of = Source.objects.in_bulk({c.source_id for c in new})
    for written, (number, original, citation, changes) in enumerate(plan):
        if original is None:
            citation.claim, citation.source = claims_of[citation.claim_id], sources_of[citation.source_id]
        try:
            _write(actor, original, citation, changes)
        except ValidationError as exc:  # (what changed since the rows were checked: one added meanwhile)
            errors.append(RowError(number, "", " ".join(exc.messages)))
            raise Discard from None
        if written % BATCH_SIZE == 0:
            progress.written(written)
    progress.written(len(plan))


def _keys(model, keys: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(k for k in keys if k)):
        found.update(model.objects.filter(key__in=chunk).values_list("key", "pk"))
    return found


def _stored(claim_ids, *, dry_run: bool) -> dict[tuple[int, int, str], Citation]:
    """(claim pk, source pk, locator) -> the stored citation, of the file's claims (locked when writing)."""
    citations = Citation.objects.order_by() if dry_run else Citation.objects.select_for_update(of=("self",)).order_by()
    stored = {}
    for chunk in chunks(sorted(set(claim_ids))):
        for citation in citations.filter(claim_id__in=chunk):
            stored[citation.claim_id, citation.source_id, citation.locator] = citation
    return stored


def _key_errors(number: int, claim_key: str, source_key: str, claims: dict, sources: dict) -> list[RowError]:
    errors = []
    if not claim_key:
        errors.append(RowError(number, "claim", "This cell is required: the key of the claim that cites."))
    elif claim_key not in claims:
        errors.append(
            RowError(number, "claim", f"Unknown claim key {quoted(claim_key)}: {needs_first('claims')}", needs="claims")
        )
    if not source_key:
        errors.append(RowError(number, "source", "This cell is required: the key of the source cited."))
    elif source_key not in sources:
        errors.append(
            RowError(
                number, "source", f"Unknown source key {quoted(source_key)}: {needs_first('sources')}", needs="sources"
            )
        )
    return errors


def _as_row_has_it(
    original: Citation | None, cells: dict, columns: set[str], claim_id: int, source_id: int, locator: str, actor
) -> Citation:
    citation = Citation(claim_id=claim_id, source_id=source_id, locator=locator, created_by=actor)
    if original is not None:
        for name in ("stance", "quote", "quote_translation"):
            setattr(citation, name, getattr(original, name))
    for column in VALUE_COLUMNS:
        if column not in columns:
            continue  # (the file says nothing of it)
        value = cells[column].strip() if column == "stance" else cells[column]
        if column == "stance" and not value:
            continue  # an empty stance keeps the stored one (or the default)
        setattr(citation, FIELD_OF.get(column, column), value)
    return citation


def _changes(original: Citation | None, citation: Citation) -> dict[str, tuple[str, str]]:
    """column -> (old, new) of each value that differs from the stored citation's."""
    if original is None:
        return {}
    changes = {}
    for column in VALUE_COLUMNS:
        field = FIELD_OF.get(column, column)
        old, new = getattr(original, field), getattr(citation, field)
        if old != new:
            changes[column] = (old, new)
    return changes


def _write(actor, original: Citation | None, citation: Citation, changes: dict) -> None:
    if original is None:
        services.citation_create(
            actor=actor,
            claim=citation.claim,
            source=citation.source,
            locator=citation.locator,
            quote=citation.quote,
            quote_translation=citation.quote_translation,
            stance=citation.stance,
        )
    elif changes:
        data = {FIELD_OF.get(column, column): new for column, (_, new) in changes.items()}
        services.citation_update(actor=actor, citation=original, data=data, expected_version=original.version)
