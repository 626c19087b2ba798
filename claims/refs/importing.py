"""Importing a reference manager's file of sources: CSL-JSON, BibTeX or RIS.

Each record becomes the row dict the sources CSV import takes, and the import is that one
(sources_csv.sources_import): the same checks, messages, preview of old and new values, all or
nothing, and the same background job for a large file. Row numbers count the file's records from 1,
and every error about a record names it (its key and title) before what is wrong.
"""

import json
import re
from pathlib import PurePath

from django.conf import settings

from claims.csv.common import require_import
from claims.csv.reading import FILE, FileError, ImportReport, RowError, Table, decode
from claims.csv.sources_csv import sources_import
from claims.models import Source, User

from . import bibtex, csl, ris
from .csl import Record, RecordError

FORMATS = {"csl-json": "CSL-JSON", "bibtex": "BibTeX", "ris": "RIS"}
EXTENSIONS = {".json": "csl-json", ".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris"}
SUFFIXES = {"csl-json": "json", "bibtex": "bib", "ris": "ris"}
NOT_A_REFERENCE_FILE = (
    "This file is not CSL-JSON, BibTeX or RIS: export the sources from the reference manager in one of "
    "those formats (in Zotero: Export Library or Export Collection, format CSL JSON, BibTeX or RIS)."
)


def detect(data: bytes, name: str = "") -> str:
    """The format of a file from its name's extension, else from how it begins; "" when neither says."""
    by_name = EXTENSIONS.get(PurePath(name).suffix.lower(), "")
    if by_name:
        return by_name
    start = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] in (b"[", b"{"):
        return "csl-json"
    if re.search(rb"^TY  - ", start, re.MULTILINE):
        return "ris"
    if re.search(rb"^\s*@\w+\s*[{(]", start, re.MULTILINE):
        return "bibtex"
    return ""


_RECORD_STARTS = (rb"^TY  - ", rb"^\s*@\w+\s*[{(]", rb'"type"\s*:')


def records_about(data: bytes) -> int:
    """How many records the file holds, about (for sending a large one to a background job): the
    most lines that start one in any of the formats."""
    return max(len(re.findall(start, data, re.MULTILINE)) for start in _RECORD_STARTS)


def references_import(
    *,
    actor: User | None,
    data: bytes,
    fmt: str = "",
    dry_run: bool = False,
    encoding: str | None = None,
    expected_versions: dict[str, int] | None = None,
) -> ImportReport:
    """Create or update the sources of a CSL-JSON, BibTeX or RIS file (fmt; "" to tell by its
    content), all or nothing, as sources_import does a CSV file."""
    require_import(actor)  # (before the file is read: the CSV import's order)
    labels: dict[int, str] = {}

    def table() -> tuple[Table | None, list[RowError]]:
        try:
            found = read(data, fmt=fmt or detect(data), encoding=encoding)
        except FileError as exc:
            return None, exc.errors
        labels.update({record.number: record.label for record in found})
        return _table(found)

    report = sources_import(
        actor=actor, data=data, dry_run=dry_run, encoding=encoding, expected_versions=expected_versions, table=table
    )
    report.errors = [_named(error, labels) for error in report.errors]
    return report


def read(data: bytes, *, fmt: str, encoding: str | None = None) -> list[Record]:
    """The file's records; FileError when it is not a file of that format at all."""
    if fmt not in FORMATS:
        raise FileError([RowError(FILE, "", NOT_A_REFERENCE_FILE)])
    text = decode(data, encoding)
    if not text.strip():
        raise FileError([RowError(FILE, "", f"The file is empty: it holds no {FORMATS[fmt]} records.")])
    try:
        found = {"csl-json": _csl_records, "bibtex": bibtex.records, "ris": ris.records}[fmt](text)
    except RecordError as exc:
        raise FileError([RowError(FILE, "", exc.message)]) from None
    if not found:
        raise FileError([RowError(FILE, "", f"The file holds no {FORMATS[fmt]} records. {NOT_A_REFERENCE_FILE}")])
    if len(found) > settings.CSV_MAX_ROWS:
        raise FileError(
            [
                RowError(
                    FILE,
                    "",
                    f"The file has {len(found):,} records: the limit is {settings.CSV_MAX_ROWS:,} a file "
                    "(setting CSV_MAX_ROWS). Export smaller collections.",
                )
            ]
        )
    return found


def _csl_records(text: str) -> list[Record]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"The file is not valid CSL-JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    if isinstance(items, dict):
        items = items.get("items", [items])  # (a single item, or {"items": [...]})
    if not isinstance(items, list):
        raise RecordError("The file is not CSL-JSON: it should hold a list of references ([ {...}, ... ]).")
    return [Record(number, item if isinstance(item, dict) else {"": item}) for number, item in enumerate(items, 1)]


def _table(found: list[Record]) -> tuple[Table | None, list[RowError]]:
    """The records as the CSV import's table (a row a record, numbered as in the file), or their errors."""
    errors: list[RowError] = []
    for record in found:
        if record.problem is None:
            try:
                record.cells = csl.cells_of(record.item)
            except RecordError as exc:
                record.problem = exc
        if record.problem is not None:
            errors.append(RowError(record.number, record.problem.column, record.problem.message))
    stored = _stored_keys([record.cells["key"] for record in found if record.cells])
    rows = []
    for record in found:
        if record.cells:
            if "level" not in record.cells and record.cells["key"] not in stored:
                record.cells["level"] = csl.new_level(record.cells["kind"])
            rows.append((record.number, record.cells))
    if errors and not rows:
        return None, errors
    header = sorted({name for _, cells in rows for name in cells}, key=csl.FIELDS.index)
    return Table(header, rows), errors


def _stored_keys(keys: list[str]) -> set[str]:
    stored: set[str] = set()
    for start in range(0, len(keys), 1000):
        stored.update(Source.objects.filter(key__in=keys[start : start + 1000]).values_list("key", flat=True))
    return stored


def _named(error: RowError, labels: dict[int, str]) -> RowError:
    if error.row == FILE or error.row not in labels:
        return error
    return RowError(error.row, error.column, f"{labels[error.row]}: {error.message}", error.needs)
