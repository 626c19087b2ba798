"""Create or refresh the demo logins that `make run` prints: researcher, reviewer, editor, admin.

Passwords are random, kept in a git-ignored file so that they stay the same from one
`make run` to the next; running the command again duplicates nothing.
"""

import secrets
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.models import User
from claims.roles import Role

DEMO_ACCOUNTS = [
    # username, roles, staff admin
    ("researcher", [Role.RESEARCHER], False),
    ("reviewer", [Role.REVIEWER], False),
    ("editor", [Role.EDITOR], False),
    ("admin", [], True),
]


def _read_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
    return {name.strip(): password.strip() for name, password in pairs}


class Command(BaseCommand):
    help = "Create (or reset to the remembered passwords) the demo accounts, and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password-file",
            default=".demo-passwords",
            type=Path,
            help="Where the generated passwords are kept (default: %(default)s).",
        )
        parser.add_argument(
            "--address",
            default="127.0.0.1:8000",
            help="The host:port the app is served on, for the login address printed (default: %(default)s).",
        )

    @transaction.atomic
    def handle(self, *args, password_file: Path, address: str, **options):
        passwords = _read_passwords(password_file)
        for username, roles, staff in DEMO_ACCOUNTS:
            password = passwords.setdefault(username, secrets.token_urlsafe(12))
            user, _ = User.objects.get_or_create(username=username)
            # The demo admin also manages accounts, which Django's user admin reserves to superusers.
            user.is_staff = user.is_superuser = staff
            user.is_active = True
            user.set_password(password)
            user.save()
            user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
        password_file.write_text("".join(f"{name}:{pw}\n" for name, pw in passwords.items()))
        password_file.chmod(0o600)
        self.stdout.write(f"Demo accounts (log in at http://{address}/accounts/login/; admin also at /admin/):")
        for username, roles, staff in DEMO_ACCOUNTS:
            what = "staff admin" if staff else ", ".join(r.value for r in roles)
            self.stdout.write(f"  {username:<11} {passwords[username]:<18} {what}")
