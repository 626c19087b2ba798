"""Backup and restore: `manage.py backup` / `restore` and `make backup` / `make restore FILE=…`.

Every comparison reads every table of the database with plain SQL, so "the same" means the
same rows with the same values, ids and times, not what the models make of them. A restore
empties tables, which on PostgreSQL (TRUNCATE) needs a transaction of its own: tests that
restore use a real transactional database, with the migrated rows (role groups) put back
before each test as the browser tests do.
"""

import contextlib
import gzip
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from claims import services
from claims.models import Citation, Claim, Topic, User
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parent.parent
RESTORING = pytest.mark.django_db(transaction=True, serialized_rollback=True)
AWKWARD_TEXT = 'Line one\nline two\r\n\ttab, «кавычки», "quotes", back\\slash, \u2028separator, 🎖 and \x7f'


# --- Helpers --------------------------------------------------------------------------


def every_row() -> dict[str, list[tuple]]:
    """Every row of every table in the database, django_migrations included, in key order.

    Not SQLite's full-text (FTS5) tables of the search index and their shadow tables: they
    index rows of other tables (compared here), in a layout of their own that depends on the
    order the rows came in."""
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        virtual = []
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
            virtual = [name for (name,) in cursor.fetchall()]
        for table in sorted(connection.introspection.table_names(cursor)):
            if any(table == name or table.startswith(name + "_") for name in virtual):
                continue
            key = connection.introspection.get_primary_key_column(cursor, table)
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(key)}")
            tables[table] = cursor.fetchall()
    return tables


def highest_ids() -> dict[str, int]:
    """The largest integer id of every table that has one."""
    highest = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.pk.get_internal_type() in {"AutoField", "BigAutoField"}:
            highest[model._meta.db_table] = max(model._base_manager.values_list("pk", flat=True), default=0)
    return highest


def backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def restore(path: Path, *, yes: bool = True) -> str:
    out = io.StringIO()
    call_command("restore", str(path), *(["--yes"] if yes else []), stdout=out)
    return out.getvalue()


def refused(path: Path, *, yes: bool = True) -> str:
    with pytest.raises(CommandError) as caught:
        restore(path, yes=yes)
    return str(caught.value)


def cases(*pairs) -> list:
    """pytest parameters (a function, the message expected), each named after its function."""
    return [pytest.param(function, message, id=function.__name__.lstrip("_")) for function, message in pairs]


def lines_of(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").split("\n")


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    return path


def rows_of(path: Path) -> list[str]:
    """The row lines of a backup: equal for two backups of the same data."""
    return [line for line in lines_of(path) if line.startswith('{"model":')]


def last_row_of(lines: list[str], model: str) -> int:
    return max(i for i, line in enumerate(lines) if line.startswith(f'{{"model":"{model}"'))


def edit_row(lines: list[str], index: int, change) -> None:
    comma = "," if lines[index].endswith(",") else ""
    row = json.loads(lines[index].removesuffix(","))
    change(row)
    lines[index] = json.dumps(row, ensure_ascii=False, separators=(",", ":")) + comma


def edit_header(lines: list[str], change) -> None:
    header = json.loads(lines[0].removesuffix(",") + "}")
    change(header)
    lines[0] = json.dumps(header, ensure_ascii=False, separators=(",", ":"))[:-1] + ","


@pytest.fixture
def seed(db) -> None:
    """The shipped seed data set with its history (as tests/csv_support.py's `seeded`)."""
    call_command("seed", verbosity=0)


@pytest.fixture
def lived_in(seed, researcher, reviewer, editor, client) -> None:
    """The seed and what people did since: users with roles and a permission of their own,
    history (a many-to-many change among it), a login session, the admin log, awkward text."""
    claim = Claim.objects.order_by("pk").first()
    person = services.person_create(actor=researcher, name="Iona Yakir", name_original="Иона Якир")
    services.claim_update(
        actor=editor, claim=claim, data={"people": [*claim.people.all(), person], "statement": AWKWARD_TEXT}
    )
    services.topic_update(actor=editor, topic=claim.topic, data={"description": AWKWARD_TEXT})
    researcher.user_permissions.add(Permission.objects.get(codename="view_topic"))
    client.force_login(reviewer)
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Topic),
        object_id=str(claim.topic_id),
        object_repr=claim.topic.title,
        action_flag=ADDITION,
        change_message="[]",
    )


