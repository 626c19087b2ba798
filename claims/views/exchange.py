"""CSV in and out on the web: download the claim list as filtered, upload with a preview.

Downloads stream (three queries per thousand rows, the filter run once). An upload is
checked in full first (a dry run of the same import the command runs) and kept on the
server (claims/uploads.py) under a random token tied to the session, with the version of
every claim or source it names as the preview saw them; only the confirm POST writes, all or nothing. If any of those records changed since the preview,
the confirm writes nothing and lists them with who changed them, and the page offers to
preview the kept file again.

A file of more than CSV_BACKGROUND_ROWS rows is checked, and written, by a background job
(claims/tasks.py) instead, and so is an export of more claims than that: the request starts
the job and leads to its page (claims/views/jobs.py), which shows its progress and then the
same preview, report or file.
"""

import datetime
import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from claims import roles, tasks, uploads
from claims.csv.citations_csv import citations_csv_chunks
from claims.csv.claims_csv import claims_csv_chunks
from claims.csv.columns import TABLES
from claims.csv.common import IMPORT_NEEDED
from claims.csv.shown import SHOWN_ROWS, ShownReport, report_json
from claims.csv.sources_csv import sources_csv_chunks
from claims.forms import fields
from claims.refs import exporting as references_export
from claims.refs import importing as references
from claims.selectors import lists

from .access import AuthenticatedHttpRequest, form_methods, reader_required, require
from .pages import ClaimFilterForm, source_filters

SESSION_KEY = "csv_uploads"

ENCODINGS = [
    ("", "Detect (UTF-8, else Windows-1251)"),
    ("utf-8", "UTF-8"),
    ("cp1251", "Windows-1251 (Cyrillic, Excel)"),
    ("koi8-r", "KOI8-R"),
    ("latin-1", "Latin-1 (ISO 8859-1)"),
]

KINDS: dict[str, dict[str, Any]] = {
    "claims": {
        "title": "Import claims from CSV",
        "list_url": "claim_list",
        "import_url": "claim_import",
        "example_url": "claim_example",
    },
    "sources": {
        "title": "Import sources from CSV",
        "list_url": "source_list",
        "import_url": "source_import",
        "example_url": "source_example",
    },
    "citations": {
        "title": "Import citations from CSV",
        "list_url": "claim_list",
        "import_url": "citation_import",
        "example_url": "citation_example",
    },
    # Sources from a reference manager's file (claims/refs/): the sources import, another reader.
    "references": {
        "title": "Import sources from a reference manager",
        "list_url": "source_list",
        "import_url": "source_references_import",
        "example_url": "",
    },
}
# The example file of each kind of CSV, committed beside the design (it must import cleanly: tests/test_csv_columns.py).
EXAMPLES = {kind: settings.BASE_DIR / "docs" / f"{kind}-example.csv" for kind in TABLES}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 or Windows-1251; comma, semicolon or tab between cells; the columns are listed below.",
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


class ReferenceUploadForm(UploadForm):
    file = forms.FileField(
        label="File", help_text="A CSL-JSON (.json), BibTeX (.bib) or RIS (.ris) export of the sources."
    )
    format = fields.ChoiceField(
        label="Format",
        choices=[("", "Detect (from the file's name, else its content)"), *references.FORMATS.items()],
        required=False,
    )
    field_order = ["file", "format", "encoding"]


def _upload_form(kind: str, *args) -> UploadForm:
    return ReferenceUploadForm(*args) if kind == "references" else UploadForm(*args)


# --- Downloads ------------------------------------------------------------------------


def _csv_response(chunks, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in chunks), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{datetime.date.today().isoformat()}.csv"'
    return response


@require_safe
@reader_required
def claim_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The claims as filtered and sorted on /claims/ (the same query string), every page of them; more
    than CSV_BACKGROUND_ROWS of them: a page offering to write the file in the background."""
    form = ClaimFilterForm(request.GET, user=request.user)
    claims = lists.claim_search(filters=form.filters())
    # (checks the permission first; the rows in the list's order, its sort included)
    chunks = claims_csv_chunks(actor=request.user, claims=claims, in_order=True)
    count = claims.count()
    if count > settings.CSV_BACKGROUND_ROWS:
        return render(
            request,
            "claims/export_background.html",
            {"count": count, "query": request.GET.urlencode(), "list_url": reverse("claim_list")},
        )
    return _csv_response(chunks, "claims")


@require_safe
@reader_required
def source_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    return _csv_response(sources_csv_chunks(actor=request.user), "sources")


@require_safe
@reader_required
def citation_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The citations of the claims as filtered on /claims/ (the same query string)."""
    form = ClaimFilterForm(request.GET, user=request.user)
    claims = lists.claim_search(filters=form.filters())
    return _csv_response(citations_csv_chunks(actor=request.user, claims=claims), "citations")


