"""The CSV commands: import_claims, export_claims, import_sources, export_sources."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Claim, Source
from tests.csv_support import CSV_DIR, exported_claims, exported_sources, rows_and_history, seeded, sources  # noqa: F401

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def path(name: str) -> str:
    return str(CSV_DIR / name)


# --- Import -------------------------------------------------------------------------------


def test_import_claims_prints_a_one_line_summary(sources, editor):
    assert run("import_claims", path("claims.csv"), "--user", editor.username) == "created 3, updated 0, unchanged 0\n"
    assert run("import_claims", path("claims_cp1251.csv")) == "created 0, updated 0, unchanged 3\n"
    assert Claim.objects.get(key="verdict-read-at-night").created_by == editor


def test_import_sources_prints_a_one_line_summary(db):
    assert run("import_sources", path("sources.csv")) == "created 2, updated 0, unchanged 0\n"
    assert run("import_sources", path("sources.csv")) == "created 0, updated 0, unchanged 2\n"


def test_a_dry_run_reports_the_counts_and_writes_nothing(sources):
    before = rows_and_history()
    output = run("import_claims", path("claims.csv"), "--dry-run")
    assert output == "dry run, nothing written: created 3, updated 0, unchanged 0\n"
    assert rows_and_history() == before


def test_a_named_encoding_is_used(sources):
    output = run("import_claims", path("claims_cp1251.csv"), "--encoding", "cp1251")
    assert output == "created 3, updated 0, unchanged 0\n"
    assert Claim.objects.get(key="military-plot-existed").statement.startswith("Заговор существовал")


def test_a_bad_file_fails_listing_every_bad_row_and_writes_nothing(sources):
    before = rows_and_history()
    with pytest.raises(CommandError) as failure:
        run("import_claims", path("error_several_bad_rows.csv"))
    message = str(failure.value)
    assert "nothing was imported; 3 problem(s)" in message
    assert "row 3, column kind: Value 'rumour' is not a valid choice" in message
    assert "row 5, column sources: Unknown source key 'no-such-source-2000'" in message
    assert "row 6, column event_date: 'June 1938' is not a valid EDTF date" in message
    assert rows_and_history() == before


def test_a_bad_sources_file_fails_and_writes_nothing(db):
    with pytest.raises(CommandError, match="row 3, column kind"):
        run("import_sources", path("error_sources_invalid.csv"))
    assert Source.objects.count() == 0


def test_a_researcher_may_not_import_and_is_told_the_role_needed(sources, researcher):
    with pytest.raises(CommandError, match="Editor role"):
        run("import_claims", path("claims.csv"), "--user", researcher.username)
    with pytest.raises(CommandError, match="Editor role"):
        run("import_sources", path("sources.csv"), "--user", researcher.username)
    assert Claim.objects.count() == 0


def test_an_unknown_user_or_a_missing_file_is_an_error(sources):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        run("import_claims", path("claims.csv"), "--user", "nobody")
    with pytest.raises(CommandError, match="cannot read"):
        run("import_claims", path("no-such-file.csv"))


def test_the_real_command_exits_non_zero_and_lists_every_bad_row_without_a_traceback(tmp_path):
    # A database of its own: the test's database is not visible to another process.
    env = {**os.environ, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert manage("migrate", "--verbosity", "0").returncode == 0
    imported = manage("import_sources", path("sources.csv"))
    assert (imported.returncode, imported.stdout) == (0, "created 2, updated 0, unchanged 0\n")

    failed = manage("import_claims", path("error_several_bad_rows.csv"))
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr
    assert "nothing was imported" in failed.stderr
    for problem in (
        "row 3, column kind: Value 'rumour' is not a valid choice",
        "row 5, column sources: Unknown source key 'no-such-source-2000'",
        "row 6, column event_date: 'June 1938' is not a valid EDTF date",
    ):
        assert problem in failed.stderr
    assert failed.stdout == ""


# --- Export -------------------------------------------------------------------------------


def test_export_claims_writes_to_standard_output_without_a_path(seeded):
    assert run("export_claims") == exported_claims()


def test_export_claims_writes_the_same_bytes_to_a_file(seeded, tmp_path):
    target = tmp_path / "claims.csv"
    run("export_claims", str(target))
    assert target.read_bytes() == exported_claims().encode()


def test_export_claims_of_one_topic(seeded):
    text = run("export_claims", "--topic", "date-of-execution")
    assert text == exported_claims(topic="date-of-execution")
    assert text.count("\r\n") == Claim.objects.filter(topic__slug="date-of-execution").count() + 1
    with pytest.raises(CommandError, match="No topic has the slug 'no-such-topic'"):
        run("export_claims", "--topic", "no-such-topic")


def test_export_sources_to_standard_output_and_to_a_file(seeded, tmp_path):
    assert run("export_sources") == exported_sources()
    target = tmp_path / "sources.csv"
    run("export_sources", str(target))
    assert target.read_bytes() == exported_sources().encode()


def test_an_exported_file_imports_back_unchanged_through_the_commands(seeded, tmp_path):
    run("export_sources", str(tmp_path / "sources.csv"))
    run("export_claims", str(tmp_path / "claims.csv"))
    before = rows_and_history()
    sources_output = run("import_sources", str(tmp_path / "sources.csv"))
    claims_output = run("import_claims", str(tmp_path / "claims.csv"))
    assert sources_output == f"created 0, updated 0, unchanged {Source.objects.count()}\n"
    assert claims_output == f"created 0, updated 0, unchanged {Claim.objects.count()}\n"
    assert rows_and_history() == before


def test_a_user_without_a_role_may_not_export(seeded, outsider):
    with pytest.raises(CommandError, match="Exporting CSV needs"):
        run("export_claims", "--user", outsider.username)
    with pytest.raises(CommandError, match="Exporting CSV needs"):
        run("export_sources", "--user", outsider.username)