def assert_lived_in(tables: dict[str, list[tuple]]) -> None:
    """The tables a careless backup would miss hold rows, so comparing them means something."""
    for table in [
        "auth_group",
        "auth_permission",
        "django_content_type",
        "claims_user",
        "claims_user_groups",
        "claims_user_user_permissions",
        "django_session",
        "django_admin_log",
        "claims_claim_people",
        "claims_historicalclaim",
        "claims_historicalclaim_people",
        "claims_historicaltopic",
        "claims_citation",
        "claims_annotation",
        "claims_dispute",
        "claims_historicaldispute",
    ]:
        assert tables[table], f"{table} is empty"


# --- Round trips ----------------------------------------------------------------------


@RESTORING
def test_a_backup_restored_into_an_emptied_database_gives_back_every_row_of_every_table(lived_in, tmp_path):
    before = every_row()
    assert_lived_in(before)
    written = backup(tmp_path / "all.json.gz")
    call_command("flush", "--no-input", verbosity=0)  # empty, with new content types and permissions
    assert every_row() != before
    output = restore(tmp_path / "all.json.gz")
    assert every_row() == before
    rows = re.fullmatch(r"Wrote (\d+) rows of (\d+) tables to .*\n", written)
    assert rows, written
    assert re.fullmatch(
        rf"Restored {rows[1]} rows of {rows[2]} tables from .*all\.json\.gz \(backup of .*\)\.\n", output
    )


@RESTORING
def test_restore_puts_back_rows_added_changed_and_deleted_after_the_backup(
    lived_in, editor, staff, researcher, tmp_path
):
    before = every_row()
    backup(tmp_path / "before.json.gz")
    claim = Claim.objects.order_by("pk").first()
    services.topic_create(actor=editor, title="A question asked after the backup")
    services.claim_update(actor=editor, claim=claim, data={"statement": "Changed after the backup.", "people": []})
    gone = Citation.objects.order_by("pk").last().pk
    services.staff_delete(actor=staff, instance=Citation.objects.get(pk=gone))
    make_user("late_comer")
    User.objects.filter(username=researcher.username).update(first_name="Rita")
    connection.cursor().execute("DELETE FROM django_session")
    assert every_row() != before

    restore(tmp_path / "before.json.gz")

    assert every_row() == before
    assert not Topic.objects.filter(title="A question asked after the backup").exists()
    assert Claim.objects.get(pk=claim.pk).statement == AWKWARD_TEXT
    assert Citation.objects.filter(pk=gone).exists()
    assert not User.objects.filter(username="late_comer").exists()


@RESTORING
def test_rows_added_after_a_restore_get_fresh_ids(lived_in, editor, tmp_path):
    backup(tmp_path / "all.json.gz")
    highest = highest_ids()
    # flush also rewinds every id sequence to 1: without a reset after the restore,
    # PostgreSQL would hand out the restored rows' ids again.
    call_command("flush", "--no-input", verbosity=0)
    restore(tmp_path / "all.json.gz")

    topic = services.topic_create(actor=editor, title="A question asked after the restore")
    person = services.person_create(actor=editor, name="Vitovt Putna")
    claim = Claim.objects.order_by("pk").first()
    services.claim_update(actor=editor, claim=claim, data={"people": [*claim.people.all(), person]})
    user = make_user("after_restore")
    link = Claim.people.through.objects.get(claim=claim, person=person)
    m2m_history = apps.get_model("claims", "HistoricalClaim_people").objects.order_by("m2m_history_id").last()

    assert topic.pk > highest["claims_topic"]
    assert Topic.history.order_by("history_id").last().history_id > highest["claims_historicaltopic"]
    assert person.pk > highest["claims_person"]
    assert link.pk > highest["claims_claim_people"]
    assert m2m_history.pk > highest["claims_historicalclaim_people"]
    assert user.pk > highest["claims_user"]


def test_a_backup_is_one_gzip_json_document_with_the_migrations_and_every_tables_row_count(lived_in, tmp_path):
    path = tmp_path / "all.json.gz"
    output = backup(path)
    document = json.loads(gzip.decompress(path.read_bytes()))
    assert document["format"] == "annotator-backup"
    assert document["version"] == 1
    assert {tuple(key) for key in document["migrations"]} == set(MigrationRecorder(connection).applied_migrations())
    tables = {apps.get_model(label)._meta.db_table: n for label, n in document["counts"].items()}
    assert set(tables) == set(connection.introspection.django_table_names(only_existing=True))
    assert tables == {table: len(rows) for table, rows in every_row().items() if table in tables}
    assert len(document["objects"]) == sum(tables.values())
    assert output == f"Wrote {sum(tables.values())} rows of {len(tables)} tables to {path}\n"
    # Every microsecond is kept (Django's JSON encoder keeps milliseconds only).
    assert re.search(
        r'"history_date":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"', gzip.decompress(path.read_bytes()).decode()
    )
    # It holds password hashes and session keys.
    assert path.stat().st_mode & 0o777 == 0o600