_REFERENCE_TYPES = {
    "csl-json": "application/vnd.citationstyles.csl+json",
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
}


@require_safe
@reader_required
def source_export_references(request: AuthenticatedHttpRequest, fmt: str) -> StreamingHttpResponse:
    """The sources as filtered on /sources/ (the same query string) as CSL-JSON, BibTeX or RIS, streamed."""
    _, data = source_filters(request.GET)
    sources = lists.source_search(q=data.get("q", ""), kind=data.get("kind", ""))
    chunks = references_export.chunks(actor=request.user, sources=sources, fmt=fmt)  # (checks the permission)
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in chunks), content_type=f"{_REFERENCE_TYPES[fmt]}; charset=utf-8"
    )
    name = f"sources-{datetime.date.today().isoformat()}.{references.SUFFIXES[fmt]}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _example(kind: str):
    @require_safe
    @reader_required
    def example(request: AuthenticatedHttpRequest) -> FileResponse:
        return FileResponse(
            EXAMPLES[kind].open("rb"), as_attachment=True, filename=f"{kind}-example.csv", content_type="text/csv"
        )

    example.__name__ = example.__qualname__ = KINDS[kind]["example_url"]
    return example


claim_example, source_example, citation_example = (_example(kind) for kind in ("claims", "sources", "citations"))


# --- Uploads --------------------------------------------------------------------------


def _keep_upload(
    request: AuthenticatedHttpRequest,
    kind: str,
    data: bytes,
    versions: dict[str, int] | None,
    *,
    name: str,
    encoding: str,
    fmt: str = "",
) -> str:
    """versions None: not yet known (a background check writes them). fmt: a reference file's format."""
    token = uploads.keep(data)
    if versions is not None:
        uploads.write_versions(token, versions)
    kept = request.session.get(SESSION_KEY, {})
    kept[token] = {"kind": kind, "name": name, "encoding": encoding, "format": fmt}
    request.session[SESSION_KEY] = kept
    return token


def _kept_upload(request: AuthenticatedHttpRequest, kind: str, token: str) -> tuple[bytes, dict] | None:
    """The kept file and what the session knows of it, if this session uploaded it for this kind of import."""
    info = request.session.get(SESSION_KEY, {}).get(token)
    if not info or info["kind"] != kind:
        return None
    data = uploads.read(token)
    if data is None:
        _forget_upload(request, token)
        return None
    return data, info


def _forget_upload(request: AuthenticatedHttpRequest, token: str) -> None:
    uploads.forget(token)
    kept = request.session.get(SESSION_KEY, {})
    if kept.pop(token, None) is not None:
        request.session[SESSION_KEY] = kept


