"""Plain multi-row INSERTs for the importers, history rows included.

Django's bulk_create builds a model instance and compiles every value of every row through
the field machinery, which at 100k claims with their citations, people and history (about
a million rows) costs more than everything else of an import together. Here the rows are
tuples of values adapted once per distinct value and sent BATCH_SIZE rows at a time (COPY on
PostgreSQL, multi-row INSERT statements on SQLite). The values are those the
importer validated with the models' rules; the history rows are those simple_history's
bulk_history_create would write (same columns, one history date, the importing user, no
change reason).

Primary keys are not read back after an INSERT: reserve_ids() hands out the keys the rows
will have (from the table's sequence) and the rows are inserted with them. When the keys of
the rows just written follow each other, their history rows are INSERT ... SELECT from them
(copy_to_history), so a claim's statement is sent to the database once.

On SQLite the INSERTs can run on a second thread (see pipelined): SQLite does its part of
an INSERT without Python's GIL, so the next rows are built while it stores these.

These functions must run inside the import's transaction.atomic(), on the default database.
"""

import functools
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from itertools import islice
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

from .process_state import prompt_thread_switches, statements_looked_up
from .reading import BATCH_SIZE

# Rows per INSERT statement on SQLite: each statement costs the inserting thread two waits for
# the GIL (see process_state.SWITCH_INTERVAL), and each prepared statement (one per table, kept by the
# driver) grows with it.
ROWS_PER_STATEMENT = 1000


class _Pipeline:
    """The INSERT statements of an import, run in order on a thread of their own.

    The thread runs them on the import's own sqlite3 connection (Django opens SQLite
    connections with check_same_thread=False), so they are part of its transaction; the
    caller waits for them (flush) before anything that reads what they write, and at the
    end. The first failed statement stops the rest and is raised in the caller's thread,
    as Django would raise it, at the next insert or flush.
    """

    DEPTH = 4  # statements waiting at most (each a few hundred rows)

    def __init__(self, connection):
        self.connection = connection
        self.statements: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self.error: BaseException | None = None
        self.next_id: dict[str, int] = {}  # table -> the first key reserve_ids has not handed out
        connection.ensure_connection()
        self.thread = threading.Thread(
            target=self._run, args=(connection.connection,), name="csv-import-inserts", daemon=True
        )
        self.thread.start()

    def _run(self, raw) -> None:
        cursor = raw.cursor()
        try:
            while (statement := self.statements.get()) is not None:
                try:
                    if self.error is None:
                        sql, params, many = statement
                        (cursor.executemany if many else cursor.execute)(sql, params)
                except BaseException as exc:  # raised in the caller's thread (see _raise)
                    self.error = exc
                finally:
                    self.statements.task_done()
        finally:
            self.statements.task_done()  # the None
            cursor.close()

    def run(self, sql: str, params, *, many: bool = False) -> None:
        self._raise()
        self.statements.put((sql, params, many))

    def flush(self) -> None:
        self.statements.join()
        self._raise()

    def close(self) -> None:
        self.statements.put(None)
        self.thread.join()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            with self.connection.wrap_database_errors:  # as Django's cursor would raise it
                raise error


# The pipeline of the import running in this thread: a threaded server may run two imports
# at once, each on its own connection.
_running = threading.local()


def _current() -> _Pipeline | None:
    return getattr(_running, "pipeline", None)


@contextmanager
def pipelined():
    """Run the SQLite INSERTs of insert() on a second thread until the block ends (a no-op
    on other databases). Inside the block, use flush() before reading or changing rows of
    the tables being written other than through this module."""
    connection = _connection()
    if connection.vendor != "sqlite" or _current() is not None:
        yield
        return
    pipeline = _running.pipeline = _Pipeline(connection)
    try:
        with prompt_thread_switches():
            yield
            pipeline.flush()
    finally:
        _running.pipeline = None
        pipeline.close()


def flush() -> None:
    """Wait until the INSERTs handed to the pipeline are done (see pipelined)."""
    if (pipeline := _current()) is not None:
        pipeline.flush()


def _connection():
    # The real connection object, looked up once per call: every attribute read through the
    # django.db.connection proxy goes through asgiref's Local.
    return connections[DEFAULT_DB_ALIAS]


