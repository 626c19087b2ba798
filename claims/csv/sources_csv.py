"""The sources CSV: one source a row, columns named after the Source fields, then derived_from."""

import copy
import csv
import io
from collections.abc import Callable, Iterator
from functools import partial
from typing import TextIO

from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from claims import authority
from claims.models import Source, User
from claims.search import index as search_index
from claims.services import SOURCE_FIELDS

from . import progress
from .columns import SOURCE_COLUMN_TABLE, names, required
from .common import compare_versions, model_errors, require_export, run_import
from .derived_from import DERIVED_FROM, RelationsPlan, cells_of
from .reading import BATCH_SIZE, ImportReport, RowError, RowOutcome, Table, chunks, write_row

# The source's own fields, then what it derives from (derived_from.py).
SOURCE_COLUMNS = names(SOURCE_COLUMN_TABLE)  # (what the import reads, and the upload page lists)
assert [*SOURCE_FIELDS, DERIVED_FROM] == SOURCE_COLUMNS, "columns.SOURCE_COLUMN_TABLE must follow the Source fields"
SOURCE_REQUIRED = required(SOURCE_COLUMN_TABLE)
# Cells the model would strip or that cannot meaningfully carry spaces around them.
STRIPPED = {"key", "kind", "level", "title", "date", "language", "url", "doi", "isbn", *authority.FIELDS}


def sources_import(
    *,
    actor: User | None,
    data: bytes,
    dry_run: bool = False,
    encoding: str | None = None,
    expected_versions: dict[str, int] | None = None,
    table: Callable[[], tuple[Table | None, list[RowError]]] | None = None,
) -> ImportReport:
    """Create or update the sources in a CSV file, all or nothing.

    A known key updates that source (only if something differs), a new key creates one.
    Returns the counts, or the errors (and then nothing was written). Raises
    PermissionDenied unless the actor may import CSV. expected_versions: as for
    claims_import (a dry run's report.versions, which its confirm passes back). table: the
    rows read from a file of another format (run_import; claims/refs/importing.py).
    """
    return run_import(
        partial(_check_and_write, actor=actor, dry_run=dry_run, expected_versions=expected_versions),
        actor=actor,
        data=data,
        dry_run=dry_run,
        encoding=encoding,
        known=SOURCE_COLUMNS,
        required=SOURCE_REQUIRED,
        table=table,
    )


def _check_and_write(
    report: ImportReport,
    rows: list,
    columns: set[str],
    errors: list,
    *,
    actor: User | None,
    dry_run: bool,
    expected_versions: dict[str, int] | None,
) -> None:
    repeated_rows = {e.row for e in errors}
    existing = _stored_sources(rows, dry_run=dry_run)
    if compare_versions(report, Source, rows, existing, errors, dry_run=dry_run, expected=expected_versions):
        return
    plan = _SourcesPlan(actor)
    # Without the column, the file says nothing of relations, and they stay as they are.
    relations = RelationsPlan() if DERIVED_FROM in columns else None
    for index, (number, cells) in enumerate(rows):
        if index % BATCH_SIZE == 0:
            progress.checked(index)
        if number not in repeated_rows:
            cell = cells.pop(DERIVED_FROM, "")
            plan.check(number, cells, existing.get(cells["key"].strip()), errors)
            if relations is not None and cells["key"].strip():
                relations.check_cell(number, cells["key"].strip(), cell, errors)
    progress.checked(len(rows))
    plan.check_ids(errors)
    if relations is not None:
        relations.check_file(errors)
    if errors:
        return
    report.rows = plan.outcomes if relations is None else relations.outcomes(plan.outcomes)
    if not dry_run:
        plan.write()
        if relations is not None:
            relations.write(plan.actor)


def _stored_sources(rows: list, *, dry_run: bool) -> dict[str, Source]:
    """key -> the stored source, for the keys of the file; locked unless a dry run."""
    keys = [cells["key"].strip() for _, cells in rows]
    existing: dict[str, Source] = {}
    sources = Source.objects.all() if dry_run else Source.objects.select_for_update(of=("self",)).order_by()
    for chunk in chunks(sorted(set(keys))):
        existing.update({s.key: s for s in sources.filter(key__in=chunk)})
    return existing


