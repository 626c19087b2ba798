"""Cursor pagination: a page costs the same however deep into the list it is (no OFFSET, no
COUNT). Each list is in the order of a unique indexed column, which the cursor holds; the
claim list, in the orders of the claim pages, has its own (claim_cursor.py)."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-pk"


class BySlug(Cursor):
    ordering = "slug"


class ByKey(Cursor):
    ordering = "key"


class ById(Cursor):
    ordering = "pk"
