"""Plain multi-row INSERTs for the importers, history rows included.

Django's bulk_create builds a model instance and compiles every value of every row through
the field machinery, which at 100k claims with their citations, people and history (about
a million rows) costs more than everything else of an import together. Here the rows are
tuples of values adapted once per distinct value and sent with executemany, BATCH_SIZE rows
a statement. The values are those the importer validated with the models' rules; the
history rows are those simple_history's bulk_history_create would write (same columns, one
history date, the importing user, no change reason).

These functions must run inside the import's transaction.atomic().
"""

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connection, models

from .reading import BATCH_SIZE


def _adapter(field: models.Field):
    """value -> database value; memoised per field, for the few kinds of value that need it."""
    if not isinstance(field, (models.DateField, models.DateTimeField, models.TimeField, models.DecimalField,
                              models.UUIDField, models.JSONField, models.BinaryField)):
        return None  # str, int, bool and None go to the driver as they are
    memo: dict = {}

    def adapt(value):
        if value is None:
            return None
        try:
            return memo[value]
        except KeyError:
            memo[value] = result = field.get_db_prep_save(value, connection)
            return result

    return adapt


def db_value(model: type[models.Model], name: str, value):
    """The value of the field (by attname) as the database takes it, e.g. a datetime on SQLite."""
    field = next(f for f in model._meta.concrete_fields if f.attname == name)
    return field.get_db_prep_save(value, connection)


def insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple], *, ready=()) -> int:
    """INSERT the rows (tuples of attribute values, in the order of columns, by attname).

    ready: the columns whose values are already database values (see db_value).
    """
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    adapters = [(i, a) for i, a in ((i, _adapter(f)) for i, f in enumerate(fields) if f.attname not in ready)
                if a is not None]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    count = 0
    rows = iter(rows)
    if connection.vendor == "postgresql":
        # COPY: the fastest way in; psycopg adapts each value itself. (It bypasses Django's
        # execute wrappers, so a query counter sees nothing of it.)
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
        )
        with connection.cursor() as cursor:
            # A batch at a time: rows may come from queries (rows_after), which cannot run mid-COPY.
            while batch := list(islice(rows, BATCH_SIZE)):
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
                count += len(batch)
        return count
    with connection.cursor() as cursor:  # SQLite runs one prepared statement over many rows
        while batch := list(islice(rows, BATCH_SIZE)):
            if adapters:
                batch = [_adapted(row, adapters) for row in batch]
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _adapted(row: tuple, adapters) -> list:
    row = list(row)
    for i, adapt in adapters:
        row[i] = adapt(row[i])
    return row


def insert_objects(model: type[models.Model], objs: Sequence[models.Model], *, ready=()) -> None:
    """INSERT unsaved instances as they are (every concrete field but the primary key)."""
    columns = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    insert(model, columns, (tuple(getattr(obj, name) for name in columns) for obj in objs), ready=ready)


def insert_history(model: type[models.Model], objs: Iterable, *, history_type: str,
                   history_date, user_id: int | None, value=getattr, ready=()) -> None:
    """The history rows of saved instances, as bulk_history_create writes them ("+" or "~").

    objs: saved instances, or any rows from which value(row, attname) reads each field.
    """
    history = model.history.model
    if hasattr(history, "history_relation"):
        raise NotImplementedError("history_relation is not supported by insert_history")
    tracked = [f.attname for f in history.tracked_fields]
    columns = tracked + ["history_date", "history_change_reason", "history_type", "history_user_id"]
    history_date = db_value(history, "history_date", history_date)
    insert(history, columns, (
        (*(value(obj, name) for name in tracked), history_date, "", history_type, user_id) for obj in objs
    ), ready={"history_date", *ready})


def last_pk(model: type[models.Model]) -> int:
    """The highest primary key so far: rows inserted after this call have higher ones.

    (A sequence or SQLite's rowid only grows; a concurrent transaction's rows may also be
    above it, so callers keep only the rows they recognise as their own.)
    """
    pk = model._meta.pk.attname
    return model._default_manager.aggregate(last=models.Max(pk))["last"] or 0


def rows_after(model: type[models.Model], after: int, *fields: str):
    """values_list(pk, *fields) of the rows with a primary key above after, BATCH_SIZE at a time."""
    queryset = model._default_manager.order_by("pk")
    while True:
        batch = list(queryset.filter(pk__gt=after).values_list("pk", *fields)[:BATCH_SIZE])
        yield from batch
        if len(batch) < BATCH_SIZE:
            return
        after = batch[-1][0]