def adapter(model: type[models.Model], name: str):
    """value -> database value for the field (by attname), memoised per distinct value; None
    when the driver takes the field's values as they are (str, int, bool, None)."""
    field = next(f for f in model._meta.concrete_fields if f.attname == name)
    return _adapter(field, _connection())


def _adapter(field: models.Field, connection):
    if not isinstance(
        field,
        (
            models.DateField,
            models.DateTimeField,
            models.TimeField,
            models.DecimalField,
            models.UUIDField,
            models.JSONField,
            models.BinaryField,
        ),
    ):
        return None  # str, int, bool and None go to the driver as they are
    if connection.vendor == "postgresql":
        return None  # COPY: psycopg adapts each value itself
    memo: dict = {None: None}

    def adapt(value):
        try:
            return memo[value]
        except KeyError:
            memo[value] = result = field.get_db_prep_save(value, connection)
            return result
        except TypeError:  # unhashable (a dict for a JSONField)
            return field.get_db_prep_save(value, connection)

    return adapt


def db_value(model: type[models.Model], name: str, value):
    """The value of the field (by attname) as the database takes it, e.g. a string on SQLite."""
    field = next(f for f in model._meta.concrete_fields if f.attname == name)
    return field.get_db_prep_save(value, _connection())


def reserve_ids(model: type[models.Model], count: int) -> Sequence[int]:
    """The primary keys of the next count rows of the model's table, for rows inserted with them.

    PostgreSQL: count values of the table's sequence (nextval: no other transaction gets them).
    SQLite: the keys after the highest one the table has had (its AUTOINCREMENT sequence, or
    its rows); SQLite has one writer at a time, and the transaction takes the write lock here
    (the first statement is a write), so no other connection can insert until it ends.
    """
    if count <= 0:
        return range(0)
    connection = _connection()
    qn = connection.ops.quote_name
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [qn(table), column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":
            raise NotImplementedError(f"reserve_ids does not support {connection.vendor}")
        pipeline = _current()
        if pipeline is not None and table in pipeline.next_id:
            # The transaction holds SQLite's write lock: the keys go on from the last reserved.
            start = pipeline.next_id[table]
            pipeline.next_id[table] = start + count
            return range(start, start + count)
        flush()  # (the table's highest key may be in an INSERT still waiting)
        cursor.execute(f"UPDATE {qn(table)} SET {qn(column)} = {qn(column)} WHERE 0")  # the write lock
        cursor.execute(
            f"SELECT MAX(last) FROM (SELECT seq AS last FROM sqlite_sequence WHERE name = %s "
            f"UNION ALL SELECT MAX({qn(column)}) FROM {qn(table)})",
            [table],
        )
        start = (cursor.fetchone()[0] or 0) + 1
        if pipeline is not None:
            pipeline.next_id[table] = start + count
    return range(start, start + count)


def insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    ready=(),
    same: Mapping[str, object] | None = None,
) -> int:
    """INSERT the rows (tuples of attribute values, in the order of columns, by attname).

    ready: the columns whose values are already database values (see db_value, adapter), or
    True when all of them are. same: columns (by attname) whose value, a database value, is
    the same in every row: on SQLite they are sent once per statement, not once per row.
    """
    connection = _connection()
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    same = dict(same or {})
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    names = ", ".join(qn(f.column) for f in [*fields, *(by_attname[name] for name in same)])
    if connection.vendor == "postgresql":
        return _copy_rows(connection, f"COPY {table} ({names}) FROM STDIN", iter(rows), tuple(same.values()))
    statements = _SqliteStatements(connection, table=table, names=names, width=len(fields), same=len(same))
    adapters = [] if ready is True else _adapters(fields, ready, connection)
    return _insert_rows(connection, statements, iter(rows), adapters=adapters, same_values=tuple(same.values()))


def _adapters(fields: list[models.Field], ready, connection) -> list:
    """(index, adapter) of each column whose values the driver does not take as they are."""
    return [
        (i, a)
        for i, a in ((i, _adapter(f, connection)) for i, f in enumerate(fields) if f.attname not in ready)
        if a is not None
    ]


