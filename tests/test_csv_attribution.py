"""The claims CSV's attributed_to column (issue 15): who made each claim, read and written
exactly like the people column, and the same all-or-nothing errors. Files in tests/csv/."""

import csv
import io

import pytest
from django.apps import apps

from claims import services
from claims.csv.claims_csv import claims_import
from claims.models import Claim, Person
from tests.csv_support import exported_claims, read, rows_and_history, sources  # noqa: F401

pytestmark = pytest.mark.django_db

AttributionHistory = apps.get_model("claims", "HistoricalClaim_attributed_to")


@pytest.fixture
def people(sources, editor) -> None:
    services.person_create(actor=editor, name="Viktor Suvorov", name_original="Суворов, Виктор", aliases="Rezun")
    services.person_create(
        actor=editor, name="Mikhail Tukhachevsky", name_original="Тухачевский, Михаил Николаевич", slug="tukhachevsky"
    )


def made_by(key: str) -> list[str]:
    return sorted(Claim.objects.get(key=key).attributed_to.values_list("name", flat=True))


def about(key: str) -> list[str]:
    return sorted(Claim.objects.get(key=key).people.values_list("name", flat=True))


def everything() -> dict:
    """rows_and_history, with the attributions and their history."""
    return {
        **rows_and_history(),
        "attributed": Claim.attributed_to.through.objects.count(),
        "attributed history": AttributionHistory.objects.count(),
    }


def test_the_attributed_to_column_names_who_made_each_claim_apart_from_who_it_is_about(people, editor):
    report = claims_import(actor=editor, data=read("claims_attributed.csv"))
    assert report.ok, report.errors
    assert made_by("generals-incompetent") == ["Viktor Suvorov"]  # by the surname in Cyrillic
    assert about("generals-incompetent") == ["Iona Yakir", "Mikhail Tukhachevsky"]
    assert made_by("two-clans") == ["Viktor Suvorov"]
    assert made_by("trial-secret") == []
    # Someone unknown is created, as in the people column, once however many rows name them.
    assert made_by("two-weeks-mystery") == ["Vadim Rogovin"]
    assert Person.objects.filter(name="Vadim Rogovin").count() == 1
    assert Person.objects.filter(name="Iona Yakir").count() == 1
    # Each new claim's first history row records who made it.
    claim = Claim.objects.get(key="generals-incompetent")
    first = Claim.history.filter(id=claim.pk).get()
    assert [link.person.name for link in first.attributed_to.all()] == ["Viktor Suvorov"]


def test_the_export_writes_attributed_to_as_people_and_reads_back_unchanged(people, editor):
    assert claims_import(actor=editor, data=read("claims_attributed.csv")).ok
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(exported_claims(), newline=""))}
    assert rows["generals-incompetent"]["attributed_to"] == "Viktor Suvorov"
    assert rows["generals-incompetent"]["people"] == "Iona Yakir | Mikhail Tukhachevsky"
    assert rows["trial-secret"]["attributed_to"] == ""

    services.person_create(actor=editor, name="Vadim Rogovin", slug="rogovin-namesake")  # a namesake: written as slug
    exported = exported_claims()
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(exported, newline=""))}
    assert rows["two-weeks-mystery"]["attributed_to"] == "vadim-rogovin"
    before = everything()
    report = claims_import(actor=editor, data=exported.encode())
    assert report.ok, report.errors
    assert {row.action for row in report.rows} == {"unchanged"}
    assert everything() == before
    assert made_by("two-weeks-mystery") == ["Vadim Rogovin"]


def test_a_changed_attribution_is_updated_and_shown_in_the_claims_history(people, editor, client, researcher):
    assert claims_import(actor=editor, data=read("claims_attributed.csv")).ok
    report = claims_import(actor=editor, data=read("claims_attributed_changed.csv"))
    assert report.ok, report.errors
    assert [(row.key, row.action, row.changes) for row in report.rows] == [
        ("generals-incompetent", "updated", ("attributed_to",)),
        ("two-clans", "updated", ("attributed_to",)),
    ]
    assert made_by("generals-incompetent") == ["Vadim Rogovin", "Viktor Suvorov"]
    assert made_by("two-clans") == []
    assert about("two-clans") == ["Mikhail Tukhachevsky"]  # (the people column is its own)
    client.force_login(researcher)
    page = " ".join(client.get("/claims/two-clans/").content.decode().split())
    assert (
        'attributed to:</span> <span class="old">Viktor Suvorov (Суворов, Виктор)</span> → <span class="new">—</span>'
        in page
    )


def test_a_file_without_the_column_leaves_the_attributions_as_they_are(people, editor):
    assert claims_import(actor=editor, data=read("claims_attributed.csv")).ok
    report = claims_import(actor=editor, data=read("claims.csv"))  # (no attributed_to column)
    assert report.ok, report.errors
    assert made_by("generals-incompetent") == ["Viktor Suvorov"]


def test_an_ambiguous_name_in_attributed_to_is_refused_with_its_row_and_nothing_is_written(people, editor):
    services.person_create(actor=editor, name="Nikolai Kuznetsov", slug="kuznetsov-admiral")
    services.person_create(actor=editor, name="Nikolai Kuznetsov", slug="kuznetsov-general")
    before = everything()
    report = claims_import(actor=editor, data=read("error_attributed_to_ambiguous.csv"))
    assert not report.ok
    assert [(error.row, error.column) for error in report.errors] == [(3, "attributed_to")]
    assert "fits 2 people (kuznetsov-admiral, kuznetsov-general)" in report.errors[0].message
    assert everything() == before
    assert not Person.objects.filter(name="Ivan Petrov").exists()  # (row 2's new person is not kept either)
