"""CSV in and out on the web: download the claim list as filtered, upload with a preview.

Downloads stream (a few queries per thousand rows) so that 100,000 claims start arriving
at once. An upload is checked in full first (a dry run of the same import the command
runs) and kept on the server under a random token tied to the session; only the confirm
POST writes, all or nothing. The confirm checks the file again, so a change made by
someone else between preview and confirm is reported rather than overwritten.
"""

import datetime
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from claims import roles
from claims.csv.claims_csv import claims_csv_chunks, claims_import
from claims.csv.common import IMPORT_NEEDED
from claims.csv.sources_csv import sources_csv_chunks, sources_import
from claims.forms import fields
from claims.selectors import lists

from .access import reader_required, require
from .pages import ClaimFilterForm

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # 100,000 claims with long statements are about 60 MB
SHOWN_ROWS = 500  # rows of a preview, and errors, listed on the page; the counts cover all
UPLOAD_LIFETIME = 24 * 3600
SESSION_KEY = "csv_uploads"

ENCODINGS = [
    ("", "Detect (UTF-8, else Windows-1251)"),
    ("utf-8", "UTF-8"),
    ("cp1251", "Windows-1251 (Cyrillic, Excel)"),
    ("koi8-r", "KOI8-R"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
]

KINDS = {
    "claims": {
        "import": claims_import,
        "title": "Import claims from CSV",
        "list_url": "claim_list",
        "import_url": "claim_import",
        "other": ("sources", "source_import"),
    },
    "sources": {
        "import": sources_import,
        "title": "Import sources from CSV",
        "list_url": "source_list",
        "import_url": "source_import",
        "other": ("claims", "claim_import"),
    },
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 or Windows-1251; comma, semicolon or tab between cells; the README describes the columns.",
    )
    encoding = fields.ChoiceField(label="Encoding", choices=ENCODINGS, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1048576:.0f} MB; the limit is {MAX_UPLOAD_BYTES // 1048576} MB. "
                "Split it, or import it with `python manage.py import_claims`."
            )
        return upload


# --- Downloads ------------------------------------------------------------------------


def _csv_response(chunks, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{datetime.date.today().isoformat()}.csv"'
    return response


@require_GET
@reader_required
def claim_export(request: HttpRequest) -> StreamingHttpResponse:
    """The claims as filtered on /claims/ (the same query string), every page of them."""
    form = ClaimFilterForm(request.GET)
    claims = lists.claim_search(filters=form.filters())
    return _csv_response(claims_csv_chunks(actor=request.user, claims=claims), "claims")


@require_GET
@reader_required
def source_export(request: HttpRequest) -> StreamingHttpResponse:
    return _csv_response(sources_csv_chunks(actor=request.user), "sources")


# --- Uploads --------------------------------------------------------------------------


def _upload_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "annotator-csv-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_LIFETIME
    for path in folder.glob("*.csv"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another request removed it first


def _keep_upload(request: HttpRequest, kind: str, data: bytes, *, name: str, encoding: str) -> str:
    folder = _upload_dir()
    _forget_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.csv").write_bytes(data)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[token] = {"kind": kind, "name": name, "encoding": encoding}
    request.session[SESSION_KEY] = uploads
    return token


def _take_upload(request: HttpRequest, kind: str, token: str) -> tuple[bytes, dict] | None:
    """The kept file, if this session uploaded it for this kind of import; it is then forgotten."""
    uploads = request.session.get(SESSION_KEY, {})
    info = uploads.get(token)
    if not info or info["kind"] != kind or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _upload_dir() / f"{token}.csv"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    path.unlink(missing_ok=True)
    del uploads[token]
    request.session[SESSION_KEY] = uploads
    return data, info


def _import_page(request: HttpRequest, kind: str, *, form: UploadForm, report=None, token: str = "",
                 name: str = "", confirmed: bool = False, seconds: float | None = None) -> HttpResponse:
    spec = KINDS[kind]
    changes = [row for row in report.rows if row.action != "unchanged"] if report else []
    return render(request, "claims/csv_import.html", {
        "kind": kind,
        "title": spec["title"],
        "form": form,
        "report": report,
        "errors_shown": report.errors[:SHOWN_ROWS] if report else [],
        "changes_shown": changes[:SHOWN_ROWS],
        "changes_count": len(changes),
        "shown_limit": SHOWN_ROWS,
        "token": token,
        "file_name": name,
        "confirmed": confirmed,
        "seconds": seconds,
        "list_url": reverse(spec["list_url"]),
        "import_url": reverse(spec["import_url"]),
        "other_kind": spec["other"][0],
        "other_url": reverse(spec["other"][1]),
    })


def _import_view(request: HttpRequest, kind: str) -> HttpResponse:
    require(roles.can_import_csv(request.user), IMPORT_NEEDED)
    if request.method == "GET":
        return _import_page(request, kind, form=UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, kind, form=form)
    upload = form.cleaned_data["file"]
    data = b"".join(upload.chunks())
    encoding = form.cleaned_data["encoding"] or None
    started = time.monotonic()
    report = KINDS[kind]["import"](actor=request.user, data=data, dry_run=True, encoding=encoding)
    seconds = time.monotonic() - started
    token = ""
    if report.ok:
        token = _keep_upload(request, kind, data, name=upload.name, encoding=encoding or "")
    return _import_page(request, kind, form=UploadForm(), report=report, token=token, name=upload.name,
                        seconds=seconds)


def _confirm_view(request: HttpRequest, kind: str) -> HttpResponse:
    require(roles.can_import_csv(request.user), IMPORT_NEEDED)
    kept = _take_upload(request, kind, request.POST.get("token", ""))
    if kept is None:
        messages.error(request, "That upload is no longer waiting to be confirmed (it was imported, "
                                "or it expired after a day). Upload the file again.")
        return redirect(KINDS[kind]["import_url"])
    data, info = kept
    started = time.monotonic()
    report = KINDS[kind]["import"](actor=request.user, data=data, dry_run=False, encoding=info["encoding"] or None)
    seconds = time.monotonic() - started
    if report.ok:
        messages.success(request, f"Imported {info['name']}: {report.summary}.")
    return _import_page(request, kind, form=UploadForm(), report=report, name=info["name"], confirmed=True,
                        seconds=seconds)


@require_http_methods(["GET", "POST"])
@reader_required
def claim_import(request: HttpRequest) -> HttpResponse:
    return _import_view(request, "claims")


@require_POST
@reader_required
def claim_import_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm_view(request, "claims")


@require_http_methods(["GET", "POST"])
@reader_required
def source_import(request: HttpRequest) -> HttpResponse:
    return _import_view(request, "sources")


@require_POST
@reader_required
def source_import_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm_view(request, "sources")

