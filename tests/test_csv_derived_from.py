"""The sources CSV's derived_from column (issue 13, point 1): a source's genealogy exported as
`key: kind` pairs and imported as the source's whole set of relations."""

import csv
import io
import re

import pytest
from django.core.exceptions import PermissionDenied

from claims import services
from claims.csv.sources_csv import sources_import
from claims.models import Source, SourceRelation
from tests.csv_support import exported_sources, read, seeded, sources  # noqa: F401
from tests.forms_support import page_text

FILE = "sources_derived_from.csv"


def relations() -> set[str]:
    return {str(r) for r in SourceRelation.objects.select_related("source", "derived_from")}


def relations_and_history() -> tuple:
    """Everything an import could write: sources and relations, with their history."""
    return (
        sorted(Source.objects.values_list("key", "title", "version")),
        sorted(SourceRelation.objects.values_list("source__key", "derived_from__key", "kind", "version")),
        Source.history.count(),
        SourceRelation.history.count(),
    )


def derived_from_cells(text: str) -> dict[str, str]:
    return {row["key"]: row["derived_from"] for row in csv.DictReader(io.StringIO(text))}


def imported(editor, data: bytes):
    report = sources_import(actor=editor, data=data)
    assert report.ok, report.errors
    return report


@pytest.fixture
def german(editor, sources):
    """tests/csv/sources_derived_from.csv imported by the editor over rogovin-1937 and izvestiya-tsk-1989-4."""
    return imported(editor, read(FILE))


# --- Import -----------------------------------------------------------------------------


def test_a_file_records_what_each_source_derives_from_even_a_source_further_down(editor, german):
    assert german.summary == "created 3, updated 0, unchanged 0"
    assert relations() == {
        "kotkin-summary-2000 is a summary of rogovin-1937-de",  # (rogovin-1937-de is the next row)
        "rogovin-1937-de is a translation of rogovin-1937",
        "rogovin-1937-de quotes izvestiya-tsk-1989-4",
        "izvestiya-reprint-1990 is a copy of izvestiya-tsk-1989-4",
    }
    assert {r.created_by for r in SourceRelation.objects.all()} == {editor}
    assert [h.history_user for h in SourceRelation.history.all()] == [editor] * 4
    assert {h.history_type for h in SourceRelation.history.all()} == {"+"}


def test_the_same_file_imported_again_changes_nothing(editor, german):
    before = relations_and_history()
    report = imported(editor, read(FILE))
    assert report.summary == "created 0, updated 0, unchanged 3"
    assert relations_and_history() == before


def test_the_cell_is_the_whole_set_added_changed_and_removed(editor, german):
    relation_ids = dict(
        SourceRelation.objects.values_list("derived_from__key", "pk").filter(source__key="rogovin-1937-de")
    )
    data = (
        b"key,kind,level,title,derived_from\n"
        b"rogovin-1937-de,monograph,secondary,1937 (German translation),"
        b"rogovin-1937: copy | izvestiya-reprint-1990: quotes\n"
    )
    report = imported(editor, data)
    assert report.summary == "created 0, updated 1, unchanged 0"
    assert report.rows[0].changes == ("derived_from",)
    assert {r for r in relations() if r.startswith("rogovin-1937-de")} == {
        "rogovin-1937-de is a copy of rogovin-1937",
        "rogovin-1937-de quotes izvestiya-reprint-1990",
    }
    changed = SourceRelation.objects.get(pk=relation_ids["rogovin-1937"])
    assert changed.version == 2 and changed.history.latest().history_type == "~"
    removed = SourceRelation.history.filter(id=relation_ids["izvestiya-tsk-1989-4"]).latest()
    assert removed.history_type == "-" and removed.history_user == editor
    # The rows the file does not name keep their relations.
    assert "kotkin-summary-2000 is a summary of rogovin-1937-de" in relations()


