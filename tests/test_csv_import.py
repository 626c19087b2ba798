"""Importing the claims CSV (docs/design.md, "CSV of claims"): errors, accepted variations, all or nothing.

The files read here are committed in tests/csv/, byte for byte as a user would send them.
"""

import contextlib
import sys

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.csv import RowError, bulk
from claims.csv.claims_csv import claims_import
from claims.csv.sources_csv import sources_import
from claims.models import Citation, Claim, Person, Source, Topic
from tests.csv_support import read, rows_and_history, seeded, snapshot, sources  # noqa: F401

pytestmark = pytest.mark.django_db

HistoricalClaimPeople = apps.get_model("claims", "HistoricalClaim_people")
KNOWN_COLUMNS = "key, topic, statement, kind, event_date, status, people, attributed_to, sources"

# What tests/csv/claims.csv holds, as a user sees it after the import.
CLAIMS_CSV = {
    "tukhachevsky-arrested": (
        "Arrests and investigation",
        "Тухачевский was arrested in Kuibyshev on 22 May 1937 («в Куйбышеве», says the protocol).",
        "fact",
        "1937-05-22",
        "supported",
        ["Iona Yakir", "Тухачевский"],
        [("izvestiya-tsk-1989-4", ""), ("rogovin-1937", "ch. 9")],
    ),
    "verdict-read-at-night": (
        "Date of execution",
        'The verdict was read at 23:35, "shot at once"; the sentence was carried out\nthe same night.',
        "fact",
        "1937-06-11T23:35:00",
        "contested",
        ["Vasily Ulrikh"],
        [("rogovin-1937", "p. 412")],
    ),
    "military-plot-existed": (
        "Existence of a military plot",
        "Заговор существовал — so the prosecution claimed;\tthe accused denied it at first.",
        "hypothesis",
        "1937?",
        "open",
        [],
        [("izvestiya-tsk-1989-4", "p. 42")],
    ),
}


def import_file(name: str, **options):
    return claims_import(actor=None, data=read(name), **options)


def where(report) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


# --- Errors, never silence ----------------------------------------------------------

ERRORS = [
    # file, row, column, a piece of the message
    ("error_missing_required_column.csv", 1, "statement", "The required column 'statement' is missing"),
    ("error_unknown_column.csv", 1, "sauces", f"Unknown column 'sauces'; the known columns are {KNOWN_COLUMNS}"),
    ("error_unknown_source_key.csv", 3, "sources", "Unknown source key 'rogovin-1973'"),
    ("error_repeated_key.csv", 4, "key", "'shot-on-11-june' is repeated; it first appears in row 2"),
    ("error_invalid_edtf_date.csv", 2, "event_date", "'11 June 1937' is not a valid EDTF date"),
    ("error_invalid_kind.csv", 2, "kind", "'rumour' is not a valid choice"),
    ("error_invalid_status.csv", 2, "status", "'proven' is not a valid choice"),
    ("error_empty_statement.csv", 3, "statement", "cannot be blank"),
    ("error_empty_topic.csv", 2, "topic", "required"),
    ("error_empty_key.csv", 2, "key", "cannot be blank"),
    ("error_too_many_cells.csv", 3, "", "has 9 cells but the header has 8 columns"),
    ("error_empty.csv", 0, "", "The file is empty"),
    ("error_header_only.csv", 0, "", "has a header but no rows"),
    ("error_not_text.png", 0, "", "not a text (CSV) file"),
    ("error_nul_bytes.csv", 0, "", "not a text (CSV) file"),
]


