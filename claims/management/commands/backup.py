"""python manage.py backup [PATH]: the whole database in one file; `restore` puts it back.

Every table Django manages is written, row by row with Django's serializer (as dumpdata
does, but keeping every row's own primary key, every microsecond of its times, and the
many-to-many links as rows of their own tables), so the file reads the same on SQLite and
PostgreSQL. The file is gzip-compressed JSON laid out one row a line, so that both
commands stream it and memory stays small however large the database:

    {"format":"annotator-backup","version":1,"created":…,"migrations":[…],"models":[…],
    "objects":[
    {"model":"claims.topic","pk":1,"fields":{…}},
    …
    ],
    "counts":{"claims.topic":12,…}}

The header records the migrations the database had applied: restore accepts the file only
in a database at the same state. The counts at the end tell restore the file is complete.
Backups hold password hashes and session keys, so the file is readable by its owner only.
"""

import datetime
import gzip
import io
import json
import os
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

FORMAT = "annotator-backup"
VERSION = 1
OBJECTS_OPEN = '"objects":['
OBJECTS_CLOSE = "],"
CHUNK_SIZE = 2000  # rows fetched at a time
HEADER_LIMIT = 1_000_000  # characters: a first line longer than this is no backup header


# What reading a damaged gzip file raises: a truncated file EOFError, a bad header or CRC
# OSError (gzip.BadGzipFile), bad compressed data zlib.error (no subclass of either: bytes
# flipped in the middle of the file raise it), and text that is no JSON ValueError.
DAMAGED = (EOFError, OSError, ValueError, zlib.error)


class BackupError(Exception):
    """The file is not a backup, or not a whole one; the message says which, for a person."""


def backup_models(*, using: str = DEFAULT_DB_ALIAS) -> list:
    """Every model with a table of its own that Django manages, many-to-many link tables included."""
    return sorted(
        (
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy and router.allow_migrate_model(using, model)
        ),
        key=lambda model: model._meta.label_lower,
    )


def migration_state(connection) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """(applied, unapplied, unknown) migrations of the installed apps.

    applied: (app, name) recorded in the database; unapplied: this code's migrations the
    database lacks; unknown: applied there but missing from this code (newer code migrated it).
    """
    executor = MigrationExecutor(connection)
    loader = executor.loader
    installed = {config.label for config in apps.get_app_configs()}
    applied = sorted(key for key in loader.applied_migrations if key[0] in installed)
    unapplied = [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(loader.graph.leaf_nodes())]
    unknown = [f"{app}.{name}" for app, name in applied if (app, name) not in loader.disk_migrations]
    return applied, unapplied, unknown


def names(items: list[str], *, limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def dump_line(value) -> str:
    return json.dumps(value, cls=_Encoder, ensure_ascii=False, separators=(",", ":"))


class _RowSerializer(PythonSerializer):
    """Django's Python serializer, handing on each row as it is made instead of keeping a list.

    Many-to-many fields are left out: their link tables are backed up as models of their own
    (with their primary keys), so restore writes them as plain rows and sends no m2m signal.
    """

    def __init__(self, emit):
        self.emit = emit

    def handle_m2m_field(self, obj, field):
        pass

    def end_object(self, obj):
        self.emit(self.get_dump_object(obj))
        self._current = None


def write_backup(out, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Write the whole database to the text stream `out`; returns the rows written per model.

    Reads everything in one transaction, so the file is one consistent moment of the
    database (REPEATABLE READ on PostgreSQL; SQLite's read transaction holds its snapshot).
    """
    connection = connections[using]
    # A snapshot needs a transaction of its own; inside someone else's (a test's), that
    # transaction's view is the one to write.
    own_transaction = not connection.in_atomic_block
    counts: Counter[str] = Counter()
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and own_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        applied, unapplied, unknown = migration_state(connection)
        if unapplied:
            raise CommandError(
                f"the database is behind this code: migrations not applied yet: {names(unapplied)}. "
                "A backup is read with the code the database was migrated with: make it before "
                "updating the code (or with the previous version), or run `make migrate` first."
            )
        if unknown:
            raise CommandError(
                f"the database was migrated by newer code: it has applied {names(unknown)}, which "
                "this code does not have, so it cannot read every column. Make the backup with that "
                "code (or, for migrations deleted on purpose, remove their records with "
                "`manage.py migrate APP --prune`)."
            )
        models = backup_models(using=using)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created": timezone.now(),
            "database": connection.vendor,
            "django": django.get_version(),
            "migrations": applied,
            "models": [model._meta.label_lower for model in models],
        }
        out.write(dump_line(header)[:-1] + ",\n" + OBJECTS_OPEN + "\n")
        separator = ""

        def emit(row: dict) -> None:
            nonlocal separator
            out.write(separator + dump_line(row))
            separator = ",\n"
            counts[row["model"]] += 1

        serializer = _RowSerializer(emit)
        for model in models:
            rows = model._base_manager.using(using).order_by(model._meta.pk.attname).iterator(chunk_size=CHUNK_SIZE)
            serializer.serialize(rows)
        out.write(("\n" if separator else "") + OBJECTS_CLOSE + "\n")
        written = {model._meta.label_lower: counts[model._meta.label_lower] for model in models}
        out.write('"counts":' + dump_line(written) + "}\n")
    return written


class BackupReader:
    """A backup file opened for reading: its header at once, its rows as they are read.

    Raises BackupError (the file is not a backup, or is damaged) and OSError (it cannot be read).
    """

    def __init__(self, path: Path):
        self.path = path
        self.line_number = 0
        self._raw = open(path, "rb")  # noqa: SIM115 (the reader's to close: close())
        try:
            self._text = io.TextIOWrapper(gzip.GzipFile(fileobj=self._raw, mode="rb"), encoding="utf-8", newline="\n")
            self.header = self._read_header()
        except BaseException:
            self._raw.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._raw.close()

    def _read_header(self) -> dict:
        not_ours = "it is not a backup made by `manage.py backup`"
        try:
            first = self._text.readline(HEADER_LIMIT)
        except gzip.BadGzipFile:
            raise BackupError(f"{not_ours} (it is not gzip-compressed)") from None
        except UnicodeDecodeError:
            raise BackupError(f"{not_ours} (its content is not UTF-8 text)") from None
        except DAMAGED as exc:
            raise BackupError(f"it is damaged: {_why(exc)}") from None
        self.line_number = 1
        if not first:
            raise BackupError(f"{not_ours} (it is empty)")
        try:
            header = json.loads(first.rstrip("\n").removesuffix(",") + "}")
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BackupError(f"{not_ours} (its first line is not a backup header)")
        if header.get("version") != VERSION:
            raise BackupError(
                f"it is a backup of format version {header.get('version')!r}; this code reads version {VERSION}"
            )
        migrations, models = header.get("migrations"), header.get("models")
        if not (
            isinstance(migrations, list)
            and isinstance(models, list)
            and all(
                isinstance(key, list) and len(key) == 2 and all(isinstance(part, str) for part in key)
                for key in migrations
            )
            and all(isinstance(label, str) for label in models)
        ):
            raise BackupError("it is damaged: its header lacks the migrations or the tables")
        header["migrations"] = [tuple(item) for item in header["migrations"]]
        return header

    def _line(self) -> str:
        try:
            line = self._text.readline()
        except UnicodeDecodeError:
            raise BackupError(f"it is damaged: line {self.line_number + 1} is not UTF-8 text") from None
        except DAMAGED as exc:  # gzip and zlib errors, a truncated file
            raise BackupError(f"it is damaged after line {self.line_number}: {_why(exc)}") from None
        if not line:
            raise BackupError(f"it ends early, after line {self.line_number}: the file is cut short")
        self.line_number += 1
        return line.rstrip("\n")

    def rows(self):
        """Each row as Django's Python serializer made it; at the end, checks the file is whole."""
        if self._line() != OBJECTS_OPEN:
            raise BackupError(f"it is damaged: line {self.line_number} should open the rows")
        counts = Counter()
        while (line := self._line()) != OBJECTS_CLOSE:
            try:
                row = json.loads(line.removesuffix(","))
            except ValueError:
                row = None
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("model"), str)
                or not isinstance(row.get("fields"), dict)
            ):
                raise BackupError(f"it is damaged: line {self.line_number} is not a row")
            counts[row["model"]] += 1
            yield row
        try:
            expected = json.loads("{" + self._line())["counts"]
        except (ValueError, KeyError, TypeError):
            expected = None
        if not isinstance(expected, dict):
            raise BackupError(f"it is damaged: line {self.line_number} should hold the row counts")
        if self._line_or_end() != "":
            raise BackupError(f"it is damaged: something follows the row counts on line {self.line_number}")
        if counts != Counter({model: n for model, n in expected.items() if n}):
            raise BackupError("it is damaged: its rows do not add up to the counts it ends with")

    def _line_or_end(self) -> str:
        try:
            return self._text.read(1)  # reaching the end checks gzip's length and CRC
        except DAMAGED as exc:
            raise BackupError(f"it is damaged at its end: {_why(exc)}") from None


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "backups" / f"annotator-{timezone.now():%Y%m%dT%H%M%SZ}.json.gz"


def shown(path: Path) -> str:
    """The path as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Command(BaseCommand):
    help = (
        "Write the whole database (every table, users, sessions and history included) to one "
        "gzip-compressed JSON file, by default backups/annotator-<UTC time>.json.gz; "
        "`manage.py restore FILE` puts it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="The file to write (default: backups/annotator-<UTC time>.json.gz). "
            "An existing file is never overwritten.",
        )

    def handle(self, *args, path: Path | None, **options):
        path = path or default_path()
        if path.exists():
            raise CommandError(f"{shown(path)} already exists; give another file name (nothing was written).")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        except OSError as exc:
            raise CommandError(f"cannot write {shown(path)}: {exc.strerror or exc}.") from None
        done = False
        try:
            counts = self._write(handle)
            os.replace(partial, path)
            done = True
        except OSError as exc:
            raise CommandError(f"cannot write {shown(path)}: {exc.strerror or exc}; nothing was written.") from None
        except DatabaseError as exc:
            raise CommandError(f"cannot read the database: {exc}; nothing was written.") from None
        finally:
            if not done:
                Path(partial).unlink(missing_ok=True)
        self.stdout.write(f"Wrote {sum(counts.values())} rows of {len(counts)} tables to {shown(path)}")

    def _write(self, handle: int) -> dict[str, int]:
        with open(handle, "wb") as raw:
            with (
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as compressed,
                io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as out,
            ):
                counts = write_backup(out)
            raw.flush()
            os.fsync(raw.fileno())
        return counts