def test_backup_never_overwrites_an_existing_file(db, tmp_path):
    path = tmp_path / "taken.json.gz"
    path.write_bytes(b"an earlier backup")
    with pytest.raises(CommandError) as caught:
        backup(path)
    assert str(caught.value) == f"{path} already exists; give another file name (nothing was written)."
    assert path.read_bytes() == b"an earlier backup"
    assert [p.name for p in tmp_path.iterdir()] == ["taken.json.gz"]


# --- Refused files --------------------------------------------------------------------


def _missing(tmp_path, good):
    return tmp_path / "no-such-backup.json.gz"


def _folder(tmp_path, good):
    return tmp_path


def _empty(tmp_path, good):
    path = tmp_path / "empty.json.gz"
    path.write_bytes(b"")
    return path


def _plain_text(tmp_path, good):
    path = tmp_path / "claims.csv"
    path.write_text("key,topic,statement\nexecution-12-june,Date of execution,Shot on 12 June\n")
    return path


def _gzip_of_a_csv(tmp_path, good):
    path = tmp_path / "claims.csv.gz"
    path.write_bytes(gzip.compress(b"key,topic,statement\n"))
    return path


def _gzip_of_binary(tmp_path, good):
    path = tmp_path / "noise.gz"
    path.write_bytes(gzip.compress(bytes(range(256)) * 64))
    return path


def _dumpdata_fixture(tmp_path, good):
    path = tmp_path / "fixture.json.gz"
    path.write_bytes(gzip.compress(b'[{"model": "claims.topic", "pk": 1, "fields": {"title": "T"}}]'))
    return path


def _future_format(tmp_path, good):
    lines = lines_of(good)
    edit_header(lines, lambda header: header.update(version=2))
    return write_lines(tmp_path / "future.json.gz", lines)


@pytest.mark.parametrize(
    "make_file,message",
    cases(
        (_missing, "cannot read no-such-backup.json.gz: No such file or directory; nothing was changed."),
        (_folder, ": Is a directory; nothing was changed."),
        (_empty, "empty.json.gz: it is not a backup made by `manage.py backup` (it is empty); nothing was changed."),
        (_plain_text, "claims.csv: it is not a backup made by `manage.py backup` (it is not gzip-compressed)"),
        (
            _gzip_of_a_csv,
            "claims.csv.gz: it is not a backup made by `manage.py backup` (its first line is not a backup header)",
        ),
        (_gzip_of_binary, "noise.gz: it is not a backup made by `manage.py backup` (its content is not UTF-8 text)"),
        (
            _dumpdata_fixture,
            "fixture.json.gz: it is not a backup made by `manage.py backup` (its first line is not a backup header)",
        ),
        (
            _future_format,
            "future.json.gz: it is a backup of format version 2; this code reads version 1; nothing was changed.",
        ),
    ),
)
def test_restore_refuses_a_missing_or_unreadable_file_or_one_that_is_not_a_backup(
    lived_in, tmp_path, monkeypatch, make_file, message
):
    good = tmp_path / "good.json.gz"
    backup(good)
    monkeypatch.chdir(tmp_path)  # messages name the file as the user typed it
    services.topic_create(actor=User.objects.get(username="edith_editor"), title="Added after the backup")
    before = every_row()
    assert message in refused(make_file(tmp_path, good))
    assert every_row() == before


def _bytes_flipped_in_the_middle(good: Path) -> bytes:
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4] = bytes(b ^ 0x5A for b in data[middle : middle + 4])
    return bytes(data)


def _compressed_data_invalid(good: Path) -> bytes:
    """The same rows, their compressed data made unreadable: its first block of a reserved type,
    which zlib refuses with an error of its own (no OSError, no ValueError)."""
    data = bytearray(gzip.compress(gzip.decompress(good.read_bytes())))  # (a header of 10 bytes)
    data[10] |= 0b110
    return bytes(data)


