"""A URLconf for tests only (never the project's): the project's URLs, its handler500, and
views that fail or refuse an upload, as no page of the project should do on purpose."""

import logging

from django.http import HttpResponse
from django.urls import path, re_path

from annotator import urls as project

ARCHIVE_CLOSED = "The archive in Podolsk is closed today"


def fail(request, rest: str = ""):
    raise RuntimeError(ARCHIVE_CLOSED)


def refuse_upload(request):
    # What the upload views write when they refuse a file (claims.views.exchange).
    logging.getLogger("claims.uploads").warning("Refused an upload of 31 MB: the limit is 10 MB.",
                                                extra={"request": request})
    return HttpResponse("The file is larger than 10 MB.", status=413)


handler500 = project.handler500
urlpatterns = [
    path("fail/", fail),
    re_path(r"^fail/(?P<rest>[\s\S]+)$", fail),  # any path below, line breaks included
    path("refuse-upload/", refuse_upload),
    *project.urlpatterns,
]
