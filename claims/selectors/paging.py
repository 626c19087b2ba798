"""Pages of a long list that cost the same however long the list is.

A topic may have ten thousand claims and a source fifty thousand citations; a page shows
ROWS_PER_PAGE of them. The page is cut from the ordered ids alone (a count and a slice of
ids), and only the rows it shows are then read with their joins and counted subqueries:
slicing the full query instead would make the database work out those subqueries for
every row it sorts.
"""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

ROWS_PER_PAGE = 50


def page_of(
    ordered: QuerySet, number, *, rows: QuerySet, per_page: int = ROWS_PER_PAGE, count: int | None = None
) -> Page:
    """Page `number` of `ordered`, its rows read from `rows`: three queries (two when empty,
    one less when the caller knows the count, which may be cheaper to read another way).

    As on the claim list, a number past the end gives the last page and anything that is
    not a page number the first, never an error.
    """
    paginator = Paginator(ordered.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count  # (a cached property: this value is used instead of a COUNT)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    found = rows.order_by().in_bulk(ids)
    # A row deleted between the two reads is left out rather than failing the page.
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page