def _checksum_wrong(good: Path) -> bytes:
    data = bytearray(good.read_bytes())
    data[-8] ^= 0xFF  # gzip's CRC-32 of the content, checked once every row is in
    return bytes(data)


def _cut_short(good: Path) -> bytes:
    data = good.read_bytes()
    return data[: len(data) * 2 // 3]


def _a_row_left_out(good: Path) -> bytes:
    lines = lines_of(good)
    del lines[last_row_of(lines, "claims.topic")]
    return gzip.compress("\n".join(lines).encode())


def _something_after_the_end(good: Path) -> bytes:
    return gzip.compress(gzip.decompress(good.read_bytes()) + b'{"model":"claims.topic"}\n')


@RESTORING
@pytest.mark.parametrize(
    "damage,message",
    cases(
        (_bytes_flipped_in_the_middle, ""),  # whichever check notices first: the file is refused
        (_compressed_data_invalid, "all.json.gz: it is damaged: Error -3 while decompressing data: invalid block type"),
        (_checksum_wrong, "all.json.gz: it is damaged at its end: CRC check failed"),
        (_cut_short, "all.json.gz: it is damaged after line "),
        (_a_row_left_out, "all.json.gz: it is damaged: its rows do not add up to the counts it ends with"),
        (_something_after_the_end, "all.json.gz: it is damaged: something follows the row counts"),
    ),
)
def test_restore_of_a_corrupt_file_changes_nothing(lived_in, editor, tmp_path, damage, message):
    path = tmp_path / "all.json.gz"
    backup(path)
    path.write_bytes(damage(path))
    services.topic_create(actor=editor, title="Added after the backup")
    before = every_row()
    said = refused(path)
    assert message in said
    assert said.endswith("nothing was changed.")
    assert every_row() == before


# --- Failures in the middle of a restore ----------------------------------------------


def _invalid_key(row, first):
    row["pk"] = "seven"


def _repeated_key(row, first):
    row["pk"] = first["pk"]


def _blank_title(row, first):
    row["fields"]["title"] = ""  # the database's check constraint topic_title_not_blank


def _unknown_author(row, first):
    row["fields"]["created_by"] = 987654


def _unknown_table(row, first):
    row["model"] = "claims.nosuchthing"


@RESTORING
@pytest.mark.parametrize(
    "break_row,message",
    cases(
        (_invalid_key, "cannot be restored: ['“seven” value must be an integer.']: (claims.topic:pk=seven)"),
        (_repeated_key, "the database refused a row of claims.topic on line"),
        (_blank_title, "the database refused a row of claims.topic on line"),
        (_unknown_author, "its rows refer to rows it does not hold"),
        (_unknown_table, "cannot be restored: Invalid model identifier: claims.nosuchthing"),
    ),
)
def test_a_restore_that_fails_in_the_middle_leaves_the_data_exactly_as_it_was(
    lived_in, editor, tmp_path, break_row, message
):
    good = tmp_path / "good.json.gz"
    backup(good)
    lines = lines_of(good)
    index = last_row_of(lines, "claims.topic")
    assert index > len(lines) / 2, "the broken row comes after most of the others"
    first = json.loads(lines[next(i for i, line in enumerate(lines) if '"model":"claims.topic"' in line)].rstrip(","))
    edit_row(lines, index, lambda row: break_row(row, first))
    bad = write_lines(tmp_path / "bad.json.gz", lines)
    # Changes since the backup, which a half-done restore would lose.
    services.topic_create(actor=editor, title="Added after the backup")
    Claim.objects.filter(pk=Claim.objects.order_by("pk").first().pk).update(statement="Changed after the backup.")
    before = every_row()

    said = refused(bad)

    assert message in said
    assert said.endswith("the restore was undone, nothing was changed.")
    assert every_row() == before
    assert Topic.objects.filter(title="Added after the backup").exists()


# --- Migrations and confirmation ------------------------------------------------------


def _claims_migrations() -> list[str]:
    return sorted(name for app, name in MigrationRecorder(connection).applied_migrations() if app == "claims")


def test_restore_refuses_a_backup_made_before_a_migration_this_database_has(lived_in, tmp_path):
    *_, previous, last = _claims_migrations()
    backup(tmp_path / "good.json.gz")
    lines = lines_of(tmp_path / "good.json.gz")
    edit_header(lines, lambda header: header["migrations"].remove(["claims", last]))
    older = write_lines(tmp_path / "older.json.gz", lines)
    before = every_row()
    said = refused(older)
    assert f"this database has claims.{last}, which the backup has not" in said
    assert (
        f"Bring this database to the backup's state (`manage.py migrate claims {previous}`), "
        f"then run `manage.py restore {older}`, then `make migrate`"
    ) in said
    assert said.endswith("nothing was changed.")
    assert every_row() == before


def test_restore_refuses_a_backup_from_newer_code(lived_in, tmp_path):
    backup(tmp_path / "good.json.gz")
    lines = lines_of(tmp_path / "good.json.gz")
    edit_header(lines, lambda header: header["migrations"].append(["claims", "9999_from_the_future"]))
    newer = write_lines(tmp_path / "newer.json.gz", lines)
    before = every_row()
    said = refused(newer)
    assert "the backup has claims.9999_from_the_future, which this database has not" in said
    assert "It comes from newer code: restore it with the code that made it; nothing was changed." in said
    assert every_row() == before


def test_backup_and_restore_refuse_a_database_with_unapplied_migrations(lived_in, tmp_path):
    backup(tmp_path / "good.json.gz")
    last = _claims_migrations()[-1]
    MigrationRecorder(connection).record_unapplied("claims", last)  # as if the code were newer
    before = every_row()
    said = refused(tmp_path / "good.json.gz")
    assert f"this database has unapplied migrations (claims.{last}): run `make migrate`" in said
    with pytest.raises(CommandError) as caught:
        backup(tmp_path / "behind.json.gz")
    assert f"the database is behind this code: migrations not applied yet: claims.{last}." in str(caught.value)
    assert not (tmp_path / "behind.json.gz").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["good.json.gz"]
    assert every_row() == before


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_restore_without_yes_refuses_when_there_is_no_terminal_to_ask_at(lived_in, tmp_path, monkeypatch):
    backup(tmp_path / "good.json.gz")
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    before = every_row()
    said = refused(tmp_path / "good.json.gz", yes=False)
    assert "there is no terminal to ask at: confirm with --yes; nothing was changed." in said
    assert every_row() == before


def test_restore_at_a_terminal_stops_unless_the_answer_is_yes(lived_in, tmp_path, monkeypatch):
    backup(tmp_path / "good.json.gz")
    monkeypatch.setattr(sys, "stdin", _Terminal("no\n"))
    before = every_row()
    assert refused(tmp_path / "good.json.gz", yes=False) == "restore cancelled; nothing was changed."
    assert every_row() == before


@RESTORING
def test_restore_at_a_terminal_goes_ahead_on_yes(lived_in, editor, tmp_path, monkeypatch):
    backup(tmp_path / "good.json.gz")
    before = every_row()
    services.topic_create(actor=editor, title="Added after the backup")
    monkeypatch.setattr(sys, "stdin", _Terminal("yes\n"))
    assert restore(tmp_path / "good.json.gz", yes=False).startswith("Restored ")
    assert every_row() == before


# --- make -----------------------------------------------------------------------------


def _make(*arguments: str, database: Path) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    environment.update(DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="backup-test-secret-key")
    return subprocess.run(["make", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)


def test_make_restore_then_make_backup_round_trip_a_new_database_with_real_make(lived_in, tmp_path):
    original = tmp_path / "original.json.gz"
    backup(original)
    database = tmp_path / "made.sqlite3"
    backups = ROOT / "backups"
    had_folder = backups.exists()

    usage = _make("restore", database=database)
    assert usage.returncode != 0
    assert "Usage: make restore FILE=backups/annotator-<UTC time>.json.gz" in usage.stderr
    assert not database.exists()  # refused before migrating anything

    restored = _make("restore", f"FILE={original}", database=database)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert re.search(rf"^Restored \d+ rows of \d+ tables from {re.escape(str(original))} ", restored.stdout, re.M)

    made = _make("backup", database=database)
    assert made.returncode == 0, made.stdout + made.stderr
    printed = re.search(
        r"^Wrote \d+ rows of \d+ tables to (backups/annotator-\d{8}T\d{6}Z\.json\.gz)$", made.stdout, re.M
    )
    assert printed, made.stdout
    written = ROOT / printed[1]
    try:
        assert rows_of(written) == rows_of(original)
    finally:
        written.unlink()
        if not had_folder:
            with contextlib.suppress(OSError):  # (CI's other pass may have a backup of its own in it)
                backups.rmdir()
