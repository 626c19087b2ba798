"""python manage.py create_user NAME --role reviewer [--role editor] [--staff]"""

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.models import User
from claims.roles import Role
from claims.services import user_create

ROLE_BY_NAME = {role.value.lower(): role for role in Role}


def role_argument(text: str) -> Role:
    try:
        return ROLE_BY_NAME[text.strip().lower()]
    except KeyError:
        raise CommandError(f"unknown role {text!r}; choose from {', '.join(ROLE_BY_NAME)}.") from None


class Command(BaseCommand):
    help = (
        "Create a login account with one or more roles. The password is read from the environment "
        "variable named by --password-env (default ANNOTATOR_PASSWORD) or asked for at the terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            metavar="ROLE",
            help="researcher, reviewer or editor; repeat for several.",
        )
        parser.add_argument("--staff", action="store_true", help="May use the admin site for data entry.")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            default="ANNOTATOR_PASSWORD",
            metavar="VAR",
            help="Environment variable holding the password (default: %(default)s).",
        )

    def handle(self, *args, username, role, staff, email, password_env, **options):
        roles = [role_argument(r) for r in role]
        if not roles and not staff:
            raise CommandError("give at least one --role (researcher, reviewer, editor) or --staff.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"a user named {username!r} already exists; nothing was changed.")
        password = os.environ.get(password_env) or self._ask_password(password_env)
        try:
            user = user_create(username=username, password=password, role_names=roles, is_staff=staff, email=email)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        held = ", ".join(r.value for r in roles) or "no role"
        self.stdout.write(f"Created {user.username} ({held}{', staff' if staff else ''}).")

    def _ask_password(self, password_env: str) -> str:
        if not sys.stdin.isatty():
            raise CommandError(f"no password: set {password_env} or run the command in a terminal to be asked.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ; nothing was changed.")
        if not first:
            raise CommandError("the password is empty; nothing was changed.")
        return first