class _SourcesPlan:
    """What a sources import writes, gathered row by row, then written in bulk."""

    def __init__(self, actor: User | None):
        self.actor = actor
        self.to_create: list[Source] = []
        self.to_update: list[Source] = []
        self.update_fields: set[str] = set()
        self.retitled: list[int] = []  # sources whose titles change: the claims citing them are indexed again
        self.outcomes: list[RowOutcome] = []
        self.checked: list[tuple[int, Source]] = []  # (row, source) of each row without errors

    def check(self, number: int, cells: dict[str, str], stored: Source | None, errors: list) -> None:
        """Adds the row to the plan, or its errors to errors."""
        values = {name: (cell.strip() if name in STRIPPED else cell) for name, cell in cells.items()}
        source = copy.copy(stored) if stored else Source(created_by=self.actor)
        for name, value in values.items():
            setattr(source, name, value)
        row_errors = model_errors(source, row=number, exclude=["created_by"])
        if row_errors:
            errors += row_errors
            return
        self.checked.append((number, source))
        if stored is None:
            self.to_create.append(source)
            self.outcomes.append(RowOutcome(number, source.key, RowOutcome.CREATED))
            return
        changed = [
            name for name in (*values, "date_earliest", "date_latest") if getattr(source, name) != getattr(stored, name)
        ]
        if changed:
            self.to_update.append(source)
            self.update_fields.update(changed)
            if set(changed) & set(search_index.SOURCE_FIELDS):
                self.retitled.append(source.pk)
        # (a reference file's rows hold fields the CSV has no column for: doi, isbn, ...)
        ordered = dict.fromkeys([*SOURCE_COLUMNS, *values])
        changed_columns = tuple(name for name in ordered if name in changed) or ("date",) * bool(changed)
        old_and_new = tuple((name, str(getattr(stored, name)), str(getattr(source, name))) for name in changed_columns)
        self.outcomes.append(
            RowOutcome(
                number,
                source.key,
                RowOutcome.UPDATED if changed else RowOutcome.UNCHANGED,
                changed_columns,
                old_and_new,
            )
        )

    def check_ids(self, errors: list) -> None:
        """One source for each authority id (the unique constraints source_<field>_unique):
        an id that two rows give, or that a stored source not in the file carries, is an error
        of the row naming the other. A stored source that the file names is judged by its row.
        A query for each kind of id (of each BATCH_SIZE ids) the file gives, none without ids."""
        in_file = {source.key for _, source in self.checked}
        for field in authority.FIELDS:
            label = authority.LABELS[field]
            rows_of: dict[str, list[tuple[int, Source]]] = {}
            for number, source in self.checked:
                if getattr(source, field):
                    rows_of.setdefault(getattr(source, field), []).append((number, source))
            for value, rows in rows_of.items():
                (first, holder), *others = rows
                for number, _source in others:
                    message = f"{value} is also the {label} id of row {first} ({holder.key}): one source for each id."
                    errors.append(RowError(number, field, message))
            for chunk in chunks(sorted(rows_of)):
                stored = Source.objects.filter(**{f"{field}__in": chunk})
                for other in stored.only("key", "title", field):
                    if other.key in in_file:
                        continue
                    value = getattr(other, field)
                    for number, _source in rows_of[value]:
                        errors.append(
                            RowError(number, field, authority.duplicate_message(field=field, value=value, other=other))
                        )

    def write(self) -> None:
        actor = self.actor
        if self.to_create:
            bulk_create_with_history(self.to_create, Source, batch_size=BATCH_SIZE, default_user=actor)
        if self.to_update:
            now = timezone.now()
            for source in self.to_update:
                source.updated_at = now
                source.version += 1  # (an edit begun before the import is then refused, not lost)
            bulk_update_with_history(
                self.to_update,
                Source,
                fields=sorted(self.update_fields | {"updated_at", "version"}),
                batch_size=BATCH_SIZE,
                default_user=actor,
            )
        search_index.index_claims(search_index.claims_citing(*self.retitled))
        progress.written(len(self.to_create) + len(self.to_update))


def sources_csv_chunks(*, actor: User | None = None, sources: QuerySet[Source] | None = None) -> Iterator[str]:
    """The sources CSV (all, or these), BATCH_SIZE rows at a time: for streaming to a browser."""
    require_export(actor)  # at once: a stream cannot turn into an error page
    selected = Source.objects.all() if sources is None else Source.objects.filter(pk__in=sources.values("pk"))
    return (text for text, _ in _pages(selected))


def sources_export(*, out: TextIO, actor: User | None = None) -> int:
    """Write every source as CSV to the text stream out, sorted by key; returns the row count.

    Rows are streamed from the database in chunks; cells a spreadsheet would run as a
    formula are escaped with a leading apostrophe. actor None means a trusted caller.
    Lines end in \\r\\n, the csv module's (and RFC 4180's) default.
    """
    require_export(actor)
    count = 0
    for text, rows in _pages(Source.objects.all()):
        out.write(text)
        count += rows
    return count


def _pages(sources: QuerySet[Source]) -> Iterator[tuple[str, int]]:
    """The file BATCH_SIZE rows at a time, each batch's derived_from cells read in one query."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SOURCE_COLUMNS)
    batch: list[tuple] = []
    for values in sources.order_by("key").values_list("pk", *SOURCE_FIELDS).iterator(chunk_size=BATCH_SIZE):
        batch.append(values)
        if len(batch) == BATCH_SIZE:
            yield _written(buffer, writer, batch), len(batch)
            batch = []
    yield _written(buffer, writer, batch), len(batch)


def _written(buffer: io.StringIO, writer, batch: list[tuple]) -> str:
    """The rows of batch ((pk, *fields) each) as CSV text, after what buffer holds already."""
    derived = cells_of(values[0] for values in batch) if batch else {}
    for pk, *fields in batch:
        write_row(writer, [*fields, derived.get(pk, "")])
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
