"""Linked data for other tools: the annotations as W3C Web Annotations and each claim as a
schema.org ClaimReview (docs/design.md, "Linked data").

Read-only (GET and HEAD), behind the same login and roles as the pages, and scoped by the same
blind-grading rules: what a page hides answers 404 here too, and is left out of the lists.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from claims.linked_data import annotations as anno
from claims.linked_data import claim_review
from claims.models import Claim, User
from claims.selectors import annotation_feed
from claims.selectors.detail import claims_for_page

from .access import AuthenticatedHttpRequest, reader_required

CURSORS = ("after", "before")
SITE_LABEL = "Every annotation of this site"


def _json(document: dict[str, Any], content_type: str, status: int = 200) -> JsonResponse:
    return JsonResponse(
        document, content_type=content_type, status=status, json_dumps_params={"ensure_ascii": False, "indent": 1}
    )


def _cursor(request: AuthenticatedHttpRequest) -> tuple[str, int] | None | HttpResponse:
    """The page asked for (?after=<id> or ?before=<id>), None for the collection itself, or the
    400 answer that names what is wrong."""
    given = [name for name in CURSORS if name in request.GET]
    if not given:
        return None
    if len(given) > 1:
        return _json({"error": "Ask for one page: give either after or before, not both."}, "application/json", 400)
    name = given[0]
    value = request.GET[name]
    if not value.isdigit() or len(value) > 19:
        return _json(
            {"error": f"{name} must be an annotation id (a whole number of up to 19 digits), not {value[:40]!r}."},
            "application/json",
            400,
        )
    return name, int(value)


def _collection(request: AuthenticatedHttpRequest, annotations, *, path: str, label: str) -> HttpResponse:
    def absolute(location: str) -> str:
        return request.build_absolute_uri(location)

    cursor = _cursor(request)
    if isinstance(cursor, HttpResponse):
        return cursor
    if cursor is None:
        document = anno.collection_ld(
            path=path, label=label, total=annotation_feed.total(annotations), absolute=absolute
        )
    else:
        name, value = cursor
        page = annotation_feed.page(annotations, **{name: value})
        document = anno.page_ld(page, path=path, page_path=f"{path}?{name}={value}", label=label, absolute=absolute)
    return _json(document, anno.MEDIA_TYPE)


@reader_required
@require_safe
def annotation_jsonld(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    annotation = get_object_or_404(annotation_feed.visible_annotations(request.user), pk=pk)
    return _json(anno.annotation_ld(annotation, request.build_absolute_uri), anno.MEDIA_TYPE)


@reader_required
@require_safe
def annotations_jsonld(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _collection(
        request, annotation_feed.visible_annotations(request.user), path=reverse("annotations_jsonld"), label=SITE_LABEL
    )


@reader_required
@require_safe
def claim_annotations_jsonld(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.only("pk", "key"), key=key)
    return _collection(
        request,
        annotation_feed.visible_annotations(request.user).filter(annotation_feed.of_claim(claim)),
        path=reverse("claim_annotations_jsonld", args=[claim.key]),
        label=f"Annotations of the claim {claim.key}, its citations and their grades",
    )


@reader_required
@require_safe
def user_jsonld(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    return _json(anno.user_ld(user, request.build_absolute_uri), anno.MEDIA_TYPE)


@reader_required
@require_safe
def claim_jsonld(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    claim = get_object_or_404(claims_for_page(), key=key)
    return _json(claim_review.claim_review_ld(claim, request.user, request.build_absolute_uri), claim_review.MEDIA_TYPE)