def _copy_rows(connection, copy_sql: str, rows: Iterator[tuple], same_values: tuple) -> int:
    """COPY: the fastest way into PostgreSQL; psycopg adapts each value itself. (It bypasses
    Django's execute wrappers, so a query counter sees nothing of it.)"""
    count = 0
    with connection.cursor() as cursor, connection.wrap_database_errors:  # (Django's exceptions)
        while batch := list(islice(rows, BATCH_SIZE)):
            with cursor.cursor.copy(copy_sql) as copy:
                for row in batch:
                    copy.write_row((*row, *same_values) if same_values else row)
            count += len(batch)
    return count


class _SqliteStatements:
    """The INSERT statements of one insert on SQLite: multi-row VALUES, ROWS_PER_STATEMENT
    rows a statement (fewer if the library allows fewer variables), a third faster than
    executemany of a one-row statement. Values the same in every row are selected once
    beside the VALUES."""

    def __init__(self, connection, *, table: str, names: str, width: int, same: int):
        one = "({})".format(", ".join(["%s"] * width))
        self.per_statement = max(1, min(ROWS_PER_STATEMENT, BATCH_SIZE, (_variable_limit(connection) - same) // width))
        # One statement of per_statement rows (the driver keeps it prepared); a shorter batch,
        # the last, goes row by row through executemany rather than as a statement of its own
        # length (each length would be another large statement in the driver's cache).
        values = ", ".join([one] * self.per_statement)
        if same:
            selected = ", ".join([f"column{i}" for i in range(1, width + 1)] + ["%s"] * same)
            self.full = f"INSERT INTO {table} ({names}) SELECT {selected} FROM (VALUES {values})"
        else:
            self.full = f"INSERT INTO {table} ({names}) VALUES {values}"
        self.one_row = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * (width + same))})"
        # The statement in the driver's style (no literal % in it).
        self.converted = {self.full: self.full.replace("%s", "?")}


def _insert_rows(
    connection, statements: _SqliteStatements, rows: Iterator[tuple], *, adapters: list, same_values: tuple
) -> int:
    """The rows, a statement at a time: on the pipeline when there is one, else on a cursor
    of this insert's own."""
    per_statement, count = statements.per_statement, 0
    pipeline = _current()
    with ExitStack() as stack:
        if pipeline is None:
            cursor = stack.enter_context(connection.cursor())
            stack.enter_context(statements_looked_up(cursor.cursor, statements.converted))
        batch: list[Sequence[Any]]
        while batch := list(islice(rows, per_statement)):
            if adapters:
                batch = [_adapted(row, adapters) for row in batch]
            if len(batch) == per_statement:
                params = [*same_values, *(value for row in batch for value in row)]
                if pipeline is not None:
                    pipeline.run(statements.converted[statements.full], params)
                else:
                    cursor.execute(statements.full, params)
            else:
                if same_values:
                    batch = [(*row, *same_values) for row in batch]
                if pipeline is not None:
                    pipeline.run(statements.one_row.replace("%s", "?"), batch, many=True)
                else:
                    cursor.executemany(statements.one_row, batch)
            count += len(batch)
    return count


def _variable_limit(connection) -> int:
    """The most parameters an SQLite statement may have: the library's own limit (Django's
    max_query_params says 999, the limit before SQLite 3.32, whatever the library)."""
    try:
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # Python before 3.11
        return connection.features.max_query_params


def _adapted(row: Sequence[Any], adapters) -> list:
    values = list(row)
    for i, adapt in adapters:
        values[i] = adapt(values[i])
    return values


def analyze(tables: Iterable[type[models.Model]]) -> None:
    """After a large import, PostgreSQL's statistics of the models' tables are refreshed
    (ANALYZE, in the import's transaction), as its manual advises after a bulk load: until
    autovacuum gets to them, its planner would plan for the tables as they were (an export
    of 100k claims just imported took 11 s instead of 2 with the statistics of empty
    tables). Nothing on SQLite, whose planner keeps no statistics unless asked to."""
    connection = _connection()
    if connection.vendor != "postgresql":
        return
    flush()
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def consecutive(ids: Sequence[int]) -> range | None:
    """The keys as a range when they follow each other (as reserve_ids gives them unless
    another transaction took keys from the same sequence meanwhile), else None."""
    if isinstance(ids, range) and ids.step == 1:
        return ids
    if ids and all(b == a + 1 for a, b in zip(ids, ids[1:])):
        return range(ids[0], ids[-1] + 1)
    return None


