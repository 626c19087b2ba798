"""Uploads (issue 10, point 10): a body over its limit is refused (413) before it is read, and
logged; the files kept between an import's preview and its confirm live in a private folder
(0700, files 0600) and are deleted after the confirm or a day after the preview."""

import asyncio
import io
import logging
import os
import re
import secrets
import stat
import tempfile
import time

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test.client import encode_multipart

from claims import services
from claims.models import Claim, Source

pytestmark = pytest.mark.django_db

CLAIMS = "key,topic,statement\r\nuploaded-claim,Date of execution,Typed in a spreadsheet.\r\n"
MB = 1024 * 1024


def upload(client, text: str = CLAIMS, **extra):
    handle = io.BytesIO(text.encode())
    handle.name = "claims.csv"
    return client.post("/claims/import/", {"file": handle, "encoding": ""}, **extra)


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def folder(settings, tmp_path):
    settings.PENDING_UPLOADS_DIR = tmp_path / "var" / "uploads"
    return settings.PENDING_UPLOADS_DIR


# --- The size limit -----------------------------------------------------------------------


def test_a_body_whose_length_is_over_max_upload_mb_is_refused_before_it_is_read(client, editor, caplog):
    client.force_login(editor)
    # The body says 60 MB but holds a few hundred bytes: reading it would fail the request.
    with caplog.at_level(logging.WARNING, logger="claims.uploads"):
        response = upload(client, CONTENT_LENGTH=str(60 * MB))
    assert response.status_code == 413
    page = re.sub(r"\s+", " ", response.content.decode())
    assert "The upload is 60.0 MB; the limit is 50.0 MB (setting MAX_UPLOAD_MB). Nothing was read or written." in page
    [record] = [r for r in caplog.records if r.name == "claims.uploads"]
    assert record.levelno == logging.WARNING and record.request.path == "/claims/import/"
    assert record.request.user == editor
    assert (
        record.getMessage() == "Refused an upload of 60.0 MB to /claims/import/: the limit is 50.0 MB (MAX_UPLOAD_MB)."
    )


def test_a_file_over_the_limit_is_refused_and_nothing_is_kept(client, editor, settings, folder):
    settings.MAX_UPLOAD_BYTES = MB
    client.force_login(editor)
    response = upload(client, CLAIMS + "more,Date of execution," + "x" * MB + "\r\n")
    assert response.status_code == 413
    assert "the limit is 1.0 MB (setting MAX_UPLOAD_MB)" in response.content.decode()
    assert not folder.exists() or not any(folder.iterdir())
    assert not Claim.objects.exists()


def test_a_form_body_over_data_upload_max_memory_size_is_refused_before_it_is_read(client, editor, caplog):
    client.force_login(editor)
    with caplog.at_level(logging.WARNING, logger="claims.uploads"):
        response = client.post(
            "/claims/new/",
            "statement=A+few+bytes.",
            content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(20 * MB),
        )
    assert response.status_code == 413
    assert "(setting DATA_UPLOAD_MAX_MEMORY_SIZE)" in response.content.decode()
    assert [r.request.path for r in caplog.records if r.name == "claims.uploads"] == ["/claims/new/"]


