"""Large CSV imports and exports run as background jobs (issue 11): django-tasks' database
backend and its own worker (`manage.py db_worker --batch`, run here for real), a progress
bar fed by JSON, the report or file kept for the user who started the job, and nobody else."""

import datetime
import re
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from claims import jobs
from claims.models import Claim
from tests.csv_support import rows_and_history
from tests.jobs_support import run_worker

# Real commits: the worker's loop closes the connection between jobs, as it does in production.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # (the role groups)

ROWS = 60  # rows of a "large" file here: the setting is lowered for these tests


@pytest.fixture(autouse=True)
def small_background_threshold(settings):
    settings.CSV_BACKGROUND_ROWS = 20


def claims_file(n: int, prefix: str = "bg", topic: str = "Background imports") -> bytes:
    lines = ["key,topic,statement"] + [f"{prefix}-{i:05d},{topic},Statement {i} of a long file." for i in range(n)]
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(client: Client, data: bytes, url: str = "/claims/import/"):
    from io import BytesIO

    handle = BytesIO(data)
    handle.name = "long.csv"
    return client.post(url, {"file": handle, "encoding": ""})


def job_of(response) -> str:
    assert response.status_code == 302, response.content[:500]
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_large_import_is_checked_and_written_in_the_background_and_its_report_is_its_owners_only(
    editor, second_editor
):
    client = logged_in(editor)
    check = job_of(upload(client, claims_file(ROWS)))
    waiting = client.get(f"/jobs/{check}/").content.decode()
    assert "<progress" in waiting and "Waiting for the worker" in waiting
    assert 'src="/static/claims/progress.js"' in waiting
    assert not Claim.objects.exists()

    run_worker()
    preview = client.get(f"/jobs/{check}/").content.decode()
    assert "nothing is written until you confirm" in preview
    assert re.search(rf"create <strong>{ROWS}</strong>, update <strong>0</strong>", preview)
    assert not Claim.objects.exists()  # the check wrote nothing

    other = logged_in(second_editor)
    assert other.get(f"/jobs/{check}/").status_code == 404
    assert other.get(f"/jobs/{check}/progress.json").status_code == 404
    assert f"/jobs/{check}/" not in other.get("/jobs/").content.decode()
    assert f"/jobs/{check}/" in client.get("/jobs/").content.decode()

    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    write = job_of(client.post("/claims/import/confirm/", {"token": token}))
    assert not Claim.objects.exists()  # (until the worker runs the job)
    run_worker()
    done = client.get(f"/jobs/{write}/").content.decode()
    assert f"Created <strong>{ROWS}</strong>, updated <strong>0</strong>" in done
    assert Claim.objects.filter(key__startswith="bg-").count() == ROWS
    assert Claim.objects.get(key="bg-00007").history.get().history_user == editor
    assert other.get(f"/jobs/{write}/").status_code == 404


def test_the_progress_json_shows_the_rows_checked_and_written(editor):
    client = logged_in(editor)
    check = job_of(upload(client, claims_file(ROWS)))
    before = client.get(f"/jobs/{check}/progress.json").json()
    assert before["status"] == "ready" and before["finished"] is False and before["fraction"] == 0
    run_worker()
    checked = client.get(f"/jobs/{check}/progress.json").json()
    assert checked["status"] == "successful" and checked["finished"] is True
    assert (checked["phase"], checked["total"], checked["checked"], checked["written"]) == ("check", ROWS, ROWS, 0)
    token = re.search(r'name="token" value="([^"]+)"', client.get(f"/jobs/{check}/").content.decode()).group(1)
    write = job_of(client.post("/claims/import/confirm/", {"token": token}))
    run_worker()
    written = client.get(f"/jobs/{write}/progress.json").json()
    assert (written["phase"], written["total"], written["checked"], written["written"]) == ("import", ROWS, ROWS, ROWS)
    assert written["fraction"] == 1 and written["message"] == "Done."


def test_progress_is_written_where_the_page_reads_it_while_the_import_runs(editor, tmp_path):
    # What the page's poll reads mid-job: the counts of a running import, from its folder, not
    # from the database the import's transaction holds.
    from claims.csv.claims_csv import claims_import

    seen = []
    with jobs.Progress("0b1c2d3e-0000-4000-8000-000000000001", "import") as counts:
        report = claims_import(actor=editor, data=claims_file(2500))
        seen.append((counts.total, counts.checked, counts.written))
    assert report.ok
    assert seen == [(2500, 2500, 2500)]
    stored = jobs.read_progress("0b1c2d3e-0000-4000-8000-000000000001")
    assert (stored["total"], stored["checked"], stored["written"]) == (2500, 2500, 2500)


@pytest.fixture
def exploding_claim_key():
    """A database trigger that refuses one claim's INSERT, as a full disk or a broken
    connection would stop an import half-way: a real failure of the database."""
    key = "bg-01100"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_claim() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by a test trigger'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_claim BEFORE INSERT ON claims_claim FOR EACH ROW "
                f"WHEN (NEW.key = '{key}') EXECUTE FUNCTION refuse_claim()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_claim BEFORE INSERT ON claims_claim WHEN NEW.key = '{key}' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            )
    yield key
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_claim" + (" ON claims_claim" if connection.vendor == "postgresql" else ""))
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION refuse_claim()")


def test_a_failing_background_import_changes_nothing_and_its_owner_sees_the_error(editor, exploding_claim_key):
    # 1,200 rows: the first 1,000 are written (in the import's transaction) before the
    # refused row comes; all of them must be gone again.
    client = logged_in(editor)
    check = job_of(upload(client, claims_file(1200)))
    run_worker()
    token = re.search(r'name="token" value="([^"]+)"', client.get(f"/jobs/{check}/").content.decode()).group(1)
    before = rows_and_history()
    write = job_of(client.post("/claims/import/confirm/", {"token": token}))
    run_worker()
    assert rows_and_history() == before
    assert not Claim.objects.exists()
    page = client.get(f"/jobs/{write}/").content.decode()
    assert "The job failed: nothing was written" in page and "refused by a test trigger" in page
    state = client.get(f"/jobs/{write}/progress.json").json()
    assert state["status"] == "failed" and state["finished"] is True


def sync_export(client: Client, query: str) -> bytes:
    response = client.get(f"/claims/export.csv?{query}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


def test_a_large_export_is_the_same_file_as_the_download_and_only_its_owner_may_fetch_it(
    researcher, reviewer, editor, settings
):
    call_command("seed", verbosity=0)
    settings.CSV_BACKGROUND_ROWS = 5  # (the seed's open claims are 7)
    client = logged_in(researcher)
    query = "status=open"
    assert Claim.objects.filter(status="open").count() > settings.CSV_BACKGROUND_ROWS
    offer = client.get(f"/claims/export.csv?{query}")
    assert offer["Content-Type"].startswith("text/html")
    assert 'action="/jobs/claims-export/"' in offer.content.decode()
    assert 'name="query" value="status=open"' in offer.content.decode()

    job = job_of(client.post("/jobs/claims-export/", {"query": query}))
    assert client.get(f"/jobs/{job}/download/").status_code == 404  # not written yet
    run_worker()
    page = client.get(f"/jobs/{job}/").content.decode()
    assert "The file is ready" in page and f'href="/jobs/{job}/download/"' in page
    download = client.get(f"/jobs/{job}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"].startswith('attachment; filename="claims-')
    background = b"".join(download.streaming_content)

    settings.CSV_BACKGROUND_ROWS = 10**6  # the same list, streamed by the request itself
    assert background == sync_export(client, query)
    assert background.count(b"\r\n") == Claim.objects.filter(status="open").count() + 1

    for other in (reviewer, editor):
        assert logged_in(other).get(f"/jobs/{job}/download/").status_code == 404
        assert logged_in(other).get(f"/jobs/{job}/").status_code == 404
    anonymous = Client().get(f"/jobs/{job}/download/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_starting_a_job_needs_the_csrf_token(researcher):
    client = Client(enforce_csrf_checks=True)
    client.force_login(researcher)
    assert client.post("/jobs/claims-export/", {"query": ""}).status_code == 403
    assert not DBTaskResult.objects.exists()


def test_jobs_older_than_the_setting_are_deleted_with_their_files(researcher, settings):
    client = logged_in(researcher)
    old = job_of(client.post("/jobs/claims-export/", {"query": ""}))
    run_worker()
    new = job_of(client.post("/jobs/claims-export/", {"query": ""}))
    assert jobs.export_path(old).is_file()
    DBTaskResult.objects.filter(id=old).update(enqueued_at=timezone.now() - datetime.timedelta(days=8))
    settings.JOBS_KEEP_DAYS = 7
    call_command("clean_jobs", verbosity=0)
    assert list(DBTaskResult.objects.values_list("id", flat=True)) == [uuid.UUID(new)]
    assert not (settings.JOBS_DIR / old).exists()
    assert client.get(f"/jobs/{old}/").status_code == 404
