"""Settings come from the environment; junk is refused with a message naming the variable."""

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"SECRET_KEY": "not-a-real-secret-for-this-test", "DEBUG": "0"}


def fresh_settings(shown: str, *, dropped: Iterable[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter, as a starting server would, in this shell's
    environment without the variables dropped and with env; it prints `shown`, an expression
    of the settings `s` ("s.DEBUG, s.ALLOWED_HOSTS")."""
    clean = {k: v for k, v in os.environ.items() if k not in set(dropped)}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; print({shown})"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "annotator.settings", **env},
    )


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return fresh_settings(
        "s.DEBUG, s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.DATABASES['default']['ENGINE'], "
        "s.DATABASES['default']['NAME']",
        dropped={"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL"},
        env=env,
    )


def test_defaults_are_sqlite_in_the_project_folder_with_debug_off():
    result = load_settings(**GOOD)
    assert result.returncode == 0, result.stderr
    debug, *_rest = result.stdout.split(" ", 1)
    assert debug == "False"
    assert "django.db.backends.sqlite3" in result.stdout
    assert str(ROOT / "db.sqlite3") in result.stdout


def test_debug_off_without_secret_key_refuses_to_start_and_says_why():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_on_without_secret_key_starts_with_a_throwaway_key():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True ['localhost', '127.0.0.1', '[::1]']")


def test_postgres_url_selects_postgresql():
    result = load_settings(**GOOD, DATABASE_URL="postgres://postgres@127.0.0.1:5432/annotator")
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql annotator" in result.stdout


def test_hosts_and_origins_are_read_as_lists():
    result = load_settings(
        **GOOD, ALLOWED_HOSTS="annotator.example.org,localhost", CSRF_TRUSTED_ORIGINS="https://annotator.example.org"
    )
    assert result.returncode == 0, result.stderr
    assert "['annotator.example.org', 'localhost'] ['https://annotator.example.org']" in result.stdout


@pytest.mark.parametrize(
    "variable,value,message",
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "mysql://root@localhost/annotator", "only sqlite:///PATH and postgres://"),
        ("DATABASE_URL", "annotator.db", "only sqlite:///PATH and postgres://"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/", "names no database"),
        ("ALLOWED_HOSTS", "example.org,,localhost", "has an empty entry"),
        ("CSRF_TRUSTED_ORIGINS", "annotator.example.org", "is not an origin"),
        ("CSRF_TRUSTED_ORIGINS", "https://example.org/path", "is not an origin"),
    ],
)
def test_junk_values_are_refused_naming_the_variable(variable, value, message):
    result = load_settings(**{**GOOD, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


UPLOAD_SETTINGS = ("MAX_UPLOAD_MB", "CSV_MAX_ROWS", "CSV_MAX_COLUMNS", "CSV_MAX_CELL_BYTES", "PENDING_UPLOADS_DIR")


def upload_settings(**env: str) -> subprocess.CompletedProcess:
    """The upload and CSV limits as a fresh interpreter reads them from this environment."""
    return fresh_settings(
        "s.MAX_UPLOAD_BYTES, s.CSV_MAX_ROWS, s.CSV_MAX_COLUMNS, s.CSV_MAX_CELL_BYTES, s.PENDING_UPLOADS_DIR",
        dropped={*UPLOAD_SETTINGS, "SECRET_KEY", "DEBUG"},
        env={**GOOD, **env},
    )


def test_upload_and_csv_limits_have_defaults_and_come_from_the_environment():
    defaults = upload_settings()
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.split() == [
        str(50 * 1048576),
        "200000",
        "100",
        str(10 * 1048576),
        str(ROOT / "var" / "uploads"),
    ]
    chosen = upload_settings(
        MAX_UPLOAD_MB="200",
        CSV_MAX_ROWS="1_000_000",
        CSV_MAX_COLUMNS="20",
        CSV_MAX_CELL_BYTES="4096",
        PENDING_UPLOADS_DIR="/srv/annotator/uploads",
    )
    assert chosen.stdout.split() == [str(200 * 1048576), "1000000", "20", "4096", "/srv/annotator/uploads"]


@pytest.mark.parametrize(
    "variable,value,message",
    [
        ("MAX_UPLOAD_MB", "fifty", "MAX_UPLOAD_MB='fifty' is not a whole number"),
        ("MAX_UPLOAD_MB", "2.5", "MAX_UPLOAD_MB='2.5' is not a whole number"),
        ("CSV_MAX_ROWS", "0", "CSV_MAX_ROWS='0' is less than 1"),
        ("CSV_MAX_CELL_BYTES", "-1", "CSV_MAX_CELL_BYTES='-1' is less than 1"),
    ],
)
def test_junk_limits_are_refused_naming_the_variable(variable, value, message):
    result = upload_settings(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
