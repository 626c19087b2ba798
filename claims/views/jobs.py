"""A user's background jobs (claims/jobs.py): their pages, progress and files.

Only the user who started a job sees anything of it: for anyone else each of its URLs
answers 404, as for a job that does not exist. Starting one is a POST (with its CSRF token):
an import's check or write starts from the import pages (claims/views/exchange.py), an
export from the page /claims/export.csv shows for a long list.
"""

import datetime
import re

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_tasks import TaskResultStatus

from claims import jobs, tasks
from claims.csv.common import require_export
from claims.csv.shown import ShownReport
from claims.quoting import shorten

from .access import AuthenticatedHttpRequest, reader_required
from .exchange import KINDS, import_page

TITLES = {"csv_check": "Checking {name}", "csv_import": "Importing {name}", "claims_export": "Writing the claims CSV"}


def _job(request: AuthenticatedHttpRequest, job_id):
    result = jobs.owned(job_id, request.user)
    if result is None:
        raise Http404("No such job of yours.")
    return result


def _title(result) -> str:
    return TITLES[result.task.name].format(name=result.kwargs.get("name", "the file"))


@require_POST
@reader_required
def claims_export_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_export(request.user)
    query = request.POST.get("query", "")[:2000]
    if "\x00" in query:  # (no filter holds one, and the job's arguments could not store it)
        return HttpResponseBadRequest("The claim list's filters hold a NUL character; nothing was started.")
    jobs.clean()
    result = tasks.claims_export.enqueue(user_id=request.user.pk, query=query)
    return redirect("job_detail", job_id=result.id)


@require_safe
@reader_required
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "claims/job_list.html",
        {
            "jobs": [
                {"result": result, "title": _title(result), "state": jobs.state(result)}
                for result in jobs.jobs_of(request.user)
            ]
        },
    )


@never_cache
@require_safe
@reader_required
def job_detail(request: AuthenticatedHttpRequest, job_id) -> HttpResponse:
    result = _job(request, job_id)
    state = jobs.state(result)
    name = result.task.name
    if result.status == TaskResultStatus.SUCCESSFUL and name in ("csv_check", "csv_import"):
        return _import_result(request, result)
    context = {
        "result": result,
        "title": _title(result),
        "state": state,
        "progress_url": reverse("job_progress", args=[result.id]),
    }
    if result.status == TaskResultStatus.SUCCESSFUL:
        context["export"] = result.return_value
        context["download_url"] = reverse("job_download", args=[result.id])
    elif result.status == TaskResultStatus.FAILED and result.errors:
        error = result.errors[-1]
        context["error"] = shorten(_error_line(error.traceback) or error.exception_class_path.rsplit(".", 1)[-1], 200)
    return render(request, "claims/job_detail.html", context)


# An exception's own line ("django.db.utils.InternalError: refused ..."): PostgreSQL's errors
# go on with lines about where they arose (CONTEXT:, a COPY line, ...), which say less.
_EXCEPTION_LINE = re.compile(r"^[\w.]*[a-z][\w.]*: ")


def _error_line(traceback: str) -> str:
    lines = [line for line in traceback.strip().splitlines() if _EXCEPTION_LINE.match(line)]
    return lines[-1] if lines else ""


def _import_result(request: AuthenticatedHttpRequest, result) -> HttpResponse:
    kind, value = result.kwargs["kind"], result.return_value
    if value.get("gone"):
        messages.error(
            request,
            "That upload was no longer waiting when the job ran (it was imported, or it "
            "expired). Upload the file again.",
        )
        return redirect(KINDS[kind]["import_url"])
    report = ShownReport.of(value)
    confirmed = result.task.name == "csv_import"
    token = result.kwargs["token"] if (report.ok and not confirmed) or report.changed_since_preview else ""
    return import_page(request, kind, report=report, token=token, name=result.kwargs["name"], confirmed=confirmed)


@never_cache
@require_safe
@reader_required
def job_progress(request: AuthenticatedHttpRequest, job_id) -> JsonResponse:
    """The progress bar's figures (see jobs.state), polled by claims/static/claims/progress.js."""
    return JsonResponse(jobs.state(_job(request, job_id)))


@require_safe
@reader_required
def job_download(request: AuthenticatedHttpRequest, job_id) -> FileResponse:
    result = _job(request, job_id)
    path = jobs.export_path(result.id)
    if result.task.name != "claims_export" or result.status != TaskResultStatus.SUCCESSFUL or not path.is_file():
        raise Http404("This job has no file (yet).")
    day = (result.finished_at or datetime.datetime.now(datetime.UTC)).date().isoformat()
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=f"claims-{day}.csv", content_type="text/csv; charset=utf-8"
    )