def test_an_empty_cell_removes_every_relation_of_its_source(editor, german):
    imported(
        editor, b"key,kind,level,title,derived_from\nrogovin-1937-de,monograph,secondary,1937 (German translation),\n"
    )
    assert not SourceRelation.objects.filter(source__key="rogovin-1937-de").exists()
    assert SourceRelation.objects.count() == 2


def test_a_file_without_the_column_leaves_the_relations_alone(editor, german):
    before = relations()
    report = imported(editor, b"key,kind,level,title\nrogovin-1937-de,monograph,secondary,1937 (in German)\n")
    assert report.summary == "created 0, updated 1, unchanged 0"
    assert relations() == before


def test_a_dry_run_says_what_would_change_and_writes_nothing(editor, german):
    before = relations_and_history()
    data = b"key,kind,level,title,derived_from\nizvestiya-reprint-1990,periodical,primary,Reprint,\n"
    report = sources_import(actor=editor, data=data, dry_run=True)
    assert report.ok and report.rows[0].changes == ("title", "derived_from")
    assert relations_and_history() == before


# --- Refused ----------------------------------------------------------------------------

HEADER = "key,kind,level,title,derived_from\n"


@pytest.mark.parametrize(
    ("rows", "row", "message"),
    [
        (
            "new-1990,article,secondary,New,no-such-1937: copy\n",
            2,
            "Unknown source key 'no-such-1937': no stored source has it, nor a row of this file.",
        ),
        (
            "new-1990,article,secondary,New,rogovin-1937: sequel\n",
            2,
            "Unknown kind of relation 'sequel' after 'rogovin-1937': one of copy, translation, quotes, based_on, summary.",
        ),
        (
            "new-1990,article,secondary,New,rogovin-1937 translation\n",
            2,
            "'rogovin-1937 translation' is not a pair “key: kind” (e.g. rogovin-1937-ru: translation).",
        ),
        ("new-1990,article,secondary,New,: copy\n", 2, "': copy' is not a pair “key: kind”"),
        ("new-1990,article,secondary,New,new-1990: copy\n", 2, "A source cannot be derived from itself."),
        (
            "new-1990,article,secondary,New,rogovin-1937: copy | rogovin-1937: quotes\n",
            2,
            "The source 'rogovin-1937' is named twice.",
        ),
        # Within the file: a → b → a.
        (
            "new-a,article,secondary,A,new-b: copy\nnew-b,article,secondary,B,new-a: summary\n",
            2,
            "This would make a circle of derivations: new-a → new-b → new-a (each derived from the next).",
        ),
        # Between the file and the database: rogovin-1937-de is a translation of rogovin-1937 already.
        (
            "rogovin-1937,monograph,secondary,1937: Stalin's Year of Terror,kotkin-summary-2000: based_on\n",
            2,
            "This would make a circle of derivations: rogovin-1937 → kotkin-summary-2000 → rogovin-1937-de → "
            "rogovin-1937 (each derived from the next).",
        ),
    ],
)
def test_a_bad_pair_is_an_error_of_its_row_and_nothing_is_written(editor, german, rows, row, message):
    before = relations_and_history()
    report = sources_import(actor=editor, data=(HEADER + rows).encode())
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors if message in e.message] == [(row, "derived_from")], report.errors
    assert relations_and_history() == before


def test_a_circle_within_the_file_is_named_on_each_row_that_closes_it(editor, german):
    data = (HEADER + "new-a,article,secondary,A,new-b: copy\nnew-b,article,secondary,B,new-a: summary\n").encode()
    report = sources_import(actor=editor, data=data)
    assert [str(e) for e in report.errors] == [
        "row 2, column derived_from: This would make a circle of derivations: new-a → new-b → new-a "
        "(each derived from the next).",
        "row 3, column derived_from: This would make a circle of derivations: new-b → new-a → new-b "
        "(each derived from the next).",
    ]
    assert not Source.objects.filter(key__startswith="new-").exists()


