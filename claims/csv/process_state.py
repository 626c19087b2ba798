"""The changes an import makes beyond its own objects, each undone by its context manager.

An import of 100k rows is a few seconds of Python that the interpreter's defaults slow down:
the garbage collector and the thread switch interval are the whole process's, so a threaded
server's other requests feel them while an import runs; each is set here and nowhere else,
and put back when the block ends however it ends (tests/test_csv_process_state.py). The
SQLite statement look-up is narrower (one cursor of one insert) but is a patch of Django's
cursor all the same, so it lives here too.
"""

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during an import (process-wide, until it ends).

    The rows make hundreds of thousands of small objects that live until the end of the
    import (cells, claims to write, outcomes), and each collection of the older generations
    walks all of them again: about a tenth of an import's time, for garbage that the import
    hardly makes (reference counting frees the rest as usual). It runs again after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# While a pipeline runs, Python hands the GIL from one thread to another every SWITCH_INTERVAL
# seconds (the default is 5 ms). The inserting thread needs the GIL twice per statement (to
# bind its values, and to return): with the default it waits for the checking thread most of
# those 5 ms each time, a third of an import's time in all.
SWITCH_INTERVAL = 0.0005
_switching = threading.Lock()
_pipelines_running = 0
_interval_before = 0.0


@contextmanager
def prompt_thread_switches() -> Iterator[None]:
    """sys.setswitchinterval(SWITCH_INTERVAL) while any import's pipeline runs (counted: a
    threaded server may run two imports, and the first to end must not undo the other's)."""
    global _pipelines_running, _interval_before
    with _switching:
        if _pipelines_running == 0:
            _interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, _interval_before))
        _pipelines_running += 1
    try:
        yield
    finally:
        with _switching:
            _pipelines_running -= 1
            if _pipelines_running == 0:
                sys.setswitchinterval(_interval_before)


@contextmanager
def statements_looked_up(driver_cursor, converted: dict[str, str]) -> Iterator[None]:
    """Django's SQLite cursor turns each statement's %s into ? with a regular expression, on
    every execute: for a statement of thousands of parameters that costs more than the
    INSERT. This cursor (ours alone, for this insert) looks the statements up instead."""
    convert = getattr(driver_cursor, "convert_query", None)
    if convert is None:
        yield
        return

    def convert_query(query, *, param_names=None):
        if param_names is None and query in converted:
            return converted[query]
        return convert(query, param_names=param_names)

    driver_cursor.convert_query = convert_query
    try:
        yield
    finally:
        del driver_cursor.convert_query  # (else the cursor and the function hold each other)
