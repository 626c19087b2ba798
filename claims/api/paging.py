"""Cursor pagination: a page costs the same however deep into the list it is (no OFFSET, no
COUNT). Each list is in the order of a unique indexed column, which the cursor holds; the
claim list, in the orders of the claim pages, has its own (claim_cursor.py)."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from .claim_cursor import BAD_CURSOR, CURSOR_PARAM


class Cursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-pk"

    def decode_cursor(self, request):
        """As the claim list's: a cursor no list gave out is bad input (400), not a missing page."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({CURSOR_PARAM: [BAD_CURSOR]}) from None


class BySlug(Cursor):
    ordering = "slug"


class ByKey(Cursor):
    ordering = "key"


class ById(Cursor):
    ordering = "pk"