def test_a_bad_pair_is_reported_with_the_files_other_errors(editor, german):
    data = (HEADER + "new-1990,sequel,secondary,New,no-such-1937: copy\n").encode()
    report = sources_import(actor=editor, data=data)
    assert [(e.row, e.column) for e in report.errors] == [(2, "derived_from"), (2, "kind")]


def test_a_bad_pair_among_good_rows_writes_none_of_them(editor, sources):
    data = read(FILE) + b"one-more,article,secondary,One more,rogovin-1937: sequel\n"
    before = relations_and_history()
    report = sources_import(actor=editor, data=data)
    assert [(e.row, e.column) for e in report.errors] == [(5, "derived_from")]
    assert relations_and_history() == before


# --- Who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "outsider"])
def test_only_those_who_may_import_change_relations_by_import(request, editor, german, persona):
    user = request.getfixturevalue(persona)
    before = relations_and_history()
    data = HEADER.encode() + b"rogovin-1937-de,monograph,secondary,1937 (German translation),\n"
    with pytest.raises(PermissionDenied):
        sources_import(actor=user, data=data)
    assert relations_and_history() == before


def test_an_editor_changes_by_import_a_relation_a_researcher_recorded(editor, researcher, source):
    theirs = services.source_create(
        actor=researcher, key="rogovin-1937-en", kind="monograph", level="secondary", title="1937 (English)"
    )
    services.source_relation_add(actor=researcher, source=theirs, derived_from=source, kind="copy")
    imported(
        editor, HEADER.encode() + b"rogovin-1937-en,monograph,secondary,1937 (English),rogovin-1937: translation\n"
    )
    relation = SourceRelation.objects.get(source=theirs)
    assert relation.kind == "translation" and relation.history.latest().history_user == editor


# --- Export and the round trip ----------------------------------------------------------


def test_the_export_writes_the_pairs_sorted_by_key(editor, german):
    cells = derived_from_cells(exported_sources())
    assert cells["rogovin-1937-de"] == "izvestiya-tsk-1989-4: quotes | rogovin-1937: translation"
    assert cells["kotkin-summary-2000"] == "rogovin-1937-de: summary"
    assert cells["rogovin-1937"] == ""
    assert list(csv.reader(io.StringIO(exported_sources())))[0][-1] == "derived_from"


def test_the_seeds_sources_export_import_and_export_again_byte_identical(seeded, editor):
    first = exported_sources()
    assert derived_from_cells(first)["izvestiya-tsk-1989-4"] == "shvernik-commission-1964: copy"
    assert derived_from_cells(first)["rogovin-1937"] == "rogovin-1937-ru: translation"
    before = relations_and_history()
    report = imported(editor, first.encode())
    assert report.updated == report.created == 0
    assert relations_and_history() == before
    assert exported_sources() == first


def test_the_seeds_relations_come_back_into_an_empty_database(seeded, editor):
    first, before = exported_sources(), relations()
    deriving = SourceRelation.objects.values("source").distinct().count()
    SourceRelation.objects.all().delete()
    report = imported(editor, first.encode())
    assert report.updated == deriving == 3 and report.created == 0
    assert {outcome.changes for outcome in report.rows if outcome.action == "updated"} == {("derived_from",)}
    assert relations() == before
    assert exported_sources() == first


# --- On the web -------------------------------------------------------------------------


def test_an_editor_previews_the_file_on_the_import_page_then_confirms_it(client, editor, sources):
    client.force_login(editor)
    handle = io.BytesIO(read(FILE))
    handle.name = "sources.csv"
    page = client.post("/sources/import/", {"file": handle, "encoding": ""}).content.decode()
    assert not SourceRelation.objects.exists()  # (a preview writes nothing)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post("/sources/import/confirm/", {"token": token})
    assert "rogovin-1937-de is a translation of rogovin-1937" in relations()
    page = page_text(client.get("/sources/rogovin-1937/"))
    assert "« 1937 (German translation) » [ rogovin-1937-de ] is a translation of this source" in page
    assert "Added by edith_editor" in page
