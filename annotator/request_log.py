"""Error logging: one line per record on stderr, with the request it is about.

Every request gets an id (RequestIdMiddleware), sent back in the X-Request-ID header and
shown on the 500 page (server_error), so that a user's report of a failure leads to its line.
settings.LOGGING writes the records of Django's loggers (every 500) and of `claims.uploads`
(every refused upload) through StderrHandler, with RequestFields and OneLineFormatter.
"""

import logging
import sys
import time
import uuid

from django.http import HttpResponseServerError
from django.template import loader
from django.utils.encoding import escape_uri_path

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Gives each request an id of its own, request.request_id, and sends it back in a header.
    First in settings.MIDDLEWARE, so that every response carries it, a redirect to https too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def server_error(request):
    """handler500: templates/500.html with the request id. Rendered without the request's
    context processors, as Django's own handler is: the failure may be the database they read."""
    page = loader.render_to_string("500.html", {"request_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(page)


def _user_id(request) -> str:
    user = getattr(request, "user", None)
    try:
        return str(user.pk) if user is not None and user.is_authenticated else "-"
    except Exception:
        # Loading the user may fail as the request did (the database); the line is written all the same.
        return "-"


class RequestFields(logging.Filter):
    """Adds path, user_id and request_id to a record from its `request` (Django's loggers pass
    one, and so does claims.uploads), or "-" for each where there is none."""

    def filter(self, record):
        request = getattr(record, "request", None)
        # Percent-encoded, as the address was sent: a path holds no space or line break then.
        record.path = escape_uri_path(request.path) if hasattr(request, "path") else "-"
        record.user_id = _user_id(request)
        record.request_id = getattr(request, "request_id", "-")
        return True


class ClientErrorsOut(logging.Filter):
    """Drops the records Django writes about a 4xx answer (a page not found, a bad Host header):
    they are the visitor's mistakes, not the server's errors."""

    def filter(self, record):
        return getattr(record, "status_code", 500) >= 500


# Control characters, and the Unicode line and paragraph separators, as Python escapes them.
_ESCAPES = str.maketrans({c: repr(c)[1:-1] for c in map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029])})


class OneLineFormatter(logging.Formatter):
    """One record, one line: the line breaks of a traceback or of anything a request put in the
    message are written as \\n, so no record can start a line that looks like another."""

    converter = time.gmtime  # type: ignore[assignment]  # the times are UTC, marked Z by settings.LOGGING's datefmt

    def format(self, record):
        return super().format(record).translate(_ESCAPES)


class StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is when the record comes, not as it was when logging was
    configured (as Python's own last-resort handler does), so that whoever redirects stderr
    later (a test's capture, a server's worker) gets the lines."""

    def __init__(self, level=logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr
