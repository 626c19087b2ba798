"""What the claims and sources importers share: the steps of an import (run_import),
permission, model validation, key checks."""

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

from django.core import validators
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.expressions import DatabaseDefault

from claims import roles
from claims.quoting import QUOTE_LIMIT, Bounded, quoted

from . import progress
from .reading import ImportReport, RowError, Table, parse_table

IMPORT_NEEDED = f"Importing CSV needs {roles.EDITOR_ROLE} (or a staff account)."
EXPORT_NEEDED = f"Exporting CSV needs {roles.CONTRIBUTOR_ROLES}."


def require_import(actor) -> None:
    """actor None: a trusted caller (manage.py in the shell); a user is checked."""
    if actor is not None and not roles.can_import_csv(actor):
        raise PermissionDenied(IMPORT_NEEDED)


class Discard(Exception):
    """Raised by an import's check_and_write: roll back what it wrote before a bad row was found."""


def run_import(
    check_and_write: Callable[[ImportReport, list, set[str], list[RowError]], None],
    *,
    actor,
    data: bytes,
    dry_run: bool,
    encoding: str | None,
    known: Iterable[str],
    required: Iterable[str],
    export_only: Iterable[str] = (),
    table: Callable[[], tuple[Table | None, list[RowError]]] | None = None,
) -> ImportReport:
    """The steps of every CSV import, all or nothing: the permission (require_import), the file
    read and its header checked (parse_table), keys given twice, then check_and_write(report,
    rows, columns, errors), which checks each row and (unless a dry run) writes, adding what
    is wrong to errors. With any errors the report holds them, sorted, and no rows: what was
    written is rolled back (check_and_write raises Discard to stop at once). table: what reads
    the rows instead of parse_table, for a file of another format (claims/refs/importing.py)."""
    require_import(actor)
    report = ImportReport(dry_run=dry_run)
    if table is None:
        read, errors = parse_table(data, encoding=encoding, known=known, required=required, export_only=export_only)
    else:
        read, errors = table()
    if read is None:
        report.errors = errors
        return report
    errors += repeated_keys(read.rows)
    rows, columns = read.rows, set(read.header)
    progress.total(len(rows))
    del read  # (what the parse kept besides the rows can go)
    try:
        # A writing import reads the records it compares inside its transaction, so that no edit
        # can come between what it read and what it writes (SQLite: the transaction holds the
        # write lock from its start; PostgreSQL: the stored records are locked as they are read).
        with nullcontext() if dry_run else transaction.atomic():
            check_and_write(report, rows, columns, errors)
            if errors:
                raise Discard
    except Discard:
        pass
    if errors:
        report.errors = sorted(errors, key=lambda e: (e.row, e.column))
        report.rows, report.versions = [], {}
    return report


def require_export(actor) -> None:
    """actor None: a trusted caller (the shell); a user is checked."""
    if actor is not None and not roles.can_export_csv(actor):
        raise PermissionDenied(EXPORT_NEEDED)


def _choice_hint(instance: models.Model, name: str) -> str:
    try:
        field = instance._meta.get_field(name)
    except Exception:
        return ""
    if field.choices:
        return " Choose from: " + ", ".join(str(value) for value, _ in field.choices) + "."
    return ""


def model_errors(
    instance: models.Model, *, row: int, exclude: list[str], column_of=None, memo: dict | None = None
) -> list[RowError]:
    """The model's own rules (clean_fields, then clean) as row errors, without queries.

    Foreign keys are excluded by the caller: validating them would query per row.
    memo: a dict the caller keeps for one import, mapping (field name, value) to the
    outcome of that field's clean(), for the fields named in memo["fields"]: choices and
    EDTF dates repeat from row to row, and their validation depends on the value alone.
    """
    errors: list[RowError] = []
    column_of = column_of or {}
    try:
        _clean_fields(instance, exclude, memo) if memo is not None else instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for name, messages in _messages(exc).items():
            for message in messages:
                if "is not a valid choice" in message:
                    message += _choice_hint(instance, name)
                errors.append(RowError(row, column_of.get(name, name), message))
    if errors:
        return errors
    try:
        instance.clean()
    except ValidationError as exc:
        for name, messages in _messages(exc).items():
            for message in messages:
                errors.append(RowError(row, "" if name == "__all__" else column_of.get(name, name), message))
    return errors


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    """exc.message_dict, with each long value a message quotes (Django's "Value %(value)r is
    not a valid choice.") cut to QUOTE_LIMIT characters: a cell may be megabytes."""
    rendered: dict[str, list[str]] = {}
    for name, errors in exc.update_error_dict({}).items():
        for error in errors:
            message, params = error.message, error.params
            if params:
                message %= {
                    key: Bounded(value) if isinstance(value, str) and len(value) > QUOTE_LIMIT else value
                    for key, value in params.items()
                }
            rendered.setdefault(name, []).append(str(message))
    return rendered


def _clean_fields(instance: models.Model, exclude, memo: dict) -> None:
    """Model.clean_fields(exclude), the same loop, with each memoised field's clean() looked up."""
    cached = memo.setdefault("fields", frozenset())
    errors = {}
    for f in instance._meta.fields:
        if f.name in exclude or f.generated:
            continue
        raw_value = getattr(instance, f.attname)
        if f.blank and raw_value in f.empty_values:
            continue
        if isinstance(raw_value, DatabaseDefault):
            continue
        if f.name in cached:
            ok, outcome = _memo_outcome(f, raw_value, memo, instance)
            if ok:
                setattr(instance, f.attname, outcome)
            else:
                errors[f.name] = outcome
            continue
        try:
            setattr(instance, f.attname, f.clean(raw_value, instance))
        except ValidationError as e:
            errors[f.name] = e.error_list
    if errors:
        raise ValidationError(errors)


