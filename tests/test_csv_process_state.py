"""An import changes the process for its duration only (claims/csv/process_state.py): the
garbage collector, the thread switch interval and Django's SQLite cursor are as they were
after it, whether it wrote its rows or found errors and wrote nothing."""

import gc
import sys

import pytest
from django.db import IntegrityError, connection, transaction

from claims.csv import bulk, progress
from claims.csv.claims_csv import claims_import
from claims.csv.process_state import SWITCH_INTERVAL
from claims.models import Claim, Person
from tests.csv_support import sources  # noqa: F401

pytestmark = pytest.mark.django_db


def _rows(last_row: str, count: int = 1200) -> bytes:
    """count good rows (more than a batch: the import writes while it checks), then last_row."""
    lines = ["key,topic,statement,kind,event_date,status,people,sources"]
    lines += [
        f"state-{i:05d},State topic,Statement {i},fact,1937-06,open,Person {i % 3},rogovin-1937" for i in range(count)
    ]
    lines.append(last_row)
    return ("\n".join(lines) + "\n").encode()


GOOD = _rows("state-last,State topic,Last,fact,,open,,")
BAD = _rows("state-bad,State topic,Bad,rumour,,open,,")  # (an unknown kind: the import writes nothing)


class _Watched(progress.Counts):
    """Progress counts that note the process's state each time the import reports rows checked."""

    def __init__(self):
        super().__init__()
        self.seen: list[tuple[bool, float]] = []

    def __setattr__(self, name, value):
        if name == "checked" and hasattr(self, "seen"):
            self.seen.append((gc.isenabled(), sys.getswitchinterval()))
        super().__setattr__(name, value)


def _import(data: bytes) -> tuple[bool, list[tuple[bool, float]]]:
    with progress.listening(_Watched()) as watched:
        ok = claims_import(actor=None, data=data).ok
    return ok, watched.seen


@pytest.fixture
def gc_as_found():
    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    (gc.enable if enabled else gc.disable)()


@pytest.mark.parametrize(("data", "ok"), [(GOOD, True), (BAD, False)], ids=["succeeds", "fails"])
def test_an_import_pauses_the_garbage_collector_and_restores_it(sources, gc_as_found, data, ok):
    gc.enable()
    gc.set_threshold(700, 11, 12)  # (not the defaults: a reset to them would not pass unseen)
    imported, seen = _import(data)
    assert imported is ok
    assert seen
    assert {enabled for enabled, _ in seen} == {False}
    assert gc.isenabled()
    assert gc.get_threshold() == (700, 11, 12)


@pytest.mark.parametrize(("data", "ok"), [(GOOD, True), (BAD, False)], ids=["succeeds", "fails"])
def test_an_import_leaves_a_paused_garbage_collector_paused(sources, gc_as_found, data, ok):
    gc.disable()
    assert _import(data)[0] is ok
    assert not gc.isenabled()


@pytest.mark.parametrize(("data", "ok"), [(GOOD, True), (BAD, False)], ids=["succeeds", "fails"])
def test_an_import_lowers_the_thread_switch_interval_and_restores_it(sources, data, ok):
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL  # (Python's default, 5 ms)
    imported, seen = _import(data)
    assert imported is ok
    if connection.vendor == "sqlite":  # (the pipeline, which needs it, is SQLite's)
        assert SWITCH_INTERVAL in {interval for _, interval in seen}
    assert sys.getswitchinterval() == before


def _driver_cursors(monkeypatch) -> list:
    """The driver cursors (Django's SQLiteCursorWrapper) of the cursors opened from now on."""
    opened = []
    cursor = connection.cursor

    def cursor_noted(*args, **kwargs):
        wrapper = cursor(*args, **kwargs)
        opened.append(wrapper.cursor)
        return wrapper

    monkeypatch.setattr(connection, "cursor", cursor_noted)
    return opened


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the statement look-up is SQLite's")
@pytest.mark.parametrize(("data", "ok"), [(GOOD, True), (BAD, False)], ids=["succeeds", "fails"])
def test_an_import_leaves_djangos_sqlite_cursor_as_it_found_it(sources, monkeypatch, data, ok):
    # An import's INSERTs run on the pipeline's own driver cursor, and bulk.insert outside
    # one (the search index's rebuild) patches its own cursor: Django's class is never touched.
    cursor_class = type(connection.cursor().cursor)
    convert_query = cursor_class.convert_query
    opened = _driver_cursors(monkeypatch)
    assert _import(data)[0] is ok
    assert cursor_class.convert_query is convert_query
    assert opened
    assert not [c for c in opened if "convert_query" in vars(c)]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the statement look-up is SQLite's")
def test_an_insert_outside_an_import_unpatches_its_cursor_when_it_succeeds_and_when_it_fails(monkeypatch, claim):
    opened = _driver_cursors(monkeypatch)
    people = Person.objects.bulk_create([Person(name=f"State person {i}", slug=f"state-person-{i}") for i in range(3)])
    through = Claim.people.through
    with transaction.atomic():
        bulk.insert(through, ["claim_id", "person_id"], [(claim.pk, p.pk) for p in people], ready=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert(through, ["claim_id", "person_id"], [(claim.pk, people[0].pk)], ready=True)
    patched = [c for c in opened if hasattr(c, "convert_query") and "convert_query" not in vars(c)]
    assert len(patched) >= 2  # (the cursors of both inserts: bulk.insert looked their statements up)
    assert not [c for c in opened if "convert_query" in vars(c)]
