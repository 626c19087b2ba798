"""The background jobs (django-tasks): a large CSV import's check and its write, a large
export of the claim list, and reviewer agreement's recomputation. `manage.py db_worker` runs
them; claims/jobs.py keeps the progress and files of a person's jobs, and tells whose they are
(the user_id argument).

Each job does what the request would have done, through the same functions: an import is
all or nothing in one transaction; if it fails, the exception (logged here) marks the job
failed and the transaction is rolled back; if the worker dies, the database rolls it back.
"""

import logging
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from functools import partial

from django.http import QueryDict
from django_tasks import TaskContext, task

from claims import jobs, services, uploads
from claims.csv.citations_csv import citations_import
from claims.csv.claims_csv import claims_csv_chunks, claims_import
from claims.csv.reading import ImportReport
from claims.csv.shown import report_json
from claims.csv.sources_csv import sources_import
from claims.models import User
from claims.refs.importing import references_import
from claims.selectors import lists

logger = logging.getLogger("claims.jobs")

IMPORTERS = {
    "claims": claims_import,
    "sources": sources_import,
    "citations": citations_import,
    "references": references_import,
}


def importer(kind: str, fmt: str = "") -> Callable[..., ImportReport]:
    """The import of a kind of upload; of a reference file, the one reading its format."""
    return partial(references_import, fmt=fmt) if kind == "references" else IMPORTERS[kind]


@contextmanager
def _progress_logged(context: TaskContext, phase: str):
    """The job's progress (jobs.Progress) while the block runs; its failure in the log, with
    the job's id (the page shows the user only the error's kind and first words)."""
    try:
        with jobs.Progress(context.task_result.id, phase) as counts:
            yield counts
    except BaseException:
        logger.exception("Background job %s (%s) failed.", context.task_result.id, phase)
        raise


@task(takes_context=True)
def csv_check(
    context: TaskContext, *, kind: str, token: str, user_id: int, encoding: str, name: str, fmt: str = ""
) -> dict:
    """An upload's preview: the import's dry run. On success the versions it saw are kept
    beside the file, for its confirm (as the page's own preview does)."""
    data = uploads.read(token)
    if data is None:
        return {"gone": True}
    actor = User.objects.get(pk=user_id)
    with _progress_logged(context, "check"):
        started = time.monotonic()
        report = importer(kind, fmt)(actor=actor, data=data, dry_run=True, encoding=encoding or None)
        seconds = time.monotonic() - started
    if report.ok:
        uploads.write_versions(token, report.versions)
    else:
        uploads.forget(token)
    return report_json(report, seconds=seconds)


@task(takes_context=True)
def csv_import(
    context: TaskContext, *, kind: str, token: str, user_id: int, encoding: str, name: str, fmt: str = ""
) -> dict:
    """An upload's confirm: the import, refused if what the preview saw changed since."""
    data, expected = uploads.read(token), uploads.read_versions(token)
    if data is None or expected is None:
        return {"gone": True}
    actor = User.objects.get(pk=user_id)
    with _progress_logged(context, "import"):
        started = time.monotonic()
        report = importer(kind, fmt)(
            actor=actor, data=data, dry_run=False, encoding=encoding or None, expected_versions=expected
        )
        seconds = time.monotonic() - started
    if not report.changed_since_preview:
        uploads.forget(token)  # imported, or wrong in a way the same file would be again
    return report_json(report, seconds=seconds)


@task(takes_context=True)
def claims_export(context: TaskContext, *, user_id: int, query: str) -> dict:
    """The claim list as filtered by the query string, written to the job's folder: the bytes
    /claims/export.csv would stream."""
    from claims.views.pages import ClaimFilterForm  # (the list's own reading of its query string)

    actor = User.objects.get(pk=user_id)
    claims = lists.claim_search(filters=ClaimFilterForm(QueryDict(query), user=actor).filters())
    path = jobs.export_path(context.task_result.id)
    partial = path.with_name(f".{path.name}.partial")
    rows = 0
    with _progress_logged(context, "export") as counts:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "wb") as out:
            for text in claims_csv_chunks(actor=actor, claims=claims, in_order=True):  # (as the list shows them)
                out.write(text.encode("utf-8"))
        rows = counts.total
    partial.replace(path)
    return {"rows": rows, "bytes": path.stat().st_size}


@task()
def agreement_refresh() -> dict:
    """Reviewer agreement computed afresh and stored (services.agreement_figures_refresh),
    queued by each write that may change it (services.agreement_refresh_soon)."""
    started = time.monotonic()
    scopes = services.agreement_figures_refresh()
    return {"scopes": scopes, "seconds": round(time.monotonic() - started, 3)}
