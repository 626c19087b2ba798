"""Errors are logged (issue 10, point 12): every 500 and every refused upload is one line on
stderr with the path, the user id and the request id, which the 500 page shows and every
response carries in X-Request-ID; with ADMINS set, a 500 is also mailed to them.

The failing views are in tests/error_urls.py, a URLconf for tests only.
"""

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client

from tests.error_urls import ARCHIVE_CLOSED
from tests.test_security import NOT_INHERITED, ROOT, inline_code, read_settings, words

REQUEST_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def failing_site(settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    return Client(raise_request_exception=False)


def stderr_lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_a_server_error_shows_its_request_id_and_writes_one_line_with_path_user_and_request_id(
    failing_site, researcher, capsys
):
    failing_site.force_login(researcher)
    capsys.readouterr()

    response = failing_site.get("/fail/")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert REQUEST_ID.fullmatch(request_id)
    page = words(response)
    assert "Server error" in page
    assert f"If you report it, give this reference: {request_id}" in page
    assert inline_code(response.content.decode()).found == []  # the Content-Security-Policy allows none
    (line,) = stderr_lines(capsys)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ERROR django\.request ", line)
    assert f" path=/fail/ user={researcher.pk} request_id={request_id} Internal Server Error: /fail/" in line
    assert "\\nTraceback (most recent call last):\\n" in line
    assert line.endswith(f"RuntimeError: {ARCHIVE_CLOSED}")


def test_every_response_carries_a_request_id_of_its_own(client, db):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert REQUEST_ID.fullmatch(first["X-Request-ID"]) and REQUEST_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_client_errors_are_not_written_as_errors_only_the_server_error_is(failing_site, outsider, capsys):
    failing_site.force_login(outsider)
    capsys.readouterr()
    assert failing_site.get("/no-such-page/").status_code == 404
    assert failing_site.get("/claims/").status_code == 403  # no role
    assert failing_site.get("/accounts/logout/").status_code == 405
    failing_site.logout()
    assert failing_site.get("/fail/").status_code == 500

    (line,) = stderr_lines(capsys)
    assert "ERROR django.request path=/fail/ user=- request_id=" in line


def test_a_path_with_a_newline_cannot_start_a_log_line_of_its_own(failing_site, researcher, capsys):
    failing_site.force_login(researcher)
    capsys.readouterr()
    assert failing_site.get("/fail/%0A2026-11-29T12:00:00Z%20ERROR%20forged").status_code == 500
    (line,) = stderr_lines(capsys)
    assert " path=/fail/%0A2026-11-29T12:00:00Z%20ERROR%20forged " in line
    assert "Internal Server Error: /fail/\\n2026-11-29T12:00:00Z ERROR forged\\nTraceback" in line


def test_a_refused_upload_is_one_line_with_path_user_and_request_id(client, editor, capsys):
    client.force_login(editor)
    capsys.readouterr()
    # The body says 60 MB (over MAX_UPLOAD_MB): the import page refuses it before reading it.
    response = client.post("/claims/import/", {"encoding": ""}, CONTENT_LENGTH=str(60 * 1024 * 1024))

    assert response.status_code == 413
    (line,) = stderr_lines(capsys)
    assert (
        f"WARNING claims.uploads path=/claims/import/ user={editor.pk} request_id={response['X-Request-ID']} "
        "Refused an upload of 60.0 MB to /claims/import/: the limit is 50.0 MB (MAX_UPLOAD_MB)."
    ) in line


# --- Mail to ADMINS, and reading them from the environment --------------------------------

ERRORS_MAILED = """
import json, django
django.setup()
from django.core import mail
from django.test import Client, override_settings
from django.test.utils import setup_test_environment
setup_test_environment()  # mail goes to mail.outbox
with override_settings(ROOT_URLCONF="tests.error_urls"):
    client = Client(raise_request_exception=False)
    statuses = [client.get(path).status_code for path in ("/fail/", "/no-such-page/")]
print(json.dumps([statuses, [[m.from_email, m.to, m.subject] for m in mail.outbox]]))
"""


def run_with_environment(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "-c", ERRORS_MAILED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "annotator.settings",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            **env,
        },
    )


def test_with_admins_set_a_server_error_is_mailed_to_them_and_a_client_error_is_not():
    result = run_with_environment(
        ADMINS="Ada Lovelace <ada@example.org>, bob@example.org", SERVER_EMAIL="annotator@example.org"
    )
    assert result.returncode == 0, result.stderr
    statuses, mails = json.loads(result.stdout)
    assert statuses == [500, 404]
    assert mails == [
        [
            "annotator@example.org",
            ["ada@example.org", "bob@example.org"],
            "[Django] ERROR (EXTERNAL IP): Internal Server Error: /fail/",
        ]
    ]
    assert result.stderr.count("ERROR django.request path=/fail/") == 1  # and written to stderr as ever


def test_without_admins_nothing_is_mailed():
    result = run_with_environment()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[500, 404], []]


@pytest.mark.parametrize(
    "value,admins",
    [
        (
            "Ada Lovelace <ada@example.org>, bob@example.org",
            [("Ada Lovelace", "ada@example.org"), ("bob@example.org", "bob@example.org")],
        ),
        ("<ada@example.org>", [("ada@example.org", "ada@example.org")]),
        ('"Ada Lovelace" <ada@example.org>', [("Ada Lovelace", "ada@example.org")]),
        ("  ada@example.org  ", [("ada@example.org", "ada@example.org")]),
        ("", []),
    ],
)
def test_admins_are_read_from_the_environment(value, admins):
    result = read_settings(
        "ADMINS", "SERVER_EMAIL", SECRET_KEY="x" * 50, ADMINS=value, SERVER_EMAIL="Annotator <annotator@example.org>"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([admins, "Annotator <annotator@example.org>"])


def test_the_mail_server_is_read_from_the_environment():
    result = read_settings(
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        SECRET_KEY="x" * 50,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="annotator",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(["smtp.example.org", 587, "annotator", "s3cret", True])


@pytest.mark.parametrize(
    "env,message",
    [
        (
            {"ADMINS": "Ada ada@example.org"},
            "ADMINS entry 'Ada ada@example.org' is not an address like ada@example.org "
            "or Ada Lovelace <ada@example.org>",
        ),
        ({"ADMINS": "ada@"}, "ADMINS entry 'ada@' is not an address"),
        ({"ADMINS": "Ada <ada@example.org"}, "ADMINS entry 'Ada <ada@example.org' is not an address"),
        (
            {"ADMINS": "ada@example.org,,bob@example.org"},
            "ADMINS='ada@example.org,,bob@example.org' has an empty entry",
        ),
        ({"ADMINS": "ada@example.org"}, "SERVER_EMAIL is not set"),
        (
            {"ADMINS": "ada@example.org", "SERVER_EMAIL": "annotator at example.org"},
            "SERVER_EMAIL='annotator at example.org' is not an address",
        ),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a port number from 1 to 65535"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT='70000' is not a port number from 1 to 65535"),
        ({"EMAIL_PORT": "²"}, "EMAIL_PORT='²' is not a port number from 1 to 65535"),
        ({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS='sometimes' is not a boolean"),
    ],
)
def test_junk_in_the_mail_settings_is_refused_naming_the_variable(env, message):
    result = read_settings("ADMINS", SECRET_KEY="x" * 50, **env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