@pytest.mark.parametrize("name, row, column, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_a_bad_file_is_refused_with_row_column_and_reason_and_nothing_is_written(sources, name, row, column, message):
    before = rows_and_history()
    report = import_file(name)
    assert not report.ok
    assert where(report) == [(row, column)], report.errors
    assert message in report.errors[0].message
    assert report.rows == [] and report.summary == "created 0, updated 0, unchanged 0"
    assert rows_and_history() == before


def test_an_invalid_choice_names_the_valid_ones(sources):
    kind = import_file("error_invalid_kind.csv").errors[0].message
    status = import_file("error_invalid_status.csv").errors[0].message
    assert "fact, hypothesis, interpretation, figure" in kind
    assert "open, supported, contested, refuted" in status


def test_an_error_reads_as_row_and_column_for_people():
    assert str(RowError(5, "sources", "Unknown source key 'x'.")) == "row 5, column sources: Unknown source key 'x'."
    assert str(RowError(0, "", "The file is empty.")) == "file: The file is empty."


def test_every_bad_row_is_listed_with_spreadsheet_row_numbers(sources):
    # Row 2's statement spans two lines of the file; rows are still numbered as a spreadsheet shows them.
    report = import_file("error_several_bad_rows.csv")
    assert where(report) == [(3, "kind"), (5, "sources"), (6, "event_date")]
    assert "'rumour' is not a valid choice" in report.errors[0].message
    assert "Unknown source key 'no-such-source-2000'" in report.errors[1].message
    assert "'June 1938' is not a valid EDTF date" in report.errors[2].message


def test_one_bad_row_among_good_rows_writes_nothing_at_all(sources, claim):
    # The good rows would add a topic, people and citations and update a claim; row 5 is bad.
    assert not Topic.objects.filter(title="Tribunal and its fate").exists()
    stored_statement = claim.statement
    before = rows_and_history()
    report = import_file("error_one_bad_row_among_good.csv")
    assert where(report) == [(5, "status")]
    assert rows_and_history() == before
    assert not Topic.objects.filter(title="Tribunal and its fate").exists()
    assert not Person.objects.filter(name__in=["Ivan Belov", "Pavel Dybenko", "Тухачевский"]).exists()
    assert set(Claim.objects.values_list("key", flat=True)) == {"execution-12-june"}
    claim.refresh_from_db()
    assert claim.statement == stored_statement


def _many_rows_then(last_row: str, count: int = 2500) -> bytes:
    """count good rows (more than one batch: the import writes them while it checks on),
    with new topics, people and citations, then last_row."""
    lines = ["key,topic,statement,kind,event_date,status,people,sources"]
    for i in range(count):
        lines.append(
            f"bulk-{i:05d},Bulk topic {i % 3},Statement {i} «Тухачевский»,fact,1937-06,open,"
            f"Person {i % 7} | Персона {i % 5},rogovin-1937: p. {i} | izvestiya-tsk-1989-4"
        )
    lines.append(last_row)
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    "bad_row, column",
    [
        ("bulk-bad,Bulk topic 0,A statement,rumour,,open,,", "kind"),
        ("bulk-00007,Bulk topic 0,The same key again,fact,,open,,", "key"),
        ("bulk-bad,Bulk topic 0,A statement,fact,,open,,no-such-source", "sources"),
    ],
)
def test_a_bad_last_row_after_thousands_of_good_ones_writes_nothing(sources, claim, bad_row, column):
    before = rows_and_history()
    report = claims_import(actor=None, data=_many_rows_then(bad_row))
    assert [e.column for e in report.errors] == [column], report.errors
    assert rows_and_history() == before
    assert not Topic.objects.filter(title__startswith="Bulk topic").exists()
    assert not Person.objects.filter(name__startswith="Person ").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the role groups)
def test_outside_any_transaction_a_bad_last_row_rolls_back_the_batches_already_written(sources):
    # As the import_claims command runs it: no test transaction around the import.
    before = rows_and_history()
    report = claims_import(actor=None, data=_many_rows_then("bulk-bad,,No topic,fact,,open,,"))
    assert [(e.row, e.column) for e in report.errors] == [(2502, "topic")]
    assert rows_and_history() == before
    good = claims_import(actor=None, data=_many_rows_then("bulk-good,Bulk topic 0,Fine,fact,,open,,"))
    assert good.summary == "created 2501, updated 0, unchanged 0"
    assert Citation.objects.count() == 5000
    assert Person.objects.filter(name__startswith="Person ").count() == 7
    assert Claim.history.filter(history_type="+").count() == 2501


