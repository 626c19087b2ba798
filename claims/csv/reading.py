"""Reading CSV bytes: decoding, delimiter detection, formula escapes and numbered rows.

Nothing here touches the database; the importers build on parse_table().
"""

import codecs
import csv
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

# Cells of several megabytes (long statements, pasted documents) must not stop the reader.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

DELIMITERS = (",", ";", "\t")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_SIZE = 1000
REPEATED_MAX = 2000  # a column with more distinct cells than this is not deduplicated (keys, texts)
FILE = 0  # the "row number" of an error about the whole file


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header; 0 means the file as a whole
    column: str  # "" when the error is not about one column
    message: str

    def __str__(self) -> str:
        where = "file" if self.row == FILE else f"row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What an import does (or, in a dry run, would do) with one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    row: int
    key: str
    action: str
    changes: tuple[str, ...] = ()  # for an update: the columns that change, e.g. ("statement", "sources")


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)  # empty when there are errors
    dry_run: bool = False

    def _count(self, action: str) -> int:
        return sum(1 for outcome in self.rows if outcome.action == action)

    @property
    def created(self) -> int:
        return self._count(RowOutcome.CREATED)

    @property
    def updated(self) -> int:
        return self._count(RowOutcome.UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(RowOutcome.UNCHANGED)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


class FileError(Exception):
    """The file as a whole cannot be read; carries the errors to report."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# --- Formula escapes ---------------------------------------------------------------


def _needs_escape(value: str) -> bool:
    """A spreadsheet would run it as a formula, or it looks like an escaped cell itself."""
    if value.startswith(FORMULA_STARTS):
        return True
    return value.startswith("'") and _needs_escape(value[1:])


_ESCAPE_FIRST = frozenset("".join(FORMULA_STARTS) + "'")  # a cell starting otherwise is never escaped


def escape_formula(value: str) -> str:
    if not value or value[0] not in _ESCAPE_FIRST:
        return value
    return "'" + value if _needs_escape(value) else value


def unescape_formula(cell: str) -> str:
    """Reverse escape_formula exactly: unescape_formula(escape_formula(v)) == v for every v."""
    if cell.startswith("'") and _needs_escape(cell[1:]):
        return cell[1:]
    return cell


# --- Decoding ----------------------------------------------------------------------

_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch in _CONTROL or ch == "\x7f")
    return controls == 0


def _mostly_letters(text: str) -> bool:
    """Decoded cp1251 text is accepted when its letters are Cyrillic or Latin."""
    letters = [ch for ch in text[:65536] if ch.isalpha()]
    if not letters:
        return False
    good = sum(1 for ch in letters if ("a" <= ch.lower() <= "z") or ("\u0400" <= ch <= "\u04ff"))
    return good / len(letters) >= 0.95


def decode(data: bytes, encoding: str | None = None) -> str:
    """Text of the file: UTF-8 (with or without BOM), UTF-16 with its BOM, else Windows-1251, or the forced encoding."""
    return _decode(data, encoding)[0]


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    """decode(), and the codec that decoded the file."""
    not_text = RowError(FILE, "", "This is not a text (CSV) file.")
    if encoding:
        try:
            codec = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
            text = data.decode(codec)
        except LookupError:
            raise FileError([RowError(FILE, "", f"Unknown encoding {encoding!r}.")]) from None
        except UnicodeDecodeError as exc:
            raise FileError([RowError(FILE, "", f"The file is not valid {encoding}: {exc.reason} at byte {exc.start}.")]) from None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": UTF-16 with a byte-order mark (and tabs between cells).
        codec = "utf-16"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise FileError([RowError(FILE, "", "The file starts as UTF-16 text but is not valid UTF-16.")]) from None
    else:
        if b"\x00" in data[:65536]:
            raise FileError([not_text])
        try:
            codec = "utf-8-sig"
            text = data.decode(codec)
        except UnicodeDecodeError:
            try:
                codec = "cp1251"
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise FileError([not_text]) from None
            if not _mostly_letters(text):
                raise FileError([
                    RowError(FILE, "", "The file is neither UTF-8 nor Windows-1251 text; "
                             "save it as UTF-8 CSV or name its encoding (--encoding).")
                ])
    if not _looks_like_text(text):
        raise FileError([not_text])
    return text, codec


# --- Delimiters and rows -----------------------------------------------------------


def detect_delimiter(text: str) -> str:
    """`,` `;` or tab, read from the header line (column names never contain one).

    When the header has none of them (a single column), csv.Sniffer, restricted to the
    three, looks at the start of the file; failing that, a comma.
    """
    end = text.find("\n")
    header = text if end < 0 else text[:end]  # (not split: that would copy the whole file)
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best]:
        return best
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, column -> unescaped cell)


def parse_table(
    data: bytes,
    *,
    encoding: str | None,
    known: Iterable[str],
    required: Iterable[str],
    export_only: Iterable[str] = (),
) -> tuple[Table | None, list[RowError]]:
    """Decode and split the file; check the header. Returns the table or the errors.

    Row numbers are those of a spreadsheet: the header is row 1, the first record row 2
    (a quoted newline does not start a new row). Export-only columns are dropped.
    """
    known = list(known)
    export_only = set(export_only)
    try:
        text, codec = _decode(data, encoding)
    except FileError as exc:
        return None, exc.errors
    if not text or text.isspace():  # (text.strip() would copy a large file once more)
        return None, [RowError(FILE, "", "The file is empty; it needs a header row and at least one row.")]
    delimiter = detect_delimiter(text)
    # The whole text was decoded once to check it; the rows are read from the bytes again,
    # a block at a time, so that a large file is not held twice (as text and as cells).
    del text
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline=""), delimiter=delimiter)
    errors: list[RowError] = []
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, dict[str, str]]] = []
    number = 0
    try:
        for cells in reader:
            number += 1
            if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                continue  # a blank line
            if header is None:
                header_row, header = number, [name.strip() for name in cells]
                errors = _header_errors(header, header_row, known, required, export_only)
                bad_header = bool(errors)
                kept = [(i, name) for i, name in enumerate(header) if name not in export_only]
                repeated: list[dict | None] = [{} for _ in header]
                continue
            if bad_header:
                continue  # the header is wrong: only a CSV error further down is still news
            if len(cells) > len(header):
                extra = len(cells) - len(header)
                errors.append(RowError(
                    number, "", f"This row has {len(cells)} cells but the header has {len(header)} columns "
                    f"({extra} too many; is a cell with the delimiter in it missing its quotes?).",
                ))
                continue
            if len(cells) < len(header):
                cells += [""] * (len(header) - len(cells))
            row = {}
            for i, name in kept:
                cell = cells[i]
                if cell[:1] == "'":
                    cell = unescape_formula(cell)
                same = repeated[i]
                if same is not None:  # one string object for the many rows with the same cell
                    cell = same.setdefault(cell, cell)
                    if len(same) > REPEATED_MAX:
                        repeated[i] = None
                row[name] = cell
            rows.append((number, row))
    except csv.Error as exc:
        return None, [RowError(number + 1, "", f"This row cannot be read as CSV: {exc}.")]
    if header is None:
        return None, [RowError(FILE, "", "The file is empty; it needs a header row and at least one row.")]
    if bad_header:
        return None, errors
    if not rows and not errors:
        errors.append(RowError(FILE, "", "The file has a header but no rows."))
    return Table([h for h in header if h not in export_only], rows), errors


def _header_errors(header: list[str], header_row: int, known: list[str], required: Iterable[str],
                   export_only: set[str]) -> list[RowError]:
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in header:
        if not name:
            errors.append(RowError(header_row, "", "A column has no name in the header."))
        elif name in seen:
            errors.append(RowError(header_row, name, f"The column {name!r} appears twice in the header."))
        elif name not in known and name not in export_only:
            errors.append(RowError(
                header_row, name,
                f"Unknown column {name!r}; the known columns are {', '.join(known + sorted(export_only))}.",
            ))
        seen.add(name)
    for name in required:
        if name not in seen:
            errors.append(RowError(header_row, name, f"The required column {name!r} is missing."))
    return errors


def write_row(writer, values: Iterable[str]) -> None:
    writer.writerow([escape_formula(v) for v in values])


def chunks(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start:start + size]