def _gone(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    messages.error(
        request,
        "That upload is no longer waiting to be confirmed (it was imported, or it expired "
        "a day after its preview). Upload the file again.",
    )
    return redirect(KINDS[kind]["import_url"])


def _large(data: bytes, kind: str) -> bool:
    """Over CSV_BACKGROUND_ROWS rows, about (lines: a quoted cell's line breaks count too; of
    a reference file, the lines that may start a record)."""
    if kind == "references":
        return references.records_about(data) > settings.CSV_BACKGROUND_ROWS
    return data.count(b"\n") > settings.CSV_BACKGROUND_ROWS


def _in_background(
    request: AuthenticatedHttpRequest, job: str, kind: str, token: str, name: str, encoding: str, fmt: str = ""
) -> HttpResponse:
    """Start the check (job "check") or the write ("import") of a kept upload; to its page."""
    task = tasks.csv_check if job == "check" else tasks.csv_import
    result = task.enqueue(kind=kind, token=token, user_id=request.user.pk, encoding=encoding, name=name, fmt=fmt)
    return redirect("job_detail", job_id=result.id)


def import_page(
    request: AuthenticatedHttpRequest,
    kind: str,
    *,
    form: UploadForm | None = None,
    report: ShownReport | None = None,
    token: str = "",
    name: str = "",
    confirmed: bool = False,
) -> HttpResponse:
    """The import page: the upload form, a preview with its confirm button, or a report."""
    spec = KINDS[kind]
    return render(
        request,
        "claims/csv_import.html",
        {
            "kind": kind,
            "title": spec["title"],
            "form": form or _upload_form(kind),
            "report": report,
            "errors_shown": report.errors if report else [],
            "changes_shown": report.changes if report else [],
            "changes_count": report.changes_count if report else 0,
            "shown_limit": SHOWN_ROWS,
            "token": token,
            "file_name": name,
            "confirmed": confirmed,
            "seconds": report.seconds if report else None,
            "list_url": reverse(spec["list_url"]),
            "import_url": reverse(spec["import_url"]),
            "columns": TABLES.get(kind, ()),
            "example_url": reverse(spec["example_url"]) if spec["example_url"] else "",
            "formats": references.FORMATS,
            # where to import first what a row names that does not exist (RowError.needs)
            "sources_import_url": reverse("source_import"),
            "claims_import_url": reverse("claim_import"),
        },
    )


def _import_view(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    require(roles.can_import_csv(request.user), IMPORT_NEEDED)
    if request.method != "POST":
        return import_page(request, kind)
    if "token" in request.POST and "file" not in request.FILES:
        return _preview_again(request, kind, request.POST["token"])
    form = _upload_form(kind, request.POST, request.FILES)
    if not form.is_valid():
        return import_page(request, kind, form=form)
    upload = form.cleaned_data["file"]
    data = b"".join(upload.chunks())
    encoding = form.cleaned_data.get("encoding") or ""
    # (a reference file's format is settled now, by the choice or the file, and kept with it)
    fmt = (form.cleaned_data.get("format") or references.detect(data, upload.name)) if kind == "references" else ""
    if _large(data, kind):
        token = _keep_upload(request, kind, data, None, name=upload.name, encoding=encoding, fmt=fmt)
        return _in_background(request, "check", kind, token, upload.name, encoding, fmt)
    started = time.monotonic()
    report = tasks.importer(kind, fmt)(actor=request.user, data=data, dry_run=True, encoding=encoding or None)
    seconds = time.monotonic() - started
    token = ""
    if report.ok:
        token = _keep_upload(request, kind, data, report.versions, name=upload.name, encoding=encoding, fmt=fmt)
    return import_page(request, kind, report=_shown(report, seconds), token=token, name=upload.name)


def _shown(report, seconds: float) -> ShownReport:
    return ShownReport.of(report_json(report, seconds=seconds))


def _preview_again(request: AuthenticatedHttpRequest, kind: str, token: str) -> HttpResponse:
    """The kept file of a refused confirm, checked again as it is now: a new preview of it."""
    kept = _kept_upload(request, kind, token)
    if kept is None:
        return _gone(request, kind)
    data, info = kept
    fmt = info.get("format", "")
    if _large(data, kind):
        return _in_background(request, "check", kind, token, info["name"], info["encoding"], fmt)
    started = time.monotonic()
    report = tasks.importer(kind, fmt)(actor=request.user, data=data, dry_run=True, encoding=info["encoding"] or None)
    seconds = time.monotonic() - started
    if not report.ok:
        _forget_upload(request, token)
        token = ""
    else:
        uploads.write_versions(token, report.versions)
    return import_page(request, kind, report=_shown(report, seconds), token=token, name=info["name"])


def _confirm_view(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    require(roles.can_import_csv(request.user), IMPORT_NEEDED)
    token = request.POST.get("token", "")
    kept = _kept_upload(request, kind, token)
    expected = uploads.read_versions(token) if kept is not None else None
    if kept is None or expected is None:
        return _gone(request, kind)
    data, info = kept
    fmt = info.get("format", "")
    if _large(data, kind):
        return _in_background(request, "import", kind, token, info["name"], info["encoding"], fmt)
    started = time.monotonic()
    report = tasks.importer(kind, fmt)(
        actor=request.user, data=data, dry_run=False, encoding=info["encoding"] or None, expected_versions=expected
    )
    seconds = time.monotonic() - started
    if report.ok:
        _forget_upload(request, token)
        messages.success(request, f"Imported {info['name']}: {report.summary}.")
    elif not report.changed_since_preview:
        _forget_upload(request, token)  # (the same file would fail the same way: it must be corrected)
    return import_page(
        request,
        kind,
        report=_shown(report, seconds),
        name=info["name"],
        confirmed=True,
        token=token if report.changed_since_preview else "",
    )


def _import_views(kind: str) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The import page of one kind of CSV (GET, HEAD, POST) and its confirm (POST only),
    each named after its URL (KINDS: claim_import and claim_import_confirm, ...)."""

    def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
        return _import_view(request, kind)

    def confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
        return _confirm_view(request, kind)

    name = KINDS[kind]["import_url"]
    upload.__name__ = upload.__qualname__ = name
    confirm.__name__ = confirm.__qualname__ = f"{name}_confirm"
    return form_methods(reader_required(upload)), require_POST(reader_required(confirm))


claim_import, claim_import_confirm = _import_views("claims")
source_import, source_import_confirm = _import_views("sources")
citation_import, citation_import_confirm = _import_views("citations")
source_references_import, source_references_import_confirm = _import_views("references")
