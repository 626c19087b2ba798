"""Background jobs: a large CSV import's check and its write, a large export (claims/tasks.py).

A job is a django-tasks result in its database backend's table: its state, its result (a
report, or the name of the exported file), and among its arguments the id of the user who
started it, the only user who may see it (others get 404). Beside it a private folder
JOBS_DIR/<job id>/ (0700, files 0600) holds what the database cannot while the job runs:

- progress.json, its counts (rows in all, checked, written), replaced whole twice a second
  (os.replace) by a thread of the job: the page polling it never reads half a file, and never
  waits for the database, whose write lock an import holds until it commits;
- an export's file.

A job and its folder are deleted JOBS_KEEP_DAYS after it was started (clean).
"""

import datetime
import json
import logging
import shutil
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db.models import DBTaskResult

from claims.csv import progress as csv_progress
from claims.models import User
from claims.uploads import private_folder, write_private

logger = logging.getLogger("claims.jobs")

PROGRESS = "progress.json"
EXPORT = "export.csv"
WRITE_EVERY = 0.5  # seconds between two writes of progress.json
# A running job whose progress.json has not been written for this long has lost its worker
# (killed, crashed, the machine restarted): its transaction went with it.
STALE_AFTER = 60


def folder(job_id) -> Path:
    return private_folder(Path(settings.JOBS_DIR) / str(uuid.UUID(str(job_id))))


class Progress(csv_progress.Counts):
    """The counts of the job running in this thread (see claims.csv.progress), written to its
    progress.json by a thread of their own until the block ends."""

    def __init__(self, job_id, phase: str):
        super().__init__()
        self.path = folder(job_id) / PROGRESS
        self.phase = phase
        self.started = time.time()
        self._stop = threading.Event()

    def __enter__(self):
        self._write()
        self._thread = threading.Thread(target=self._run, name="job-progress", daemon=True)
        self._thread.start()
        self._listening = csv_progress.listening(self)
        self._listening.__enter__()
        return self

    def __exit__(self, *exc):
        self._listening.__exit__(*exc)
        self._stop.set()
        self._thread.join()
        self._write()

    def _run(self) -> None:
        while not self._stop.wait(WRITE_EVERY):
            self._write()

    def _write(self) -> None:
        write_private(
            self.path,
            json.dumps(
                {
                    "phase": self.phase,
                    "total": self.total,
                    "checked": self.checked,
                    "written": self.written,
                    "started": self.started,
                    "updated": time.time(),
                }
            ).encode(),
        )


def read_progress(job_id) -> dict:
    try:
        return json.loads((folder(job_id) / PROGRESS).read_bytes())
    except (OSError, ValueError):
        return {}


def owned(job_id, user: User):
    """The job (a django-tasks TaskResult) if this user started it, else None."""
    try:
        result = default_task_backend.get_result(str(job_id))
    except TaskResultDoesNotExist:
        return None
    if result.kwargs.get("user_id") != user.pk or not result.task.module_path.startswith("claims.tasks."):
        return None
    return result


def jobs_of(user: User) -> list:
    """The user's jobs, newest first (TaskResults)."""
    rows = DBTaskResult.objects.filter(task_path__startswith="claims.tasks.", args_kwargs__kwargs__user_id=user.pk)
    return [row.task_result for row in rows.order_by("-enqueued_at")[:50]]


def state(result) -> dict:
    """What the progress bar shows of a job: its status, counts, share done and time left."""
    counts = read_progress(result.id)
    status = result.status
    lost = status == TaskResultStatus.RUNNING and counts and time.time() - counts.get("updated", 0) > STALE_AFTER
    total, checked, written = (counts.get(name, 0) for name in ("total", "checked", "written"))
    done = written if counts.get("phase") == "export" else checked
    fraction = 1.0 if status == TaskResultStatus.SUCCESSFUL else (done / total if total else 0.0)
    seconds = time.time() - counts["started"] if counts.get("started") else 0.0
    eta = round(seconds * (1 - fraction) / fraction) if 0 < fraction < 1 and not lost else None
    shown = {
        "status": "lost" if lost else status.lower(),
        "finished": bool(lost) or result.is_finished,
        "phase": counts.get("phase", ""),
        "total": total,
        "checked": checked,
        "written": written,
        "fraction": round(fraction, 4),
        "eta_seconds": eta,
    }
    return {**shown, "message": _message(shown)}


def _message(shown: dict) -> str:
    status, phase = shown["status"], shown["phase"]
    if status == "ready":
        return "Waiting for the worker to start the job."
    if status == "lost":
        return "The worker stopped during the job (it was stopped or crashed): nothing was written."
    if status == "failed":
        return "The job failed: nothing was written."
    if status == "successful":
        return "Done."
    if not shown["total"]:
        return "Reading the file." if phase != "export" else "Selecting the claims."
    if phase == "export":
        text = f"Written {shown['written']:,} of {shown['total']:,} rows"
    else:
        text = f"Checked {shown['checked']:,} of {shown['total']:,} rows"
        if phase == "import":
            text += f", written {shown['written']:,}"
    if shown["eta_seconds"] is not None:
        text += f"; about {_duration(shown['eta_seconds'])} left"
    return text + "."


def _duration(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{round(seconds / 60)} min"


def export_path(job_id) -> Path:
    return folder(job_id) / EXPORT


def clean(*, days: int | None = None) -> int:
    """Delete the jobs started more than `days` (JOBS_KEEP_DAYS) ago, their folders, and any
    folder without a job; returns how many jobs were deleted."""
    days = settings.JOBS_KEEP_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    old = DBTaskResult.objects.filter(task_path__startswith="claims.tasks.", enqueued_at__lt=cutoff)
    # (A job still running after days has lost its worker: see STALE_AFTER.)
    count, _ = old.delete()
    base = Path(settings.JOBS_DIR)
    if base.is_dir():
        kept = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
        for path in base.iterdir():
            if path.name not in kept:
                shutil.rmtree(path, ignore_errors=True)
    return count
