"""python manage.py restore FILE [--yes]: replace the whole database with a backup.

All in one transaction: every table Django manages is emptied and filled with the backup's
rows (with their own primary keys, as loaddata writes them: raw, no signals, so no history
row is added), the foreign keys are checked, and PostgreSQL's sequences are moved past the
restored keys. Anything wrong on the way (a damaged file, a row the database refuses) undoes
it all, so the database is either the backup or exactly what it was.
"""

import sys
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.migrations.loader import MigrationLoader

from .backup import BackupError, BackupReader, backup_models, migration_state, names, shown

UNCHANGED = "nothing was changed"
BATCH_ROWS = 500  # rows of one table per INSERT (fewer where the database allows fewer parameters)


def migration_problem(*, header: dict, connection, path: str) -> str | None:
    """Why this database cannot take the backup as it is, and what to do; None if it can."""
    applied, unapplied, unknown = migration_state(connection)
    if unapplied:
        return (
            f"this database has unapplied migrations ({names(unapplied)}): run `make migrate` "
            "(or `manage.py migrate`) first, then restore"
        )
    if unknown:
        return (
            f"this database was migrated by newer code (it has applied {names(unknown)}, which this "
            "code does not have): restore with that code"
        )
    installed = {config.label for config in apps.get_app_configs()}
    theirs = {key for key in header["migrations"] if key[0] in installed}
    ours = set(applied)
    if theirs == ours:
        return None
    only_backup, only_here = sorted(theirs - ours), sorted(ours - theirs)
    differences = []
    if only_backup:
        differences.append(f"the backup has {names([f'{a}.{n}' for a, n in only_backup])}, which this database has not")
    if only_here:
        differences.append(f"this database has {names([f'{a}.{n}' for a, n in only_here])}, which the backup has not")
    said = f"the backup was made at another migration state: {'; '.join(differences)}. "
    loader = MigrationLoader(connection)
    if any(key not in loader.graph.nodes for key in only_backup):
        return said + "It comes from newer code: restore it with the code that made it"
    steps = []
    for app in sorted({app for app, _ in only_backup + only_here}):
        reached = [key for key in theirs if key[0] == app and key in loader.graph.nodes]
        last = max(reached, key=lambda key: len(loader.graph.forwards_plan(key)), default=None)
        steps.append(f"`manage.py migrate {app} {last[1] if last else 'zero'}`")
    return (
        said + f"Bring this database to the backup's state ({', '.join(steps)}), then run "
        f"`manage.py restore {path}`, then `make migrate` to bring the restored data up to date"
    )


def tables_problem(*, header: dict, models: list) -> str | None:
    theirs, ours = set(header["models"]), {model._meta.label_lower for model in models}
    if theirs == ours:
        return None
    return (
        "the backup's tables are not this code's although the migrations match "
        f"(only in the backup: {names(sorted(theirs - ours)) or 'none'}; "
        f"only here: {names(sorted(ours - theirs)) or 'none'}): restore it with the code that made it"
    )


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `manage.py backup`, in one transaction "
        "(a failure changes nothing). Asks first unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup file (backups/annotator-<UTC time>.json.gz).")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation: replace the database at once.",
        )

    def handle(self, *args, path: Path, interactive: bool, **options):
        name = shown(path)
        try:
            reader = BackupReader(path)
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror or exc}; {UNCHANGED}.") from None
        except BackupError as exc:
            raise CommandError(f"{name}: {exc}; {UNCHANGED}.") from None
        with reader:
            connection = connections[DEFAULT_DB_ALIAS]
            models = backup_models()
            problem = migration_problem(header=reader.header, connection=connection, path=name) or tables_problem(
                header=reader.header, models=models
            )
            if problem:
                raise CommandError(f"{name}: {problem}; {UNCHANGED}.")
            if interactive:
                self._confirm(name=name, header=reader.header, connection=connection)
            try:
                with transaction.atomic(using=DEFAULT_DB_ALIAS):
                    rows = self._replace(reader, models=models, connection=connection)
            except BackupError as exc:
                raise CommandError(f"{name}: {exc}; the restore was undone, {UNCHANGED}.") from None
            except DatabaseError as exc:  # emptying the tables, the sequences, the commit
                raise CommandError(
                    f"{name}: the database refused the restore ({exc}); the restore was undone, {UNCHANGED}."
                ) from None
            except (
                DeserializationError,
                FieldDoesNotExist,
                ValidationError,
                ValueError,
                TypeError,
            ) as exc:  # a value the model's fields cannot read
                raise CommandError(
                    f"{name}: line {reader.line_number} cannot be restored: {exc}; the restore was undone, {UNCHANGED}."
                ) from None
        # Content types were replaced under their cache (ids may differ from the old ones).
        ContentType.objects.clear_cache()
        self.stdout.write(
            f"Restored {rows} rows of {len(models)} tables from {name} (backup of {reader.header.get('created')})."
        )

    def _replace(self, reader: BackupReader, *, models: list, connection) -> int:
        alias = connection.alias
        tables = [model._meta.db_table for model in models]  # m2m link tables included
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
        rows = 0
        batch: list = []  # the rows waiting for their INSERT
        lines = [0, 0]  # the first and last line of the rows waiting for their INSERT

        def insert_batch() -> None:
            # As loaddata's raw save (the row's own values, no auto_now, no signal, so no
            # history row), but many rows to an INSERT: a row at a time is 5-20 times slower.
            model = type(batch[0])
            fields = [field for field in model._meta.local_concrete_fields if not field.generated]
            size = max(connection.ops.bulk_batch_size(fields, batch), 1)
            try:
                for start in range(0, len(batch), size):
                    model._base_manager.using(alias)._insert(batch[start : start + size], fields=fields, raw=True)
            except DatabaseError as exc:
                where = f"line {lines[0]}" if lines[0] == lines[1] else f"lines {lines[0]}-{lines[1]}"
                raise BackupError(
                    f"the database refused a row of {model._meta.label_lower} on {where} ({exc})"
                ) from None
            batch.clear()

        # As loaddata: foreign keys are checked once all rows are in (they may come in any order).
        with connection.constraint_checks_disabled():
            for row in PythonDeserializer(reader.rows(), using=alias):
                if row.m2m_data or row.deferred_fields:
                    raise BackupError(
                        f"line {reader.line_number} holds many-to-many values, which a backup "
                        "keeps as rows of their link table"
                    )
                if batch and (type(row.object) is not type(batch[0]) or len(batch) >= BATCH_ROWS):
                    insert_batch()
                if not batch:
                    lines[0] = reader.line_number
                lines[1] = reader.line_number
                batch.append(row.object)
                rows += 1
            if batch:
                insert_batch()
        try:
            connection.check_constraints(table_names=tables)
        except IntegrityError as exc:
            raise BackupError(f"its rows refer to rows it does not hold ({exc})") from None
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        # (The search index's rows come back like any others, and with them, through their
        # triggers, SQLite's FTS5 tables; PostgreSQL computes its tsvector column itself.)
        return rows

    def _confirm(self, *, name: str, header: dict, connection) -> None:
        if not sys.stdin.isatty():
            raise CommandError(
                "restore replaces everything in the database, and there is no terminal to ask at: "
                f"confirm with --yes; {UNCHANGED}."
            )
        database = connection.settings_dict["NAME"]
        answer = input(
            f"This replaces everything in the {connection.vendor} database {database} with the backup "
            f"{name} of {header.get('created')}.\nType 'yes' to continue: "
        )
        if answer.strip().lower() != "yes":
            raise CommandError(f"restore cancelled; {UNCHANGED}.")
