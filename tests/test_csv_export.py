"""Exporting claims and sources as CSV: formula escapes, round trips, who may export, query counts."""

import csv
import io
import sqlite3
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.csv import claims_csv, reading
from claims.csv.claims_csv import claims_export, claims_import
from claims.csv.sources_csv import sources_export, sources_import
from claims.models import (
    Annotation,
    Citation,
    CitationAssessment,
    Claim,
    Dispute,
    Person,
    Source,
    SourceAssessment,
    SourceRelation,
    Topic,
)
from tests.csv_support import exported_claims, exported_sources, read, rows_and_history, seeded, snapshot, sources  # noqa: F401

pytestmark = pytest.mark.django_db

# Statement -> its cell in the export: a leading apostrophe exactly where a spreadsheet would run a formula.
FORMULAS = {
    "=1+1": "'=1+1",
    "+7 495 123-45-67 was the number.": "'+7 495 123-45-67 was the number.",
    "-5 degrees that night.": "'-5 degrees that night.",
    "@SUM(A1:A2)": "'@SUM(A1:A2)",
    "'=1+1": "''=1+1",  # looks like an escaped cell itself, so it is escaped once more
    "'twas the night of 11 June.": "'twas the night of 11 June.",  # needs nothing
    "A plain statement - with a dash = and at @ inside.": "A plain statement - with a dash = and at @ inside.",
}


def cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def formula_claims(editor) -> None:
    topic = services.topic_create(actor=editor, title="=Formulas in cells")
    person = services.person_create(actor=editor, name="+Plus Person")
    for n, statement in enumerate(FORMULAS):
        services.claim_create(actor=editor, key=f"formula-{n}", topic=topic, statement=statement, people=[person])


# --- Formula safety -------------------------------------------------------------------


def test_export_escapes_exactly_the_cells_a_spreadsheet_would_run(formula_claims):
    rows = {row["key"]: row for row in cells(exported_claims())}
    for n, escaped in enumerate(FORMULAS.values()):
        assert rows[f"formula-{n}"]["statement"] == escaped
        assert rows[f"formula-{n}"]["topic"] == "'=Formulas in cells"
        assert rows[f"formula-{n}"]["people"] == "'+Plus Person"


def test_import_reverses_exactly_the_escape(formula_claims):
    before, text = snapshot(), exported_claims()
    Claim.objects.all().delete()
    report = claims_import(actor=None, data=text.encode())
    assert report.summary == f"created {len(FORMULAS)}, updated 0, unchanged 0"
    assert snapshot() == before
    assert sorted(Claim.objects.values_list("statement", flat=True)) == sorted(FORMULAS)
    assert Person.objects.get().name == "+Plus Person"
    assert Topic.objects.get().title == "=Formulas in cells"


def test_tab_and_carriage_return_at_the_start_are_escaped_too(formula_claims):
    # The forms strip a statement, so such a cell can only come from elsewhere; the export still guards it.
    Claim.objects.filter(key="formula-0").update(statement="\tindented")
    Claim.objects.filter(key="formula-1").update(statement="\rreturned")
    rows = {row["key"]: row for row in cells(exported_claims())}
    assert rows["formula-0"]["statement"] == "'\tindented"
    assert rows["formula-1"]["statement"] == "'\rreturned"


def test_claims_export_import_export_is_byte_identical_with_formula_cells(formula_claims):
    first = exported_claims()
    before = rows_and_history()
    report = claims_import(actor=None, data=first.encode())
    assert report.summary == f"created 0, updated 0, unchanged {len(FORMULAS)}"
    assert rows_and_history() == before
    assert exported_claims() == first


def test_sources_export_import_export_is_byte_identical_with_formula_cells(editor):
    notes = [
        '=HYPERLINK("http://evil")',
        "\tindented note",
        "\rreturned note",
        "'=1+1",
        "'twas",
        "-3 sheets",
        "@x",
        "+1",
    ]
    for n, note in enumerate(notes):
        services.source_create(
            actor=editor, key=f"source-{n}", kind="article", level="secondary", title=f"Source {n}", notes=note
        )
    first = exported_sources()
    exported_notes = [row["notes"] for row in cells(first)]
    assert exported_notes == [
        '\'=HYPERLINK("http://evil")',
        "'\tindented note",
        "'\rreturned note",
        "''=1+1",
        "'twas",
        "'-3 sheets",
        "'@x",
        "'+1",
    ]
    report = sources_import(actor=None, data=first.encode())
    assert report.summary == f"created 0, updated 0, unchanged {len(notes)}"
    assert list(Source.objects.order_by("key").values_list("notes", flat=True)) == notes
    assert exported_sources() == first


# --- Round trips of the seed -------------------------------------------------------------


