"""What the CSV import and export commands share: the user, the file, the report."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.models import User


def find_user(username: str | None, *, required: bool) -> User | None:
    if not username:
        if required:
            raise CommandError("name the importing user with --user USERNAME (an Editor or staff account).")
        return None
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user named {username!r}.") from None


def _command_of(error) -> str:
    """In the shell, the import a row needs first is a command."""
    return f" (In the shell: manage.py import_{error.needs}.)" if error.needs else ""


class ImportCommand(BaseCommand):
    what = "rows"
    import_function: Callable[..., Any] | None = None  # set by the subclass

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file to import.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Record the changes under this Editor or staff account "
            "(default: no account, as for loaddata from the shell).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument(
            "--encoding", default=None, help="Force the file's encoding (default: UTF-8, else Windows-1251, detected)."
        )

    def handle(self, *args, path, user, dry_run, encoding, **options):
        actor = find_user(user, required=False)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}.") from None
        try:
            report = type(self).import_function(actor=actor, data=data, dry_run=dry_run, encoding=encoding)
        except PermissionDenied as exc:
            raise CommandError(f"{user}: {exc}") from None
        if report.errors:
            lines = [f"{path}: nothing was imported; {len(report.errors)} problem(s):"]
            lines += [f"  {error}{_command_of(error)}" for error in report.errors]
            raise CommandError("\n".join(lines))
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(prefix + report.summary)


class ExportCommand(BaseCommand):
    export_function: Callable[..., Any] | None = None

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="The CSV file to write (default: standard output).")
        parser.add_argument("--user", metavar="USERNAME", help="Export as this user (checks the role).")

    def export(self, out, actor, **options):
        return type(self).export_function(out=out, actor=actor)

    def handle(self, *args, path, user, **options):
        actor = find_user(user, required=False)
        try:
            if path:
                try:
                    with open(path, "w", encoding="utf-8", newline="") as out:
                        count = self.export(out, actor, **options)
                except OSError as exc:
                    raise CommandError(f"cannot write {path}: {exc.strerror or exc}.") from None
                self.stderr.write(f"wrote {count} rows to {path}")
            else:
                self.export(_Raw(self.stdout), actor, **options)
        except PermissionDenied as exc:
            raise CommandError(f"{user}: {exc}") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None


class _Raw:
    """Write to the command's stdout without its line-ending handling."""

    def __init__(self, wrapper):
        self.stream = wrapper._out

    def write(self, text: str) -> int:
        return self.stream.write(text)
