"""The load test's short version: bench/load.py with 5 clients for 10 s, on gunicorn and PostgreSQL.

It runs the bench as a subprocess (its own Django, on its own database annotator_load_test_<pid>
next to DATABASE_URL's, made and dropped by the bench) and checks its verdicts: no errors, no
lost and no phantom writes, static files from whitenoise. Never a time: the figures are printed.

It runs on DATABASE_URL's PostgreSQL server, or on the local one (postgres@127.0.0.1:5432) when
the suite runs on SQLite. When that server does not answer, it fails under CI=true, and is
skipped with the reason on a developer's machine without PostgreSQL. CI runs it once, in its
PostgreSQL pass: its SQLite pass (LOAD_TEST_IN_POSTGRESQL_PASS=1, set by .ci/run) would run the
very same test on the very same server a second time.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"
CLIENTS, SECONDS = 5, 10


def _load_database_url() -> str:
    """A database of its own on the suite's PostgreSQL server, or on the local one when the
    suite runs on SQLite: the load test runs on PostgreSQL in both of CI's passes."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    server = parts.netloc if parts.scheme in {"postgres", "postgresql", "pgsql"} else "postgres@127.0.0.1:5432"
    return urlunsplit(("postgres", server, f"/annotator_load_test_{os.getpid()}", "", ""))


def _server_problem(url: str) -> str:
    """Why PostgreSQL cannot be used ("" when it answers)."""
    import psycopg

    parts = urlsplit(url)
    try:
        psycopg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL at {parts.netloc} is not reachable for the load test: {exc}".strip()
    return ""


@pytest.fixture(scope="module")
def load_run(tmp_path_factory):
    """The bench's figures and its process, or the reason it could not give them (each test then fails)."""
    if os.environ.get("LOAD_TEST_IN_POSTGRESQL_PASS") == "1" and not os.environ.get("DATABASE_URL"):
        pytest.skip("the load test runs on PostgreSQL in CI's PostgreSQL pass (.ci/run), not twice")
    url = _load_database_url()
    problem = _server_problem(url)
    if problem and not IN_CI:
        pytest.skip(problem)
    if problem:
        return None, problem + " (CI=true: PostgreSQL is required)"
    report = tmp_path_factory.mktemp("load") / "load.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--clients",
            str(CLIENTS),
            "--seconds",
            str(SECONDS),
            "--baseline-seconds",
            "0",
            "--database-url",
            url,
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if not report.exists():
        return None, (
            f"bench/load.py stopped with {result.returncode} before its verdict:\n{result.stdout}\n{result.stderr}"
        )
    return (json.loads(report.read_text()), result), ""


def figures_of(load_run):
    run, problem = load_run
    if problem:
        pytest.fail(problem, pytrace=False)
    figures, result = run
    print(result.stdout, result.stderr, sep="\n")  # shown when the test fails
    return figures, result


def test_researchers_at_work_get_no_errors(load_run):
    figures, result = figures_of(load_run)
    assert figures["requests"] > 0, result.stdout
    assert figures["errors"] == 0, figures["errors_by_kind"]


def test_every_write_a_client_was_told_was_saved_is_in_the_database(load_run):
    figures, result = figures_of(load_run)
    # Both kinds of write were made (the clients' choices are seeded, so this does not depend on luck).
    assert figures["writes"].get("annotation saved", 0) > 0, figures["writes"]
    assert figures["writes"].get("grade saved", 0) > 0, figures["writes"]
    assert figures["lost"] == 0, figures["lost_detail"]


def test_nothing_was_written_that_no_client_was_told_was_saved(load_run):
    figures, _ = figures_of(load_run)
    assert figures["phantom"] == 0, figures["phantom_detail"]


def test_static_files_come_from_whitenoise_gzipped(load_run):
    figures, result = figures_of(load_run)
    assert figures["static_encodings"] == {"gzip": CLIENTS}, result.stdout


def test_the_bench_says_pass(load_run):
    figures, result = figures_of(load_run)
    assert figures["passed"] is True
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS (target: 0 errors, 0 lost, 0 phantom writes)" in result.stdout
