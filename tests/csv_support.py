"""What the CSV tests share: the committed files in tests/csv/, snapshots and counts of the data."""

import io
from pathlib import Path

import pytest
from django.apps import apps

from claims.csv.claims_csv import claims_export
from claims.csv.sources_csv import sources_export, sources_import
from claims.models import Citation, Claim, Person, Source, Topic

CSV_DIR = Path(__file__).resolve().parent / "csv"
TRACKED = (Claim, Source, Topic, Person, Citation)


def read(name: str) -> bytes:
    return (CSV_DIR / name).read_bytes()


def rows_and_history() -> dict[str, int]:
    """How many rows and history rows the CSV import could write: equal before and after = nothing written."""
    counts = {}
    for model in TRACKED:
        counts[model.__name__] = model.objects.count()
        counts[f"{model.__name__} history"] = model.history.count()
    counts["claim people"] = Claim.people.through.objects.count()
    counts["claim people history"] = apps.get_model("claims", "HistoricalClaim_people").objects.count()
    return counts


def snapshot() -> dict[str, tuple]:
    """Every claim as a user sees it, without database ids: key -> its fields, people and citations."""
    return {
        claim.key: (
            claim.topic.title,
            claim.statement,
            claim.kind,
            claim.event_date,
            claim.status,
            sorted(claim.people.values_list("name", flat=True)),
            sorted(claim.citations.values_list("source__key", "locator")),
        )
        for claim in Claim.objects.select_related("topic")
    }


def exported_claims(**options) -> str:
    out = io.StringIO()
    claims_export(out=out, **options)
    return out.getvalue()


def exported_sources() -> str:
    out = io.StringIO()
    sources_export(out=out)
    return out.getvalue()


@pytest.fixture
def seeded(db, seed_for_the_module) -> None:
    """The shipped seed data set, with its history, as `manage.py seed` loads it (once for the module)."""


@pytest.fixture
def sources(db) -> None:
    """rogovin-1937 and izvestiya-tsk-1989-4, imported from tests/csv/sources.csv."""
    report = sources_import(actor=None, data=read("sources.csv"))
    assert report.ok, report.errors
