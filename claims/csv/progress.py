"""How far an import or export has got, told to whoever listens: a background job's progress
bar (claims/jobs.py). The importers and the exporter call these once per batch; with nobody
listening (a command, a request) each call is one context-variable lookup."""

import contextvars
from contextlib import contextmanager

_listener: contextvars.ContextVar = contextvars.ContextVar("csv_progress", default=None)


class Counts:
    """What a listener is told: rows in all, rows checked, rows written."""

    def __init__(self):
        self.total = self.checked = self.written = 0


@contextmanager
def listening(counts: Counts):
    token = _listener.set(counts)
    try:
        yield counts
    finally:
        _listener.reset(token)


def total(rows: int) -> None:
    if (counts := _listener.get()) is not None:
        counts.total = rows


def checked(rows: int) -> None:
    if (counts := _listener.get()) is not None:
        counts.checked = rows


def written(rows: int) -> None:
    if (counts := _listener.get()) is not None:
        counts.written = rows
