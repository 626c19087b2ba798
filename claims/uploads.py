"""Uploads: their size limit, and the files kept between an import's preview and its confirm.

A request body over MAX_UPLOAD_MB is refused with 413 before it is read: from its
Content-Length at once (UploadLimitMiddleware), and, for a body longer than it said,
while it streams (LimitedUploadHandler). Each refusal is logged to "claims.uploads" with
the request.

An import's preview keeps the file it checked under a random token in PENDING_UPLOADS_DIR
(the web pages and the admin's django-import-export alike, see PendingUploadStorage),
beside it the version of every claim or source the file names as the preview saw it (the
"versions" sidecar: the confirm refuses rows changed since). The folder is 0700 and the
files 0600, created so rather than narrowed afterwards: the server's account alone reads
what editors upload. A kept file is deleted after its import is confirmed, or a day after
its last preview.
"""

import json
import logging
import os
import re
import secrets
import stat
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from import_export.tmp_storages import BaseStorage

logger = logging.getLogger("claims.uploads")

LIFETIME = 24 * 3600  # seconds a kept upload waits for its confirm after its last preview
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")  # what keep() hands out; nothing else names a file
DATA, VERSIONS = ".csv", ".versions.json"


def megabytes(size: int) -> str:
    return f"{size / 1048576:,.1f} MB"


# --- The size limit --------------------------------------------------------------------


def refuse(request: HttpRequest, *, size: int | None, limit: int, setting: str) -> HttpResponse:
    """The 413 page, and the log record, of a request body over a limit (size None: not known,
    only that it is over)."""
    what = megabytes(size) if size is not None else f"more than {megabytes(limit)}"
    logger.warning(
        "Refused an upload of %s to %s: the limit is %s (%s).",
        what,
        request.path,
        megabytes(limit),
        setting,
        extra={"request": request},
    )
    return render(
        request,
        "claims/upload_too_large.html",
        {"size": what, "limit": megabytes(limit), "setting": setting},
        status=413,
    )


class UploadLimitMiddleware:
    """Refuses a request body over its limit before anything reads it (the CSRF check would).

    Files (multipart bodies) may take MAX_UPLOAD_MB in all; other bodies, which Django reads
    whole into memory, DATA_UPLOAD_MAX_MEMORY_SIZE (Django would answer a bare 400 later).
    Listed before CsrfViewMiddleware: its process_view runs first, with request.user known.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs):
        multipart = request.content_type == "multipart/form-data"
        if multipart:
            limit, setting = settings.MAX_UPLOAD_BYTES, "MAX_UPLOAD_MB"
        else:
            limit, setting = settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "DATA_UPLOAD_MAX_MEMORY_SIZE"
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return refuse(request, size=length, limit=limit, setting=setting)
        if multipart and request.method == "POST":
            request.FILES  # noqa: B018 (parsed now, through LimitedUploadHandler, not in the CSRF check)
            if getattr(request, "upload_refused", False):
                return refuse(request, size=None, limit=limit, setting=setting)
        return None


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of the files of a request as they stream in and stops at MAX_UPLOAD_MB.

    The middleware refuses a body whose Content-Length is over the limit; this catches a body
    that carries more than its Content-Length said (Django's ASGI request reads on to the end
    of what was sent). The middleware then answers 413.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            self.request.upload_refused = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


# --- Pending uploads -------------------------------------------------------------------


def folder() -> Path:
    """PENDING_UPLOADS_DIR, made (or narrowed to) 0700."""
    return private_folder(Path(settings.PENDING_UPLOADS_DIR))


def private_folder(path: Path) -> Path:
    """The folder, made (or narrowed to) 0700: the server's account alone enters it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:  # made before, or by hand, with wider rights
        path.chmod(0o700)
    return path


def _path(token: str, suffix: str) -> Path | None:
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None  # (a name from a form: never a path of its own)
    return folder() / f"{token}{suffix}"


def write_private(path: Path, data: bytes) -> None:
    """A new file of mode 0600 from its creation, replacing any file of that name at once."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def keep(data: bytes) -> str:
    """Keep an upload; returns its token."""
    forget_expired()
    token = secrets.token_urlsafe(24)
    path = _path(token, DATA)
    assert path is not None  # (a token made here is always well formed)
    write_private(path, data)
    return token


def _expired(path: Path) -> bool:
    return path.stat().st_mtime < time.time() - LIFETIME


def read(token: str) -> bytes | None:
    """The kept upload, or None when there is none by that token (confirmed, expired, never)."""
    path = _path(token, DATA)
    try:
        if path is None or _expired(path):
            forget(token)
            return None
        return path.read_bytes()
    except OSError:
        return None


def waiting(token: str) -> bool:
    """Whether an upload is kept by that token and not expired (without reading it)."""
    path = _path(token, DATA)
    try:
        return path is not None and not _expired(path)
    except OSError:
        return False


def write_versions(token: str, versions: dict[str, int]) -> None:
    """What the preview saw (key -> version, 0 for a key not stored); the file's day starts again."""
    path = _path(token, DATA)
    if path is None:
        raise ValueError("not a pending upload's token")
    versions_path = _path(token, VERSIONS)
    assert versions_path is not None  # (the same token as path's)
    write_private(versions_path, json.dumps(versions, separators=(",", ":")).encode())
    os.utime(path)


def read_versions(token: str) -> dict[str, int] | None:
    path = _path(token, VERSIONS)
    try:
        return None if path is None else json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def forget(token: str) -> None:
    for suffix in (DATA, VERSIONS):
        path = _path(token, suffix)
        if path is not None:
            path.unlink(missing_ok=True)


def forget_expired() -> None:
    """Delete the uploads whose day has passed (each new upload sweeps)."""
    for path in folder().glob(f"*{DATA}"):
        try:
            if _expired(path):
                forget(path.name.removesuffix(DATA))
        except OSError:
            pass  # another request removed it first


class PendingUploadStorage(BaseStorage):
    """django-import-export's temporary storage (IMPORT_EXPORT_TMP_STORAGE_CLASS): the same
    folder and rights as the web import's. Its name, which the admin's confirm form carries,
    is a token: its default storage takes a path there (of any file in the temporary folder)."""

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self.name = keep(data)

    def read(self):
        data = read(self.name)
        if data is None:
            raise FileNotFoundError(f"No pending upload named {self.name!r}.")
        return data if "b" in self.read_mode else data.decode(self.encoding or "utf-8")

    def remove(self):
        forget(self.name)