def test_a_row_the_database_refuses_while_writing_rolls_back_the_import_with_djangos_error(claim):
    # What the checks cannot see (another session added the same link meanwhile): the bulk
    # INSERT fails on the database, on SQLite on the writing thread, and the caller gets it.
    person = Person.objects.create(name="Iona Yakir", slug="iona-yakir")
    through = Claim.people.through
    with pytest.raises(IntegrityError), transaction.atomic(), bulk.pipelined():  # noqa: PT012 (the insert, then its wait)
        bulk.insert(through, ["claim_id", "person_id"], [(claim.pk, person.pk)] * 2, ready=True)
        bulk.flush()
    assert not through.objects.exists()


@pytest.mark.parametrize("pipelined", [True, False], ids=["on-the-inserting-thread", "on-the-callers-connection"])
def test_bulk_insert_writes_values_the_same_in_every_row_into_every_row(claim, pipelined):
    # 1000 rows go as one statement with the shared values selected once; the 5 left over
    # go row by row: both must store the shared values in each row.
    sources = [
        Source(key=f"bulk-source-{i}", title=f"Source {i}", kind=Source.Kind.MONOGRAPH, level=Source.Level.SECONDARY)
        for i in range(1005)
    ]
    Source.objects.bulk_create(sources)
    ids = list(Source.objects.filter(key__startswith="bulk-source-").order_by("pk").values_list("pk", flat=True))
    rows = [(claim.pk, source_id, f"p. {n}") for n, source_id in enumerate(ids)]
    same = {
        "quote": "«Расстрелять»",
        "quote_translation": "",
        "stance": Citation.Stance.CONTRADICTS.value,
        "created_by_id": None,
        "version": 3,
        "created_at": bulk.db_value(Citation, "created_at", claim.created_at),
        "updated_at": bulk.db_value(Citation, "updated_at", claim.created_at),
    }
    with transaction.atomic(), bulk.pipelined() if pipelined else contextlib.nullcontext():
        assert bulk.insert(Citation, ["claim_id", "source_id", "locator"], rows, ready=True, same=same) == 1005
        bulk.flush()
    stored = Citation.objects.filter(claim=claim, source__key__startswith="bulk-source-")
    assert stored.count() == 1005
    assert set(stored.values_list("quote", "stance", "version", "created_at")) == {
        ("«Расстрелять»", "contradicts", 3, claim.created_at)
    }
    assert sorted(stored.values_list("locator", flat=True)) == sorted(f"p. {n}" for n in range(1005))


def test_an_import_leaves_pythons_thread_switch_interval_as_it_found_it(sources):
    # The pipeline lowers it while an import runs (see bulk.SWITCH_INTERVAL), also when the
    # import fails.
    before = sys.getswitchinterval()
    assert claims_import(actor=None, data=_many_rows_then("bulk-last,Bulk topic 0,Last,fact,,open,,", count=1200)).ok
    assert sys.getswitchinterval() == before
    assert not claims_import(actor=None, data=_many_rows_then("bulk-bad,Bulk topic 0,Bad,rumour,,open,,")).ok
    assert sys.getswitchinterval() == before


def test_consecutive_keys_are_a_range_and_others_are_not():
    assert bulk.consecutive(range(5, 9)) == range(5, 9)
    assert bulk.consecutive([7, 8, 9]) == range(7, 10)
    assert bulk.consecutive([7, 9, 10]) is None
    assert bulk.consecutive([]) is None