def insert_select(model: type[models.Model], columns: Sequence[str], select: str, params: Sequence) -> None:
    """INSERT INTO the model's table (columns, by attname) the rows of an SQL SELECT (with %s
    parameters): rows the database copies from rows it already has, which never pass
    through Python. On the pipeline when there is one (see pipelined), after what is queued."""
    connection = _connection()
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    qn = connection.ops.quote_name
    names = ", ".join(qn(by_attname[name].column) for name in columns)
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) {select}"
    if (pipeline := _current()) is not None:
        pipeline.run(sql.replace("%s", "?"), list(params))  # (the driver's style; no literal % in it)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def copy_to_history(
    model: type[models.Model],
    *,
    ids: range,
    history_type: str,
    history_date,
    user_id: int | None,
    history_ids: range | None = None,
) -> None:
    """The history rows of the model's rows whose primary keys are ids, as insert_history
    writes them, copied by the database from the rows themselves (a claim's statement is
    not sent twice). history_ids: their history rows' keys, in the same order; else the
    history table gives them its next keys."""
    if not ids:
        return
    history = history_model(model)
    connection = _connection()
    qn = connection.ops.quote_name
    columns = history_columns(model)
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    pk = qn(model._meta.pk.column)
    selected = [qn(by_attname[name].column) for name in columns[1:-4]]
    params: list = []
    if history_ids is None:
        columns = columns[1:]
    else:
        if len(history_ids) != len(ids):
            raise ValueError("copy_to_history: as many history keys as rows, please")
        selected.insert(0, f"{pk} + %s")
        params.append(history_ids.start - ids.start)
    params += [db_value(history, "history_date", history_date), history_type, user_id, ids.start, ids.stop - 1]
    insert_select(
        history,
        columns,
        (f"SELECT {', '.join(selected)}, %s, '', %s, %s FROM {qn(model._meta.db_table)} WHERE {pk} BETWEEN %s AND %s"),
        params,
    )


def copy_links_to_history(
    through: type[models.Model], m2m_history: type[models.Model], *, owner: str, ids: range, history_offset: int
) -> None:
    """The m2m history rows of the links (rows of a many-to-many table) with these keys,
    copied by the database: each link's columns, and the key of its owner's history row,
    which is the owner's key (the link's column `owner`, an attname) + history_offset."""
    qn = _connection().ops.quote_name
    fields = through._meta.concrete_fields
    column = {f.attname: qn(f.column) for f in fields}
    insert_select(
        m2m_history,
        [*column, "history_id"],
        (
            f"SELECT {', '.join(column.values())}, {column[owner]} + %s FROM {qn(through._meta.db_table)} "
            f"WHERE {column[through._meta.pk.attname]} BETWEEN %s AND %s"
        ),
        [history_offset, ids.start, ids.stop - 1],
    )


@functools.cache
def history_model(model: type[models.Model]) -> type[models.Model]:
    """The model's simple_history model. (model.history builds a new manager class on each
    read, which costs more than the INSERT it is read for.)"""
    return model.history.model


def history_columns(model: type[models.Model]) -> list[str]:
    """The columns of insert_history's rows: the history's primary key, the tracked fields
    (in the order of the model's concrete fields), then the history's own."""
    history = history_model(model)
    if hasattr(history, "history_relation"):
        raise NotImplementedError("history_relation is not supported by insert_history")
    return [
        history._meta.pk.attname,
        *(f.attname for f in history.tracked_fields),
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
    ]


def insert_history(
    model: type[models.Model],
    objs: Iterable,
    *,
    history_type: str,
    history_date,
    user_id: int | None,
    history_ids: Iterable[int],
    value=getattr,
    ready=(),
) -> None:
    """The history rows of saved instances, as bulk_history_create writes them ("+" or "~").

    objs: saved instances, or any rows from which value(row, attname) reads each field.
    history_ids: their history rows' primary keys, in order (see reserve_ids).
    """
    history = history_model(model)
    columns = history_columns(model)
    tracked = columns[1:-4]
    history_date = db_value(history, "history_date", history_date)
    insert(
        history,
        columns,
        (
            (history_id, *(value(obj, name) for name in tracked), history_date, "", history_type, user_id)
            for history_id, obj in zip(history_ids, objs)
        ),
        ready={"history_date", *ready},
    )
