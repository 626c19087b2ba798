"""Bounded CSV input (issue 10, point 9, and the quoting of point 10): an unclosed quote is a
file error naming its row; rows per file, columns per row and bytes per cell have limits,
settable, each named when exceeded; an error quotes at most ~80 characters of a value, so a
file of megabytes never makes a page or a message of megabytes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.csv.claims_csv import claims_import
from claims.csv.sources_csv import sources_import
from claims.models import Claim
from tests.csv_support import CSV_DIR, read, rows_and_history, sources  # noqa: F401

pytestmark = pytest.mark.django_db

HEADER = "key,topic,statement\n"


def where(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


# --- An unclosed quote --------------------------------------------------------------------


def test_an_unclosed_quote_is_a_file_error_naming_its_row_and_nothing_is_written(sources):
    # Row 3's statement opens a quote that nothing closes: it would swallow rows 4 and 5.
    before = rows_and_history()
    report = claims_import(actor=None, data=read("error_unclosed_quote.csv"))
    assert where(report) == [(3, "statement")]
    message = report.errors[0].message
    assert message.startswith(
        "A quote opens in this cell (line 3 of the file: 'Second row, whose quote is never "
        "closed\\nverdict-at-night,Date of execution,The v'… ("
    )
    assert "is never closed, so the rest of the file (3 lines) would be read into this one cell" in message
    assert report.rows == [] and rows_and_history() == before


def test_the_row_of_an_unclosed_quote_is_the_spreadsheets_after_a_quoted_newline(sources):
    data = (
        HEADER + 'two-lines,Date of execution,"A statement\non two lines."\n'
        'open-quote,Date of execution,"Never closed.\nlast,Date of execution,Last.\n'
    ).encode()
    report = claims_import(actor=None, data=data)
    assert where(report) == [(3, "statement")]
    assert "line 4 of the file" in report.errors[0].message


def test_an_unclosed_quote_in_the_header_or_the_last_line_is_refused(sources):
    header = claims_import(actor=None, data=b'key,topic,"statement\nx,Date of execution,Y\n')
    assert where(header) == [(1, "")] and "cell 3 of this row, line 1" in header.errors[0].message
    last = claims_import(actor=None, data=(HEADER + 'x,Date of execution,Y\n"').encode())
    assert where(last) == [(3, "key")] and "is never closed" in last.errors[0].message
    assert Claim.objects.count() == 0


def test_the_commands_refuse_an_unclosed_quote(sources):
    with pytest.raises(CommandError, match=r"row 3, column statement: A quote opens in this cell"):
        call_command("import_claims", str(CSV_DIR / "error_unclosed_quote.csv"), stdout=io.StringIO())
    assert Claim.objects.count() == 0


# --- Limits ---------------------------------------------------------------------------


def test_a_file_over_csv_max_rows_is_refused_naming_the_limit_and_the_row(sources, settings):
    settings.CSV_MAX_ROWS = 5
    rows = "".join(f"claim-{n},Date of execution,Statement {n}.\n" for n in range(6))
    report = claims_import(actor=None, data=(HEADER + rows).encode())
    assert where(report) == [(7, "")]
    assert report.errors[0].message.startswith(
        "The file has more than 5 rows: the limit is 5 rows a file (setting CSV_MAX_ROWS)."
    )
    assert Claim.objects.count() == 0
    assert claims_import(actor=None, data=(HEADER + rows.rsplit("claim-5", 1)[0]).encode()).created == 5


def test_a_row_over_csv_max_columns_is_refused_before_it_is_split(sources, settings):
    settings.CSV_MAX_COLUMNS = 10
    wide = "x," * 1_000_000 + "y\n"  # a million cells, were they split
    report = claims_import(actor=None, data=(HEADER + "ok,Date of execution,Fine.\n" + wide).encode())
    assert where(report) == [(3, "")]
    assert report.errors[0].message == (
        "This row has more than 10 cells: the limit is 10 columns a row "
        "(setting CSV_MAX_COLUMNS). The file was not read past this row."
    )
    assert Claim.objects.count() == 0
    # The delimiters of a quoted cell are no cells: a long statement full of commas is read.
    prose = '"' + "one, two, three; " * 100_000 + '"'
    report = claims_import(actor=None, data=(HEADER + f"prose,Date of execution,{prose}\n").encode())
    assert report.ok, report.errors
    assert Claim.objects.get(key="prose").statement.count(",") == 200_000


def test_a_header_over_csv_max_columns_is_refused(sources, settings):
    settings.CSV_MAX_COLUMNS = 3
    report = sources_import(actor=None, data=read("sources.csv"))
    assert where(report) == [(1, "")] and "(setting CSV_MAX_COLUMNS)" in report.errors[0].message


def test_a_cell_over_csv_max_cell_bytes_is_refused_naming_row_column_and_limit(sources, settings):
    settings.CSV_MAX_CELL_BYTES = 1000
    within = "я" * 500  # 1000 bytes in UTF-8
    over = "я" * 500 + "!"
    data = (HEADER + f"within,Date of execution,{within}\nover,Date of execution,{over}\n").encode()
    report = claims_import(actor=None, data=data)
    assert where(report) == [(3, "statement")]
    assert report.errors[0].message == (
        "This cell is 1,001 bytes: the limit is 1,000 bytes a cell (setting CSV_MAX_CELL_BYTES)."
    )
    assert Claim.objects.count() == 0
    assert claims_import(actor=None, data=(HEADER + f"within,Date of execution,{within}\n").encode()).ok


# --- Messages quote at most ~80 characters of a value --------------------------------------

MEGABYTE = "Тухачевский " * 90_000


@pytest.mark.parametrize(
    "column, row",
    [
        ("kind", f"x,Date of execution,Fine.,{MEGABYTE}\n"),
        ("event_date", f"x,Date of execution,Fine.,,{MEGABYTE}\n"),
        ("sources", f"x,Date of execution,Fine.,,,,,{MEGABYTE}\n"),
        ("key", f"{MEGABYTE},Date of execution,Fine.\n{MEGABYTE},Date of execution,Again.\n"),
    ],
    ids=["kind", "event_date", "sources", "repeated key"],
)
def test_an_error_about_a_cell_of_a_megabyte_quotes_80_characters_of_it(sources, column, row):
    report = claims_import(
        actor=None, data=("key,topic,statement,kind,event_date,status,people,sources\n" + row).encode()
    )
    assert report.errors and all(len(e.message) < 400 for e in report.errors), report.errors
    quoting = [e.message for e in report.errors if e.column == column and "more characters)" in e.message]
    assert quoting and "'Тухачевский Тухачевский" in quoting[0], report.errors


def twenty_megabyte_header() -> bytes:
    return b"key" + b"k" * 20_000_000 + b"\nx,y,z\n"


CELL_LIMITS = pytest.mark.parametrize(
    "cell_limit", [None, 50_000_000], ids=["default limits", "cells of 50 MB allowed"]
)


@CELL_LIMITS
@pytest.mark.parametrize("page", ["web", "admin"])
def test_a_20_mb_header_line_makes_a_page_of_a_few_kb(client, editor, staff, settings, cell_limit, page):
    if cell_limit:
        settings.CSV_MAX_CELL_BYTES = cell_limit
    handle = io.BytesIO(twenty_megabyte_header())
    handle.name = "huge-header.csv"
    if page == "web":
        client.force_login(editor)
        response = client.post("/claims/import/", {"file": handle, "encoding": ""})
        refused = "cannot be imported"
    else:
        client.force_login(staff)
        response = client.post("/admin/claims/claim/import/", {"import_file": handle, "format": "0", "resource": "0"})
        refused = "Some rows failed to validate"
    assert response.status_code == 200 and len(response.content) < 30_000, len(response.content)
    assert refused in response.content.decode()


@CELL_LIMITS
def test_a_20_mb_header_line_makes_a_short_message_from_the_commands(db, tmp_path, settings, cell_limit):
    if cell_limit:
        settings.CSV_MAX_CELL_BYTES = cell_limit
    path = tmp_path / "huge-header.csv"
    path.write_bytes(twenty_megabyte_header())
    for command in ("import_claims", "import_sources"):
        with pytest.raises(CommandError) as failure:
            call_command(command, str(path), stdout=io.StringIO())
        assert len(str(failure.value)) < 2_000 and "row 1" in str(failure.value)
