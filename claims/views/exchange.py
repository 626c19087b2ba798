"""CSV in and out on the web: download the claim list as filtered, upload with a preview.

Downloads stream (a few queries per thousand rows) so that 100,000 claims start arriving
at once. An upload is checked in full first (a dry run of the same import the command
runs) and kept on the server (claims/uploads.py) under a random token tied to the session,
with the version of every claim or source it names as the preview saw them; only the
confirm POST writes, all or nothing. If any of those records changed since the preview,
the confirm writes nothing and lists them with who changed them, and the page offers to
preview the kept file again.
"""

import datetime
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from claims import roles, uploads
from claims.csv.claims_csv import claims_csv_chunks, claims_import
from claims.csv.common import IMPORT_NEEDED
from claims.csv.sources_csv import sources_csv_chunks, sources_import
from claims.forms import fields
from claims.selectors import lists

from .access import reader_required, require
from .pages import ClaimFilterForm

SHOWN_ROWS = 500  # rows of a preview, and errors, listed on the page; the counts cover all
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
        # (UploadLimitMiddleware refuses a larger request before it is read; this holds the
        # rule where the file itself is looked at.)
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {uploads.megabytes(upload.size)}; the limit is {uploads.megabytes(settings.MAX_UPLOAD_BYTES)} "
                "(setting MAX_UPLOAD_MB). Split it, or import it with `python manage.py import_claims`."
            )
        return upload


# --- Downloads ------------------------------------------------------------------------


def _csv_response(chunks, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{datetime.date.today().isoformat()}.csv"'
    return response


@require_safe
@reader_required
def claim_export(request: HttpRequest) -> StreamingHttpResponse:
    """The claims as filtered on /claims/ (the same query string), every page of them."""
    form = ClaimFilterForm(request.GET)
    claims = lists.claim_search(filters=form.filters())
    return _csv_response(claims_csv_chunks(actor=request.user, claims=claims), "claims")


@require_safe
@reader_required
def source_export(request: HttpRequest) -> StreamingHttpResponse:
    return _csv_response(sources_csv_chunks(actor=request.user), "sources")


# --- Uploads --------------------------------------------------------------------------


def _keep_upload(request: HttpRequest, kind: str, data: bytes, versions: dict[str, int], *, name: str,
                 encoding: str) -> str:
    token = uploads.keep(data)
    uploads.write_versions(token, versions)
    kept = request.session.get(SESSION_KEY, {})
    kept[token] = {"kind": kind, "name": name, "encoding": encoding}
    request.session[SESSION_KEY] = kept
    return token


def _kept_upload(request: HttpRequest, kind: str, token: str) -> tuple[bytes, dict] | None:
    """The kept file and what the session knows of it, if this session uploaded it for this kind of import."""
    info = request.session.get(SESSION_KEY, {}).get(token)
    if not info or info["kind"] != kind:
        return None
    data = uploads.read(token)
    if data is None:
        _forget_upload(request, token)
        return None
    return data, info


def _forget_upload(request: HttpRequest, token: str) -> None:
    uploads.forget(token)
    kept = request.session.get(SESSION_KEY, {})
    if kept.pop(token, None) is not None:
        request.session[SESSION_KEY] = kept


def _gone(request: HttpRequest, kind: str) -> HttpResponse:
    messages.error(request, "That upload is no longer waiting to be confirmed (it was imported, or it expired "
                            "a day after its preview). Upload the file again.")
    return redirect(KINDS[kind]["import_url"])


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
    if request.method != "POST":
        return _import_page(request, kind, form=UploadForm())
    if "token" in request.POST and "file" not in request.FILES:
        return _preview_again(request, kind, request.POST["token"])
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
        token = _keep_upload(request, kind, data, report.versions, name=upload.name, encoding=encoding or "")
    return _import_page(request, kind, form=UploadForm(), report=report, token=token, name=upload.name,
                        seconds=seconds)


def _preview_again(request: HttpRequest, kind: str, token: str) -> HttpResponse:
    """The kept file of a refused confirm, checked again as it is now: a new preview of it."""
    kept = _kept_upload(request, kind, token)
    if kept is None:
        return _gone(request, kind)
    data, info = kept
    started = time.monotonic()
    report = KINDS[kind]["import"](actor=request.user, data=data, dry_run=True, encoding=info["encoding"] or None)
    seconds = time.monotonic() - started
    if not report.ok:
        _forget_upload(request, token)
        token = ""
    else:
        uploads.write_versions(token, report.versions)
    return _import_page(request, kind, form=UploadForm(), report=report, token=token, name=info["name"],
                        seconds=seconds)


def _confirm_view(request: HttpRequest, kind: str) -> HttpResponse:
    require(roles.can_import_csv(request.user), IMPORT_NEEDED)
    token = request.POST.get("token", "")
    kept = _kept_upload(request, kind, token)
    expected = uploads.read_versions(token) if kept is not None else None
    if kept is None or expected is None:
        return _gone(request, kind)
    data, info = kept
    started = time.monotonic()
    report = KINDS[kind]["import"](actor=request.user, data=data, dry_run=False, encoding=info["encoding"] or None,
                                   expected_versions=expected)
    seconds = time.monotonic() - started
    if report.ok:
        _forget_upload(request, token)
        messages.success(request, f"Imported {info['name']}: {report.summary}.")
    elif not report.changed_since_preview:
        _forget_upload(request, token)  # (the same file would fail the same way: it must be corrected)
    return _import_page(request, kind, form=UploadForm(), report=report, name=info["name"], confirmed=True,
                        seconds=seconds, token=token if report.changed_since_preview else "")


@require_http_methods(["GET", "HEAD", "POST"])
@reader_required
def claim_import(request: HttpRequest) -> HttpResponse:
    return _import_view(request, "claims")


@require_POST
@reader_required
def claim_import_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm_view(request, "claims")


@require_http_methods(["GET", "HEAD", "POST"])
@reader_required
def source_import(request: HttpRequest) -> HttpResponse:
    return _import_view(request, "sources")


@require_POST
@reader_required
def source_import_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm_view(request, "sources")

