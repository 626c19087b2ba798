"""Addresses of what the pages show: where a citation, a note or a page of a list is.

The selectors find which page of a claim's lists holds something (a page number); the URL
is made here, from the URL names in claims/urls.py, so that neither the selectors nor the
templates spell the query parameters or the anchors.
"""

from __future__ import annotations

from django.urls import reverse

from claims.models import Annotation, Citation, Dispute
from claims.selectors import detail


def claim_page_url(claim_key: str, *, param: str = "", number: int = 1, anchor: str = "") -> str:
    """The claim page, at page `number` of the list that `param` pages, at `anchor`."""
    url = reverse("claim_detail", args=[claim_key])
    if param and number > 1:
        url += f"?{param}={number}"
    return f"{url}#{anchor}" if anchor else url


def citation_url(citation: Citation, anchor: str | None = None) -> str:
    """The claim page that shows the citation, at its anchor (or at `anchor`; "" for none):
    every link to a citation, or to something shown with it (its grades, their notes), is made
    here. One query, none when detail.with_citation_pages() has found its page already."""
    if not hasattr(citation, "page_number"):
        detail.with_citation_pages([citation])
    anchor = f"citation-{citation.pk}" if anchor is None else anchor
    return claim_page_url(citation.claim_key, param=detail.CITATIONS_PARAM, number=citation.page_number, anchor=anchor)


def dispute_home_url(dispute: Dispute) -> str:
    """The page where the disputed thing lives, at the dispute's anchor."""
    target = dispute.target
    return f"{dispute.target_kind.page(target)}#dispute-{dispute.pk}"


def annotation_url(annotation: Annotation) -> str:
    """The page that shows an annotation, at its anchor: for a note on a claim, the page of
    threads that holds its thread; on a citation or a grade of one, that citation's page."""
    anchor = f"annotation-{annotation.pk}"
    if annotation.claim is not None:
        number = detail.claim_notes_page(annotation, annotation.claim)
        return claim_page_url(annotation.claim.key, param=detail.NOTES_PARAM, number=number, anchor=anchor)
    from claims import targets  # (targets reads this module for a citation's page)

    target = annotation.target
    return f"{targets.of(target).page(target)}#{anchor}"