def test_seed_claims_export_import_export_is_byte_identical_and_writes_nothing(seeded):
    first = exported_claims()
    assert first.count("\r\n") == Claim.objects.count() + 1
    before = rows_and_history()
    report = claims_import(actor=None, data=first.encode())
    assert report.ok, report.errors
    assert report.summary == f"created 0, updated 0, unchanged {Claim.objects.count()}"
    assert rows_and_history() == before
    assert exported_claims() == first


def test_seed_with_formula_claims_round_trips_byte_identical(seeded, formula_claims):
    first = exported_claims()
    report = claims_import(actor=None, data=first.encode())
    assert report.updated == report.created == 0
    assert exported_claims() == first


def test_seed_sources_export_import_export_is_byte_identical_and_writes_nothing(seeded):
    first = exported_sources()
    before = rows_and_history()
    report = sources_import(actor=None, data=first.encode())
    assert report.ok, report.errors
    assert report.summary == f"created 0, updated 0, unchanged {Source.objects.count()}"
    assert rows_and_history() == before
    assert exported_sources() == first


def test_the_seed_exports_import_into_an_empty_database(seeded):
    claims_csv_text, sources_csv_text = exported_claims(), exported_sources()
    before, source_count = snapshot(), Source.objects.count()
    # (The relations between sources come back from the sources CSV's derived_from column.)
    for model in (
        Annotation,
        Dispute,
        CitationAssessment,
        SourceAssessment,
        SourceRelation,
        Citation,
        Claim,
        Source,
        Person,
        Topic,
    ):
        model.objects.all().delete()

    sources_report = sources_import(actor=None, data=sources_csv_text.encode())
    claims_report = claims_import(actor=None, data=claims_csv_text.encode())

    assert sources_report.summary == f"created {source_count}, updated 0, unchanged 0"
    assert claims_report.ok, claims_report.errors
    assert claims_report.summary == f"created {len(before)}, updated 0, unchanged 0"
    assert snapshot() == before
    assert exported_sources() == sources_csv_text
    stable = ["key", "topic", "statement", "kind", "event_date", "status", "people", "sources"]
    assert [[row[c] for c in stable] for row in cells(exported_claims())] == [
        [row[c] for c in stable] for row in cells(claims_csv_text)
    ]


def test_namesakes_on_one_claim_survive_export_and_import(editor, topic):
    # Two people may share a name (the slug tells them apart); the export names both.
    first_belov = services.person_create(actor=editor, name="Ivan Belov", name_original="Белов, Иван Панфилович")
    second_belov = services.person_create(
        actor=editor, name="Ivan Belov", name_original="Белов, Иван Иванович", slug="ivan-belov-2"
    )
    services.claim_create(
        actor=editor,
        key="two-belovs",
        topic=topic,
        statement="Two men of one name.",
        people=[first_belov, second_belov],
    )
    first = exported_claims()
    report = claims_import(actor=None, data=first.encode())
    assert report.summary == "created 0, updated 0, unchanged 1"
    assert set(Claim.objects.get(key="two-belovs").people.all()) == {first_belov, second_belov}
    assert exported_claims() == first


# --- What the export holds, and who may export ------------------------------------------


def test_export_of_one_topic_holds_only_its_claims(seeded):
    rows = cells(exported_claims(topic="date-of-execution"))
    assert rows and {row["topic"] for row in rows} == {"Date of execution"}
    assert [row["key"] for row in rows] == sorted(row["key"] for row in rows)


def test_a_topic_or_a_filtered_list_exports_the_same_cells_as_the_whole_export(seeded, editor, reviewer):
    # Grades, open disputes and annotations are read once per export, for every claim or for
    # the selected ones only: both give each claim the counts its page shows.
    from claims.csv.claims_csv import claims_csv_chunks

    disputed, annotated = Claim.objects.order_by("key")[:2]
    services.dispute_raise(
        actor=reviewer,
        target=disputed,
        reason="The protocol says otherwise.",
        proposed=Claim.Status.REFUTED if disputed.status != Claim.Status.REFUTED else Claim.Status.OPEN,
    )
    services.annotation_create(actor=reviewer, target=annotated, body="See the Izvestiya TsK text.")
    whole = {row["key"]: row for row in cells(exported_claims(actor=editor))}
    counted = [row for row in whole.values() if row["open_disputes"] != "0"]
    assert counted and any(row["annotations"] != "0" for row in whole.values())
    for claim in Claim.objects.all():
        assert whole[claim.key]["open_disputes"] == str(Dispute.objects.open().filter(claim=claim).count())
        assert whole[claim.key]["annotations"] == str(claim.annotations.filter(withdrawn_at__isnull=True).count())
    for topic in Topic.objects.all():
        part = cells(exported_claims(actor=editor, topic=topic.slug))
        assert part == [row for row in whole.values() if row["topic"] == topic.title]
    chosen = Claim.objects.filter(key__in=[counted[0]["key"], *list(whole)[:3]])
    listed = cells("".join(claims_csv_chunks(actor=editor, claims=chosen)))
    assert listed == [whole[key] for key in sorted(chosen.values_list("key", flat=True))]


def test_export_shows_people_and_citations_as_the_import_reads_them(sources, editor):
    report = claims_import(actor=editor, data=read("claims.csv"))
    assert report.ok, report.errors
    row = {r["key"]: r for r in cells(exported_claims())}["tukhachevsky-arrested"]
    assert row["people"] == "Iona Yakir | Тухачевский"
    assert row["sources"] == "izvestiya-tsk-1989-4 | rogovin-1937: ch. 9"
    assert list(row)[:9] == [
        "key",
        "topic",
        "statement",
        "kind",
        "event_date",
        "status",
        "people",
        "attributed_to",
        "sources",
    ]
    assert list(row)[9:13] == ["grade", "open_disputes", "annotations", "updated"]
    assert list(row)[13:] == ["supporting_lines", "contradicting_lines", "conflicts_with"]


@pytest.mark.parametrize("persona", ["researcher", "reviewer", "editor", "staff"])
def test_every_role_may_export(request, seeded, persona):
    user = request.getfixturevalue(persona)
    out = io.StringIO()
    assert claims_export(out=out, actor=user) == Claim.objects.count()
    assert sources_export(out=io.StringIO(), actor=user) == Source.objects.count()


def test_a_user_without_a_role_may_not_export(seeded, outsider):
    with pytest.raises(PermissionDenied):
        claims_export(out=io.StringIO(), actor=outsider)
    with pytest.raises(PermissionDenied):
        sources_export(out=io.StringIO(), actor=outsider)


# --- Queries grow with batches, not rows ------------------------------------------------


@pytest.fixture
def sqlite_real_parameter_limit(db, monkeypatch):
    """Django splits every bulk INSERT on SQLite at 999 parameters, the limit of SQLite before 3.32,
    whatever batch the caller asks for; use the real limit of the library in use, so that the
    queries counted are the importer's own."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


@pytest.fixture
def two_sources(editor) -> None:
    for key in ("first-source", "second-source"):
        services.source_create(actor=editor, key=key, kind="monograph", level="secondary", title=key)


def generated(n: int, prefix: str) -> bytes:
    """n new claims, each with one new person and two citations."""
    lines = ["key,topic,statement,people,sources"]
    lines += [
        f"{prefix}-{i},Topic {prefix},Statement {i} of {prefix}.,Person {prefix} {i},"
        f"first-source: p. {i} | second-source: p. {i + 1}"
        for i in range(n)
    ]
    return ("\n".join(lines) + "\n").encode()


def import_queries(data: bytes) -> int:
    with CaptureQueriesContext(connection) as queries:
        report = claims_import(actor=None, data=data)
    assert report.ok, report.errors
    return len(queries.captured_queries)


def export_queries(**options) -> tuple[int, str]:
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        claims_export(out=out, **options)
    return len(queries.captured_queries), out.getvalue()


def test_importing_500_claims_takes_as_many_queries_as_50(sqlite_real_parameter_limit, two_sources):
    assert reading.BATCH_SIZE == claims_csv.BATCH_SIZE == 1000  # 500 rows fit in one batch
    small = import_queries(generated(50, "small"))
    large = import_queries(generated(500, "large"))
    assert large <= small + 2, (small, large)
    assert Claim.objects.filter(key__startswith="large-").count() == 500
    assert Citation.objects.filter(claim__key__startswith="large-").count() == 1000
    assert Claim.people.through.objects.filter(claim__key__startswith="large-").count() == 500


def test_exporting_500_claims_takes_as_many_queries_as_50(sqlite_real_parameter_limit, two_sources):
    claims_import(actor=None, data=generated(50, "small"))
    claims_import(actor=None, data=generated(500, "large"))
    small, _ = export_queries(topic="topic-small")
    large, text = export_queries(topic="topic-large")
    assert large == small, (small, large)
    assert text.count("\r\n") == 501


def test_smaller_batches_take_more_queries_but_give_the_same_result(
    sqlite_real_parameter_limit, two_sources, monkeypatch
):
    claims_import(actor=None, data=generated(250, "base"))
    one_batch_queries, one_batch_text = export_queries()

    # BATCH_SIZE is bound by name in each module that imports it, and as the default of reading.chunks.
    for name, module in list(sys.modules.items()):
        if name.startswith("claims.csv") and hasattr(module, "BATCH_SIZE"):
            monkeypatch.setattr(module, "BATCH_SIZE", 100)
    monkeypatch.setattr(reading.chunks, "__defaults__", (100,))
    batched_queries, batched_text = export_queries()
    assert batched_text == one_batch_text
    assert batched_queries > one_batch_queries

    assert import_queries(generated(250, "later")) > import_queries(generated(50, "early"))
    assert Claim.objects.filter(key__startswith="later-").count() == 250
    before = rows_and_history()
    report = claims_import(actor=None, data=batched_text.encode())
    assert report.summary == "created 0, updated 0, unchanged 250"
    assert rows_and_history() == before
