"""A URLconf for tests only (never the project's): the project's URLs, its handler500, and
a view that fails, as no page of the project should do on purpose."""

from django.urls import path, re_path

from annotator import urls as project

ARCHIVE_CLOSED = "The archive in Podolsk is closed today"


def fail(request, rest: str = ""):
    raise RuntimeError(ARCHIVE_CLOSED)


handler500 = project.handler500
urlpatterns = [
    path("fail/", fail),
    re_path(r"^fail/(?P<rest>[\s\S]+)$", fail),  # any path below, line breaks included
    *project.urlpatterns,
]
