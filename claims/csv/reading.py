"""Reading CSV bytes: decoding, delimiter detection, formula escapes and numbered rows.

Nothing here touches the database; the importers build on parse_table().
"""

import codecs
import csv
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings

from claims.quoting import quoted, shorten

# Cells of several megabytes (long statements, pasted documents) must not stop the reader.
# (Process-wide, so set once: CSV_MAX_CELL_BYTES is checked on each row instead.)
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

DELIMITERS = (",", ";", "\t")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_SIZE = 1000
REPEATED_MAX = 2000  # a column with more distinct cells than this is not deduplicated (keys, texts)
FILE = 0  # the "row number" of an error about the whole file
MESSAGE_LIMIT = 1000  # characters of an error message: the values it quotes are cut shorter still


def needs_first(kind: str) -> str:
    """The end of the message of a row that names a record of kind ("sources", "claims") that does not exist."""
    return f"import the {kind} first, on the {kind} import page."


@dataclass(frozen=True)
class RowError:
    row: int  # 1 is the header; 0 means the file as a whole
    column: str  # "" when the error is not about one column
    message: str
    # "sources" or "claims" when the fix is to import those first (NEEDS_FIRST): a page then
    # links its own import of them; a command names its command.
    needs: str = ""

    def __post_init__(self):
        # Messages quote cells through claims.quoting; this bounds one that would not (a
        # validator's message quoting its value), so that no error can carry a megabyte.
        if len(self.message) > MESSAGE_LIMIT:
            object.__setattr__(self, "message", shorten(self.message, MESSAGE_LIMIT))
        if len(self.column) > MESSAGE_LIMIT // 10:
            object.__setattr__(self, "column", shorten(self.column, MESSAGE_LIMIT // 10))

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
    # for an update: (column, old value, new value) of each column that changes, for the preview
    values: tuple[tuple[str, str, str], ...] = ()


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)  # empty when there are errors
    dry_run: bool = False
    # Every key of the file -> the version of its stored record as this import read it (0:
    # none stored); a confirm passes a preview's as expected_versions. Empty on errors.
    versions: dict[str, int] = field(default_factory=dict)
    # The errors are rows changed since the preview whose versions were expected: the same
    # file, previewed again, may well import.
    changed_since_preview: bool = False

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
            raise FileError([RowError(FILE, "", f"Unknown encoding {quoted(encoding)}.")]) from None
        except UnicodeDecodeError as exc:
            raise FileError(
                [RowError(FILE, "", f"The file is not valid {shorten(encoding)}: {exc.reason} at byte {exc.start}.")]
            ) from None
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
                raise FileError(
                    [
                        RowError(
                            FILE,
                            "",
                            "The file is neither UTF-8 nor Windows-1251 text; "
                            "save it as UTF-8 CSV or name its encoding (--encoding).",
                        )
                    ]
                ) from None  # (the UTF-8 error says nothing the message does not)
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


# The rest of a quoted cell, up to its closing quote or the end of the line ("" is a quote in it).
_QUOTED_REST = re.compile(r'[^"]*(?:""[^"]*)*')


class _TooWide(Exception):
    """A record has more cells than CSV_MAX_COLUMNS allows (raised before the csv module builds it)."""


class _CellCounter:
    """Counts the cells of one record line by line as the csv module will split it (its default
    dialect, not strict), stopping as soon as there are more than `limit`."""

    def __init__(self, delimiter: str, limit: int):
        self.delimiter, self.limit = delimiter, limit
        self.cells = 1
        self.quoted = False  # the last line ended inside a quoted cell (the record goes on)

    def feed(self, line: str) -> None:
        delimiter, end = self.delimiter, len(line)
        position, quoted = 0, self.quoted
        while True:
            if quoted:
                position = _QUOTED_REST.match(line, position).end()
                if position >= end:
                    break  # the quoted cell goes on to the next line
                position += 1  # its closing quote; anything up to the delimiter is part of the cell
                quoted = False
            elif position < end and line[position] == '"':
                position += 1
                quoted = True
                continue
            position = line.find(delimiter, position)
            if position < 0:
                break  # the record ends with this line
            self.cells += 1
            if self.cells > self.limit:
                raise _TooWide
            position += 1
        self.quoted = quoted


class _Lines:
    """The file's lines as the csv reader asks for them, watched on their way to it.

    ended: the reader asked for a line after the last one, which it does only in the middle of
    a record: when the file ends inside a quoted cell. (Python's csv module, not strict, then
    returns the rest of the file as that cell; strict, it raises "unexpected end of data", but
    it also refuses `"a"b`, which files accepted today hold.)
    large: the record has enough characters for a cell of it to be over limits.cell_bytes.
    A record whose lines hold enough delimiters to pass limits.columns has its cells counted
    before the csv module builds them (see _CellCounter): a line of a million commas is
    refused, not made into a million cells. The caller sets `fresh` after each record.
    """

    def __init__(self, stream: Iterable[str], delimiter: str, limits: "Limits"):
        self.stream, self.delimiter, self.limits = stream, delimiter, limits
        self.fresh = True
        self.ended = self.large = False

    def __iter__(self) -> Iterator[str]:
        delimiter, max_columns = self.delimiter, self.limits.columns
        surely_within = self.limits.cell_bytes // 4  # characters: UTF-8 takes at most 4 bytes for one
        record: list[str] = []
        delimiters = characters = 0
        counter = None
        for line in self.stream:
            if self.fresh:
                self.fresh = self.large = False
                record, delimiters, characters, counter = [], 0, 0, None
            characters += len(line)
            if characters > surely_within:
                self.large = True
            if counter is not None:
                counter.feed(line)
            else:
                record.append(line)
                delimiters += line.count(delimiter)
                if delimiters >= max_columns:  # it may have more than max_columns cells: count them
                    counter = _CellCounter(delimiter, max_columns)
                    for earlier in record:
                        counter.feed(earlier)
            yield line
        self.ended = True


@dataclass(frozen=True)
class Limits:
    """What one file may hold (settings CSV_MAX_ROWS, CSV_MAX_COLUMNS, CSV_MAX_CELL_BYTES)."""

    rows: int
    columns: int
    cell_bytes: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(settings.CSV_MAX_ROWS, settings.CSV_MAX_COLUMNS, settings.CSV_MAX_CELL_BYTES)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as io.TextIOWrapper(newline="") ends lines


def _oversized(cells: list[str], limit: int) -> list[tuple[int, int]]:
    """(index, size in UTF-8 bytes) of the cells over limit bytes."""
    found = []
    for index, cell in enumerate(cells):
        if len(cell) * 4 > limit:  # (a character is at most 4 bytes: shorter cells are surely within)
            size = len(cell) if len(cell) > limit else len(cell.encode("utf-8", "surrogatepass"))
            if size > limit:
                found.append((index, size))
    return found


def parse_table(
    data: bytes, *, encoding: str | None, known: Iterable[str], required: Iterable[str], export_only: Iterable[str] = ()
) -> tuple[Table | None, list[RowError]]:
    """Decode and split the file; check the header. Returns the table or the errors.

    Row numbers are those of a spreadsheet: the header is row 1, the first record row 2
    (a quoted newline does not start a new row). Export-only columns are dropped. The file
    is read within Limits: a row or cell over them is an error, and reading stops at a row
    too wide or too many.
    """
    known = list(known)
    export_only = set(export_only)
    limits = Limits.from_settings()
    try:
        text, codec = _decode(data, encoding)
    except FileError as exc:
        return None, exc.errors
    if not text or text.isspace():  # (text.strip() would copy a large file once more)
        return None, [_empty_file()]
    delimiter = detect_delimiter(text)
    # The whole text was decoded once to check it; the rows are read from the bytes again,
    # a block at a time, so that a large file is not held twice (as text and as cells).
    del text
    lines = _Lines(io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline=""), delimiter, limits)
    return _TableReader(lines, delimiter, limits, known, required, export_only).read()


def _empty_file() -> RowError:
    return RowError(FILE, "", "The file is empty; it needs a header row and at least one row.")


class _Stop(Exception):
    """Reading stops at this row: the errors so far are the result."""


class _TableReader:
    """parse_table's reading of the rows: the header, then the records under it."""

    def __init__(
        self,
        lines: "_Lines",
        delimiter: str,
        limits: Limits,
        known: list[str],
        required: Iterable[str],
        export_only: set[str],
    ):
        self.lines, self.limits = lines, limits
        self.reader = csv.reader(lines, delimiter=delimiter)
        self.known, self.required, self.export_only = known, required, export_only
        self.errors: list[RowError] = []
        self.header: list[str] | None = None
        self.bad_header = False
        self.kept: list[tuple[int, str]] = []  # (index, name) of the columns not export-only
        self.repeated: list[dict | None] = []
        self.rows: list[tuple[int, dict[str, str]]] = []
        self.number = 0  # the row last read
        self.records = 0  # rows after the header

    def read(self) -> tuple[Table | None, list[RowError]]:
        try:
            self._read_rows()
        except _Stop:
            return None, self.errors
        except _TooWide:
            self.errors.append(self._too_wide())
            return None, self.errors
        except csv.Error as exc:
            return None, [RowError(self.number + 1, "", f"This row cannot be read as CSV: {exc}.")]
        header = self.header
        if header is None:
            return None, [_empty_file()]
        if self.bad_header:
            return None, self.errors
        if not self.rows and not self.errors:
            self.errors.append(RowError(FILE, "", "The file has a header but no rows."))
        return Table([h for h in header if h not in self.export_only], self.rows), self.errors

    def _read_rows(self) -> None:
        lines, max_columns = self.lines, self.limits.columns
        for cells in self.reader:
            self.number += 1
            lines.fresh = True
            if lines.ended:
                last_line = self.reader.line_num
                self.errors.append(_unclosed_quote(cells, self.number, self.header, last_line=last_line))
                raise _Stop
            if len(cells) > max_columns:  # (_Lines stops such a row first; this is the rule itself)
                raise _TooWide
            if lines.large and self._oversized(cells):
                continue
            if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                continue  # a blank line
            header = self.header
            if header is None:
                self._take_header(cells)
            else:
                self._take_record(cells, header)

    def _oversized(self, cells: list[str]) -> bool:
        """Adds an error for each cell over limits.cell_bytes; True if there are any."""
        oversized = _oversized(cells, self.limits.cell_bytes)
        if not oversized:
            return False
        number, header, limits = self.number, self.header, self.limits
        self.errors += [_cell_too_large(number, index, size, header, limits) for index, size in oversized]
        if header is None:
            raise _Stop  # (the next row must not be taken for the header)
        return True

    def _take_header(self, cells: list[str]) -> None:
        header = [name.strip() for name in cells]
        self.header = header
        self.errors = _header_errors(header, self.number, self.known, self.required, self.export_only)
        self.bad_header = bool(self.errors)
        self.kept = [(i, name) for i, name in enumerate(header) if name not in self.export_only]
        self.repeated = [{} for _ in header]

    def _take_record(self, cells: list[str], header: list[str]) -> None:
        number = self.number
        self.records += 1
        if self.records > self.limits.rows:
            self.errors.append(self._too_many())
            raise _Stop
        if self.bad_header:
            return  # the header is wrong: only a CSV error further down is still news
        if len(cells) > len(header):
            extra = len(cells) - len(header)
            self.errors.append(
                RowError(
                    number,
                    "",
                    f"This row has {len(cells)} cells but the header has {len(header)} columns "
                    f"({extra} too many; is a cell with the delimiter in it missing its quotes?).",
                )
            )
            return
        if len(cells) < len(header):
            cells += [""] * (len(header) - len(cells))
        repeated = self.repeated
        row = {}
        for i, name in self.kept:
            cell = cells[i]
            if cell[:1] == "'":
                cell = unescape_formula(cell)
            same = repeated[i]
            if same is not None:  # one string object for the many rows with the same cell
                cell = same.setdefault(cell, cell)
                if len(same) > REPEATED_MAX:
                    repeated[i] = None
            row[name] = cell
        self.rows.append((number, row))

    def _too_many(self) -> RowError:
        rows = self.limits.rows
        return RowError(
            self.number,
            "",
            f"The file has more than {rows:,} rows: the limit is {rows:,} rows "
            "a file (setting CSV_MAX_ROWS). Split it into smaller files; it was not read past this row.",
        )

    def _too_wide(self) -> RowError:
        columns = self.limits.columns
        return RowError(
            # (raised by _Lines, the row is not counted yet; _Lines has then set fresh False)
            self.number + 1 if not self.lines.fresh else self.number,
            "",
            f"This row has more than {columns:,} cells: the limit is {columns:,} columns a row "
            "(setting CSV_MAX_COLUMNS). The file was not read past this row.",
        )


def _column_name(index: int, header: list[str] | None) -> str:
    return header[index] if header is not None and index < len(header) else ""


def _unclosed_quote(cells: list[str], number: int, header: list[str] | None, *, last_line: int) -> RowError:
    """The error of a record the end of the file cut off inside a quoted cell (its last cell).

    Its lines run to the file's last line (last_line), and every line break in them is in its
    cells (else the record would have ended there): that gives the line where it starts."""
    index = len(cells) - 1
    breaks = [len(_LINE_BREAK.findall(cell)) for cell in cells]
    spanned = sum(breaks) + (0 if cells[index].endswith(("\n", "\r")) else 1)
    line = last_line - spanned + 1 + sum(breaks[:index])
    where = "" if _column_name(index, header) else f"cell {index + 1} of this row, "
    return RowError(
        number,
        _column_name(index, header),
        f"A quote opens in this cell ({where}line {line:,} of the file: {quoted(cells[index])}) and is never "
        f"closed, so the rest of the file ({spanned:,} line{'s' if spanned != 1 else ''}) would be read "
        'into this one cell. Close the quote (a quote inside a quoted cell is written twice: "").',
    )


def _cell_too_large(number: int, index: int, size: int, header: list[str] | None, limits: Limits) -> RowError:
    name = _column_name(index, header)
    which = "This cell" if name else f"Cell {index + 1} of this row"
    return RowError(
        number,
        name,
        f"{which} is {size:,} bytes: the limit is {limits.cell_bytes:,} bytes a cell (setting CSV_MAX_CELL_BYTES).",
    )


def _header_errors(
    header: list[str], header_row: int, known: list[str], required: Iterable[str], export_only: set[str]
) -> list[RowError]:
    errors: list[RowError] = []
    seen: set[str] = set()
    for name in header:
        if not name:
            errors.append(RowError(header_row, "", "A column has no name in the header."))
        elif name in seen:
            errors.append(RowError(header_row, name, f"The column {quoted(name)} appears twice in the header."))
        elif name not in known and name not in export_only:
            errors.append(
                RowError(
                    header_row,
                    name,
                    f"Unknown column {quoted(name)}; the known columns are {', '.join(known + sorted(export_only))}.",
                )
            )
        seen.add(name)
    for name in required:
        if name not in seen:
            errors.append(RowError(header_row, name, f"The required column {name!r} is missing."))
    return errors


def write_row(writer, values: Iterable[str]) -> None:
    writer.writerow([escape_formula(v) for v in values])


def chunks(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]
