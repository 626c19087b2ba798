"""Running the background jobs (claims/tasks.py) in tests, with django-tasks-db's own worker."""

import signal

from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_worker() -> None:
    """`manage.py db_worker --batch`: runs every waiting job, then returns. Its loop closes the
    database connection between jobs, so the test must commit for real (transaction=True)."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    finally:
        for sig, handler in saved.items():  # (the worker takes Ctrl-C for itself)
            signal.signal(sig, handler)


def run_jobs_in_this_transaction() -> None:
    """The worker's own claim and run of each waiting job (Worker.run_task), without the loop
    around them that closes the connection: for a test inside a transaction."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    )
    for row in DBTaskResult.objects.ready():
        row.claim(worker.worker_id)
        worker.run_task(row)