def repeated_keys(rows, column: str = "key") -> list[RowError]:
    first: dict[str, int] = {}
    errors = []
    for number, cells in rows:
        key = cells.get(column, "").strip()
        if not key:
            continue
        if key in first:
            errors.append(
                RowError(number, column, f"The key {quoted(key)} is repeated; it first appears in row {first[key]}.")
            )
        else:
            first[key] = number
    return errors


def _memo_outcome(field: models.Field, value, memo: dict, instance: models.Model) -> tuple[bool, object]:
    """(True, field.clean(value)) or (False, its errors), remembered per field and value."""
    try:
        return memo[field.name, value]
    except KeyError:
        try:
            outcome = True, field.clean(value, instance)
        except ValidationError as e:
            outcome = False, e.error_list
        memo[field.name, value] = outcome
        return outcome


def memo_clean(field: Any, value, memo: dict, instance: models.Model) -> bool:
    """Whether field.clean(value) passes, through the memo _clean_fields keeps (same entries)."""
    return _memo_outcome(field, value, memo, instance)[0]


def quick_check(field: models.Field):
    """A function value -> True when the field's validators surely accept the string value
    (max length, regular expressions), or None when the field has other validators. Its
    False only means "ask the field": the caller then runs the model's own validation, for
    its messages."""
    checks = []
    for validator in field.validators:
        if isinstance(validator, validators.MaxLengthValidator) and isinstance(validator.limit_value, int):
            limit = validator.limit_value
            checks.append(lambda value, limit=limit: len(value) <= limit)
        elif isinstance(validator, validators.RegexValidator) and not validator.inverse_match:
            checks.append(validator.regex.search)
        else:
            return None
    return lambda value: all(check(value) for check in checks)


# --- Rows changed between a preview and its confirm ------------------------------------

PREVIEW_AGAIN = "Nothing was written: preview the file again to see what it would do now, then confirm."


def compare_versions(
    report,
    model: type[models.Model],
    rows,
    stored: dict,
    errors: list[RowError],
    *,
    dry_run: bool,
    expected: dict[str, int] | None,
) -> bool:
    """A dry run notes the version of each key's stored record in the report; a confirm of it
    (expected: those versions) adds an error for each row changed since. True if there are any."""
    if dry_run:
        report.versions = versions_seen(rows, stored)
    if expected is None:
        return False
    changed = changed_since_preview(model, rows, stored, expected)
    errors += changed
    report.changed_since_preview = bool(changed)
    return bool(changed)


def versions_seen(rows, stored: dict) -> dict[str, int]:
    """key -> the version of its stored record (0 when there is none), for every key of the file."""
    versions = {}
    for _, cells in rows:
        key = cells["key"].strip()
        if key:
            record = stored.get(key)
            versions[key] = record.version if record is not None else 0
    return versions


def changed_since_preview(model: type[models.Model], rows, stored: dict, expected: dict[str, int]) -> list[RowError]:
    """An error for each row whose record is not at the version its preview saw: changed,
    created or deleted since, naming who did it and when (from the record's history)."""
    changed = []  # (row, key, version seen, record now or None)
    for number, cells in rows:
        key = cells["key"].strip()
        if not key:
            continue
        record = stored.get(key)
        seen = expected.get(key, 0)
        if seen != (record.version if record is not None else 0):
            changed.append((number, key, seen, record))
    if not changed:
        return []
    name = model._meta.verbose_name
    by_pk: dict[int, list[tuple]] = {}  # record pk -> its history rows (version, date, username)
    pks = [record.pk for _, _, _, record in changed if record is not None]
    for start in range(0, len(pks), 1000):
        for pk, version, date, username in model.history.filter(id__in=pks[start : start + 1000]).values_list(
            "id", "version", "history_date", "history_user__username"
        ):
            by_pk.setdefault(pk, []).append((version, date, username))
    deleted: dict[str, tuple] = {}  # key -> (date, username) of its latest deletion
    gone = [key for _, key, _, record in changed if record is None]
    for start in range(0, len(gone), 1000):
        for key, date, username in (
            model.history.filter(key__in=gone[start : start + 1000], history_type="-")
            .order_by("history_date")
            .values_list("key", "history_date", "history_user__username")
        ):
            deleted[key] = (date, username)
    errors = []
    for number, key, seen, record in changed:
        if record is None:
            when = [deleted[key]] if key in deleted else []
            what = f"The {name} {quoted(key)} was deleted"
        else:
            when = [(date, username) for version, date, username in by_pk.get(record.pk, []) if version > seen]
            what = f"The {name} {quoted(key)} was created" if seen == 0 else f"The {name} {quoted(key)} was changed"
        errors.append(RowError(number, "key", f"{what}{_by_whom(when)} after your preview. {PREVIEW_AGAIN}"))
    return errors


def _by_whom(changes: list[tuple]) -> str:
    """by edith_editor, emil_editor (last on 2026-12-01 14:05 UTC)"""
    if not changes:
        return ""
    names = sorted({username or "the shell (no account)" for _, username in changes})
    last = max(date for date, _ in changes)
    return f" by {', '.join(names)} (last on {last:%Y-%m-%d %H:%M} UTC)"