def test_a_body_longer_than_its_content_length_is_stopped_while_it_streams(settings, caplog):
    # Django's ASGI request reads on past the Content-Length; the upload handler counts.
    settings.MAX_UPLOAD_BYTES = 100_000
    body = encode_multipart("BoUnDaRy", {"file": io.BytesIO(b"x" * 300_000)})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/claims/import/",
        "raw_path": b"/claims/import/",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=BoUnDaRy"),
            (b"content-length", b"1000"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected until the answer

    async def send(message):
        sent.append(message)

    with caplog.at_level(logging.WARNING, logger="claims.uploads"):
        asyncio.run(ASGIHandler()(scope, receive, send))
    assert sent[0]["status"] == 413
    page = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    assert "The upload is more than 0.1 MB; the limit is 0.1 MB (setting MAX_UPLOAD_MB)" in re.sub(r"\s+", " ", page)
    assert [r.request.path for r in caplog.records if r.name == "claims.uploads"] == ["/claims/import/"]


# --- The folder of pending uploads ----------------------------------------------------------


def test_a_preview_keeps_the_file_in_a_private_folder_and_the_confirm_deletes_it(client, editor, folder):
    client.force_login(editor)
    token = token_of(upload(client).content.decode())
    assert mode(folder) == 0o700
    kept = sorted(path.name for path in folder.iterdir())
    assert kept == [f"{token}.csv", f"{token}.versions.json"]
    assert {mode(folder / name) for name in kept} == {0o600}
    assert (folder / f"{token}.csv").read_bytes() == CLAIMS.encode()
    client.post("/claims/import/confirm/", {"token": token})
    assert Claim.objects.filter(key="uploaded-claim").exists()
    assert list(folder.iterdir()) == []


def test_an_existing_folder_with_wider_rights_is_narrowed_to_0700(client, editor, folder):
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    client.force_login(editor)
    upload(client)
    assert mode(folder) == 0o700


def test_a_refused_confirm_keeps_the_file_and_the_confirm_that_writes_deletes_it(
    client, editor, second_editor, claim, folder
):
    client.force_login(editor)
    data = f"key,topic,statement\r\n{claim.key},{claim.topic.title},Shot at dawn.\r\n"
    token = token_of(upload(client, data).content.decode())
    services.claim_update(actor=second_editor, claim=claim, data={"status": "refuted"})
    client.post("/claims/import/confirm/", {"token": token})
    assert (folder / f"{token}.csv").exists()
    token = token_of(client.post("/claims/import/", {"token": token}).content.decode())
    client.post("/claims/import/confirm/", {"token": token})
    assert Claim.objects.get(pk=claim.pk).statement == "Shot at dawn."
    assert list(folder.iterdir()) == []


def test_a_pending_upload_expires_a_day_after_its_preview(client, editor, folder):
    client.force_login(editor)
    old = token_of(upload(client).content.decode())
    day_ago = time.time() - 24 * 3600 - 60
    os.utime(folder / f"{old}.csv", (day_ago, day_ago))
    response = client.post("/claims/import/confirm/", {"token": old}, follow=True)
    assert "no longer waiting to be confirmed" in response.content.decode()
    assert not Claim.objects.exists() and list(folder.iterdir()) == []
    # One never confirmed is deleted by the next upload's preview.
    forgotten = token_of(upload(client).content.decode())
    os.utime(folder / f"{forgotten}.csv", (day_ago, day_ago))
    fresh = token_of(upload(client).content.decode())
    assert sorted(path.name for path in folder.iterdir()) == [f"{fresh}.csv", f"{fresh}.versions.json"]


# --- The admin's Import ---------------------------------------------------------------------


def admin_preview(client, text: str = CLAIMS) -> str:
    handle = io.BytesIO(text.encode())
    handle.name = "claims.csv"
    return client.post(
        "/admin/claims/claim/import/", {"import_file": handle, "format": "0", "resource": "0"}
    ).content.decode()


def confirm_fields(html: str) -> dict[str, str]:
    start = html.index('action="/admin/claims/claim/process_import/"')
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', html[start : html.index("</form>", start)]))


def test_the_admin_keeps_its_upload_in_the_same_private_folder_until_the_confirm(client, staff, folder):
    client.force_login(staff)
    fields = confirm_fields(admin_preview(client))
    name = fields["import_file_name"]
    assert mode(folder) == 0o700
    assert {mode(path) for path in folder.iterdir()} == {0o600}
    assert sorted(path.name for path in folder.iterdir()) == [f"{name}.csv", f"{name}.versions.json"]
    client.post("/admin/claims/claim/process_import/", fields)
    assert Claim.objects.filter(key="uploaded-claim").exists()
    assert list(folder.iterdir()) == []


def test_the_admin_confirm_takes_no_file_but_its_own_upload(client, staff, folder):
    # django-import-export's default storage reads and then deletes any file of the temporary
    # folder a confirm form names.
    other = os.path.join(tempfile.gettempdir(), f"not-an-upload-{secrets.token_hex(6)}.csv")
    with open(other, "w") as handle:
        handle.write("key,kind,level,title\r\nsmuggled,monograph,secondary,Not uploaded here\r\n")
    try:
        client.force_login(staff)
        response = client.post(
            "/admin/claims/source/process_import/",
            {"import_file_name": os.path.basename(other), "original_file_name": "x.csv", "format": "0", "resource": ""},
            follow=True,
        )
        assert "no longer waiting to be confirmed" in response.content.decode()
        assert os.path.exists(other) and not Source.objects.filter(key="smuggled").exists()
    finally:
        os.unlink(other)
