"""The annotations as linked data reads them (claims/linked_data/): who may see which, and pages
of them cut by id.

Blind grading holds here as on the pages: a note on another reviewer's grade or rating that a
blind reviewer has not graded (or rated) yet, or on a dispute of one that they did not raise,
is left out of every list and answers 404 on its own; replies share their parent's target, so
they go with it. The rule is claims/targets.py's `hidden`, written here as one condition of the
query so that a page of a thousand notes is still one query rather than one a note.

Pages are cut by id (keyset): a page after id N reads the next rows of the primary key's index,
so the last page costs what the first does; only its start index is a count.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from claims import targets
from claims.models import Annotation, Citation, CitationAssessment, Claim, ConsistencyRating, Dispute, SourceAssessment

from .blind import is_blind_grader

PER_PAGE = 100

# What an annotation's JSON-LD names: its author, its parent, its target and what names that.
_RELATED = ("author", "parent", *targets.related_through(targets.KINDS))


def _grades_hidden(user, prefix: str = "") -> Q:
    """Annotations (through `prefix`, e.g. "dispute__") on a grade or rating of another reviewer
    of something the user has not graded or rated yet."""
    graded_sources = SourceAssessment.objects.filter(reviewer=user).values("source_id")
    # A grade of an earlier version of the citation does not count (selectors/blind.py).
    graded_citations = CitationAssessment.objects.filter(reviewer=user, outdated=False).values("citation_id")
    rated = ConsistencyRating.objects.filter(
        reviewer=user,
        citation_id=OuterRef(f"{prefix}consistency_rating__citation_id"),
        claim_id=OuterRef(f"{prefix}consistency_rating__claim_id"),
    )
    return (
        (
            Q(**{f"{prefix}source_assessment__isnull": False})
            & ~Q(**{f"{prefix}source_assessment__reviewer": user})
            & ~Q(**{f"{prefix}source_assessment__source_id__in": graded_sources})
        )
        | (
            Q(**{f"{prefix}citation_assessment__isnull": False})
            & ~Q(**{f"{prefix}citation_assessment__reviewer": user})
            & ~Q(**{f"{prefix}citation_assessment__citation_id__in": graded_citations})
        )
        | (
            Q(**{f"{prefix}consistency_rating__isnull": False})
            & ~Q(**{f"{prefix}consistency_rating__reviewer": user})
            & ~Q(Exists(rated))
        )
    )


def visible_annotations(user) -> QuerySet[Annotation]:
    """Every annotation the user may see, with what its JSON-LD names (no query until read)."""
    annotations = Annotation.objects.select_related(*_RELATED)
    if not is_blind_grader(user):
        return annotations
    # The raiser of a dispute saw the grade to dispute it (targets._dispute_hidden).
    disputes_hidden = Q(dispute__isnull=False) & ~Q(dispute__raised_by=user) & _grades_hidden(user, "dispute__")
    return annotations.exclude(_grades_hidden(user) | disputes_hidden)


def of_claim(claim: Claim) -> Q:
    """A claim's annotations: on the claim, on its citations and their grades, on the disputes of
    the claim and of those grades (each found by the ids of its targets, through their indexes)."""
    citations = Citation.objects.filter(claim=claim).values("pk")
    grades = CitationAssessment.objects.filter(citation__claim=claim).values("pk")
    disputes = Dispute.objects.filter(Q(claim=claim) | Q(citation_assessment__citation__claim=claim)).values("pk")
    return (
        Q(claim_id=claim.pk)
        | Q(citation_id__in=citations)
        | Q(citation_assessment_id__in=grades)
        | Q(dispute_id__in=disputes)
    )


@dataclass
class Page:
    items: list[Annotation]
    start_index: int  # how many of the list come before this page
    total: int
    after: int | None  # the cursor of the next page (its items have greater ids), None on the last
    before: int | None  # the cursor of the previous page (its items have smaller ids), None on the first


def total(annotations: QuerySet[Annotation]) -> int:
    return annotations.order_by().count()


def page(annotations: QuerySet[Annotation], *, after: int | None = None, before: int | None = None) -> Page:
    """The PER_PAGE annotations after id `after` (or, with `before`, the PER_PAGE before that id),
    oldest id first: four queries however deep the page."""
    if before is not None:
        rows = list(annotations.filter(pk__lt=before).order_by("-pk")[: PER_PAGE + 1])
        more_before, more_after = len(rows) > PER_PAGE, annotations.filter(pk__gte=before).exists()
        items = rows[:PER_PAGE][::-1]
    else:
        rows = list(annotations.filter(pk__gt=after or 0).order_by("pk")[: PER_PAGE + 1])
        items = rows[:PER_PAGE]
        more_after = len(rows) > PER_PAGE
        more_before = bool(items) and annotations.filter(pk__lt=items[0].pk).exists()
    start = annotations.filter(pk__lt=items[0].pk).order_by().count() if items and more_before else 0
    return Page(
        items=items,
        start_index=start,
        total=total(annotations),
        after=items[-1].pk if items and more_after else None,
        before=items[0].pk if items and more_before else None,
    )