def test_the_same_rows_without_the_bad_one_are_all_written(sources, claim):
    good = b"\n".join(read("error_one_bad_row_among_good.csv").splitlines()[:-1]) + b"\n"
    report = claims_import(actor=None, data=good)
    assert report.ok, report.errors
    assert report.summary == "created 2, updated 1, unchanged 0"
    assert Topic.objects.filter(title="Tribunal and its fate").exists()
    claim.refresh_from_db()
    assert claim.statement == "Changed by the import: shot on 12 June 1937."


def test_a_bad_sources_file_lists_every_bad_row_and_writes_nothing(db):
    before = rows_and_history()
    report = sources_import(actor=None, data=read("error_sources_invalid.csv"))
    assert where(report) == [(3, "kind"), (4, "archive")]
    assert "'book' is not a valid choice" in report.errors[0].message
    assert "needs the archive" in report.errors[1].message
    assert rows_and_history() == before
    assert not Source.objects.filter(key="good-book-1990").exists()


# --- Accepted as the same data ------------------------------------------------------

VARIANTS = [
    "claims.csv",  # UTF-8, commas, LF
    "claims_bom.csv",  # UTF-8 with a byte-order mark
    "claims_semicolon.csv",
    "claims_tab.csv",
    "claims_cp1251.csv",  # Windows-1251, detected without being named
    "claims_crlf.csv",
    "claims_all_quoted.csv",  # every cell in quotes
    "claims_excel_russian.csv",  # Windows-1251, semicolons and CRLF together
    "claims_utf16.csv",  # UTF-16 with its byte-order mark and tabs: Excel's "Unicode text"
]


@pytest.mark.parametrize("name", VARIANTS)
def test_each_accepted_variation_imports_as_the_same_claims(sources, name):
    report = import_file(name)
    assert report.ok, report.errors
    assert report.summary == "created 3, updated 0, unchanged 0"
    assert snapshot() == CLAIMS_CSV
    assert Person.objects.filter(name="Тухачевский").exists()


@pytest.mark.parametrize("name", VARIANTS[1:])
def test_a_variation_imported_over_the_plain_file_changes_nothing(sources, name):
    assert import_file("claims.csv").ok
    before = rows_and_history()
    report = import_file(name)
    assert report.summary == "created 0, updated 0, unchanged 3"
    assert rows_and_history() == before


def test_a_windows_1251_file_imports_when_its_encoding_is_named(sources):
    report = import_file("claims_cp1251.csv", encoding="windows-1251")
    assert report.ok, report.errors
    assert snapshot() == CLAIMS_CSV


def test_a_windows_1251_file_named_as_utf8_is_refused(sources):
    report = import_file("claims_cp1251.csv", encoding="utf-8")
    assert where(report) == [(0, "")]
    assert "not valid utf-8" in report.errors[0].message
    assert Claim.objects.count() == 0


def test_a_statement_of_a_megabyte_is_read_whole(sources):
    statement = "Протокол допроса, лист за листом; " * 20_000 + "end."
    assert len(statement.encode()) >= 1_000_000
    data = (
        "key,topic,statement,sources\n"
        f'long-protocol,Arrests and investigation,"{statement}",rogovin-1937: ch. 9\n'
        "short-after-long,Arrests and investigation,A short one after it.,\n"
    ).encode()
    report = claims_import(actor=None, data=data)
    assert report.ok, report.errors
    assert report.summary == "created 2, updated 0, unchanged 0"
    assert Claim.objects.get(key="long-protocol").statement == statement
    assert Claim.objects.get(key="short-after-long").statement == "A short one after it."


# --- Unchanged rows -----------------------------------------------------------------


@pytest.fixture
def stored_claim(editor, sources, topic) -> Claim:
    """A claim added by hand, as the row in MATCHING_ROW describes it."""
    yakir = services.person_create(actor=editor, name="Iona Yakir", name_original="Якир, Иона Эммануилович")
    claim = services.claim_create(
        actor=editor,
        key="yakir-shot",
        topic=topic,
        statement="Yakir was shot with the others.",
        kind=Claim.Kind.FACT,
        event_date="1937-06-12",
        status=Claim.Status.SUPPORTED,
        people=[yakir],
    )
    services.citation_create(actor=editor, claim=claim, source=Source.objects.get(key="rogovin-1937"), locator="ch. 9")
    services.citation_create(actor=editor, claim=claim, source=Source.objects.get(key="izvestiya-tsk-1989-4"))
    return claim


MATCHING_ROW = (
    b"key,topic,statement,kind,event_date,status,people,sources\n"
    b"yakir-shot,Date of execution,Yakir was shot with the others.,fact,1937-06-12,supported,"
    b"Iona Yakir,izvestiya-tsk-1989-4 | rogovin-1937: ch. 9\n"
)


def test_a_row_that_matches_the_stored_claim_changes_nothing(editor, stored_claim):
    updated_at = stored_claim.updated_at
    before = rows_and_history()
    with CaptureQueriesContext(connection) as queries:
        report = claims_import(actor=editor, data=MATCHING_ROW)
    assert report.ok, report.errors
    assert report.summary == "created 0, updated 0, unchanged 1"
    assert [(r.row, r.key, r.action) for r in report.rows] == [(2, "yakir-shot", "unchanged")]
    sql = [q["sql"].lstrip() for q in queries.captured_queries]
    writes = [q for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert rows_and_history() == before
    stored_claim.refresh_from_db()
    assert stored_claim.updated_at == updated_at


def test_a_changed_cell_updates_the_claim_and_records_who_did_it(editor, stored_claim):
    history = stored_claim.history.count()
    report = claims_import(actor=editor, data=MATCHING_ROW.replace(b"supported", b"contested"))
    assert report.summary == "created 0, updated 1, unchanged 0"
    stored_claim.refresh_from_db()
    assert stored_claim.status == "contested"
    assert stored_claim.history.count() == history + 1
    assert stored_claim.history.first().history_user == editor


def history_people(claim: Claim) -> list[str]:
    """The people the claim's latest history record remembers."""
    record = claim.history.first()
    ids = HistoricalClaimPeople.objects.filter(history=record).values_list("person_id", flat=True)
    return sorted(Person.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_the_history_of_an_imported_claim_remembers_its_people(sources):
    assert import_file("claims.csv").ok
    claim = Claim.objects.get(key="tukhachevsky-arrested")
    assert history_people(claim) == ["Iona Yakir", "Тухачевский"]


def test_a_changed_people_cell_is_recorded_in_the_history(editor, stored_claim):
    history = stored_claim.history.count()
    report = claims_import(actor=editor, data=MATCHING_ROW.replace(b"Iona Yakir", b"Iona Yakir | Ieronim Uborevich"))
    assert report.summary == "created 0, updated 1, unchanged 0"
    assert stored_claim.history.count() == history + 1
    assert history_people(stored_claim) == ["Ieronim Uborevich", "Iona Yakir"]
    assert people_of("yakir-shot") == ["Ieronim Uborevich", "Iona Yakir"]


def _assert_history_records_each_row(actor, claims: list[Claim]) -> None:
    """Each claim's latest history row holds the claim as stored (every tracked field), its
    people, the importing user and the time; each citation has one "+" row holding it."""
    for claim in claims:
        record = claim.history.first()
        assert record.history_type == ("+" if claim.version == 1 else "~"), claim.key
        assert record.history_user_id == (actor.pk if actor else None)
        assert record.history_date == claim.updated_at
        for field in Claim.history.model.tracked_fields:
            assert getattr(record, field.attname) == getattr(claim, field.attname), (claim.key, field.attname)
        assert history_people(claim) == sorted(claim.people.values_list("name", flat=True)), claim.key
        for citation in claim.citations.all():
            (cited,) = Citation.history.filter(id=citation.pk, history_type="+")
            for field in Citation.history.model.tracked_fields:
                assert getattr(cited, field.attname) == getattr(citation, field.attname), (claim.key, field.attname)
            assert cited.history_user_id == citation.created_by_id


@pytest.mark.parametrize("copied", [True, False], ids=["copied-by-the-database", "sent-row-by-row"])
def test_the_history_an_import_writes_holds_each_claim_citation_and_person_as_stored(
    editor, stored_claim, monkeypatch, copied
):
    # New claims' history is copied by the database from the rows just written when their
    # keys follow each other; else (keys taken by another import meanwhile) sent row by row.
    if not copied:
        monkeypatch.setattr(bulk, "consecutive", lambda ids: None)
    data = _many_rows_then(
        "yakir-shot,Date of execution,Yakir was shot.,fact,1937-06-12,contested,Iona Yakir | Person 3,"
        "izvestiya-tsk-1989-4 | rogovin-1937: ch. 10",
        count=1500,
    )
    before = rows_and_history()
    report = claims_import(actor=editor, data=data)
    assert report.summary == "created 1500, updated 1, unchanged 0"
    claims = list(Claim.objects.filter(key__in=["yakir-shot", "bulk-00000", "bulk-00999", "bulk-01000", "bulk-01499"]))
    assert len(claims) == 5
    _assert_history_records_each_row(editor, claims)
    after = rows_and_history()
    assert after["Claim history"] == before["Claim history"] + 1501  # a "+" each new claim, a "~"
    assert after["Citation history"] - before["Citation history"] == after["Citation"] - before["Citation"] == 3001
    # Two people each new claim; both people of the changed one.
    assert after["claim people history"] == before["claim people history"] + 1500 * 2 + 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics (SQLite keeps none)")
def test_a_large_import_refreshes_postgresqls_statistics_of_the_tables_it_filled(sources):
    # Else the planner would plan the next export for empty tables (see bulk.analyze).
    def estimated_rows(model) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
            return cursor.fetchone()[0]

    assert claims_import(actor=None, data=_many_rows_then("bulk-last,Bulk topic 0,Last,fact,,open,,", count=1200)).ok
    assert estimated_rows(Claim) == Claim.objects.count() == 1201
    assert estimated_rows(Citation) == Citation.objects.count() == 2400
    assert estimated_rows(Claim.people.through) == Claim.people.through.objects.count()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(sources):
    assert import_file("claims.csv").summary == "created 3, updated 0, unchanged 0"
    updated = dict(Claim.objects.values_list("key", "updated_at"))
    before = rows_and_history()
    assert import_file("claims.csv").summary == "created 0, updated 0, unchanged 3"
    assert rows_and_history() == before
    assert dict(Claim.objects.values_list("key", "updated_at")) == updated


# --- People, topics and citations from cells ------------------------------------------


def people_of(key: str) -> list[str]:
    return sorted(Claim.objects.get(key=key).people.values_list("name", flat=True))


def one_claim(people: str = "", topic: str = "Date of execution", sources_cell: str = "") -> bytes:
    return (
        f'key,topic,statement,people,sources\nnew-claim,{topic},A claim about people.,"{people}",{sources_cell}\n'
    ).encode()


def test_people_are_found_by_name_original_script_name_or_alias_in_any_case(seeded):
    people = Person.objects.count()
    cell = "Mikhail Tukhachevsky | Тухачевский, Михаил Николаевич | tukhachevskii | Буденный | IONA YAKIR"
    report = claims_import(actor=None, data=one_claim(cell))
    assert report.ok, report.errors
    assert people_of("new-claim") == ["Iona Yakir", "Mikhail Tukhachevsky", "Semyon Budyonny"]
    assert Person.objects.count() == people


def test_a_surname_in_the_original_script_finds_the_seeded_person(seeded):
    # The seed writes Tukhachevsky's original name in full: «Тухачевский, Михаил Николаевич».
    people = Person.objects.count()
    report = claims_import(actor=None, data=one_claim("Тухачевский"))
    assert report.ok, report.errors
    assert people_of("new-claim") == ["Mikhail Tukhachevsky"]
    assert Person.objects.count() == people


def test_a_name_that_fits_two_people_is_an_error_naming_their_slugs(editor, topic):
    services.person_create(actor=editor, name="Ivan Belov", name_original="Белов, Иван Панфилович")
    services.person_create(actor=editor, name="Ivan Belov", name_original="Белов, Иван Иванович", slug="ivan-belov-2")
    people = Person.objects.count()
    report = claims_import(actor=editor, data=one_claim("Ivan Belov", topic=topic.title))
    assert report.errors == [
        RowError(2, "people", "'Ivan Belov' fits 2 people (ivan-belov, ivan-belov-2); write the slug of the one meant.")
    ]
    assert not Claim.objects.filter(key="new-claim").exists() and Person.objects.count() == people
    report = claims_import(actor=editor, data=one_claim("ivan-belov-2", topic=topic.title))
    assert report.ok and people_of("new-claim") == ["Ivan Belov"]
    assert Claim.objects.get(key="new-claim").people.get().name_original == "Белов, Иван Иванович"


def test_an_unknown_name_creates_a_person_once(seeded):
    people = Person.objects.count()
    data = (
        b"key,topic,statement,people\n"
        b"first-claim,Date of execution,One.,Nikolai Nobody | Mikhail Tukhachevsky\n"
        b"second-claim,Date of execution,Two.,nikolai nobody\n"
    )
    report = claims_import(actor=None, data=data)
    assert report.ok, report.errors
    assert Person.objects.count() == people + 1
    assert people_of("first-claim") == ["Mikhail Tukhachevsky", "Nikolai Nobody"]
    assert people_of("second-claim") == ["Nikolai Nobody"]


def test_a_new_topic_title_creates_the_topic(seeded):
    report = claims_import(actor=None, data=one_claim(topic="Судьба судей трибунала"))
    assert report.ok, report.errors
    topic = Topic.objects.get(title="Судьба судей трибунала")
    assert topic.slug and topic.slug.isascii()
    assert Claim.objects.get(key="new-claim").topic == topic


def test_the_sources_cell_creates_citations_with_their_locators(sources):
    report = claims_import(actor=None, data=one_claim(sources_cell="rogovin-1937: ch. 9 | izvestiya-tsk-1989-4"))
    assert report.ok, report.errors
    citations = Citation.objects.filter(claim__key="new-claim")
    assert sorted(citations.values_list("source__key", "locator", "stance")) == [
        ("izvestiya-tsk-1989-4", "", "supports"),
        ("rogovin-1937", "ch. 9", "supports"),
    ]


# --- Who may import, and the dry run ------------------------------------------------------


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "outsider"])
def test_only_editors_and_staff_may_import(request, sources, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied, match="Editor role"):
        claims_import(actor=user, data=read("claims.csv"))
    with pytest.raises(PermissionDenied, match="Editor role"):
        sources_import(actor=user, data=read("sources.csv"))
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("persona", ["editor", "staff"])
def test_editors_and_staff_import_and_the_history_names_them(request, sources, persona):
    user = request.getfixturevalue(persona)
    report = claims_import(actor=user, data=read("claims.csv"))
    assert report.summary == "created 3, updated 0, unchanged 0"
    claim = Claim.objects.get(key="verdict-read-at-night")
    assert claim.created_by == user
    assert claim.history.get().history_user == user


def test_a_dry_run_counts_but_writes_nothing(sources):
    before = rows_and_history()
    report = import_file("claims.csv", dry_run=True)
    assert report.ok and report.dry_run
    assert report.summary == "created 3, updated 0, unchanged 0"
    assert rows_and_history() == before
