"""Blind grading as filters of a query: the rule of blind.py and ratings.py, for lists the
database cuts into pages (the API's cursor pages), where hiding rows after the read would leave
pages short and their cursors wrong.

Each function returns a Q over a model's rows (prefix: the path from the model queried to the
grade, rating or dispute) that holds for what the user may see; Q() (everything) for whoever
does not grade blind. tests/test_api_review.py holds them to selectors.detail.hidden_from, the
rule the pages ask of each object.
"""

from django.db.models import Exists, OuterRef, Q

from claims.models import CitationAssessment, ConsistencyRating, SourceAssessment

from .blind import is_blind_grader


def source_grades_visible(user, prefix: str = "") -> Q:
    """A source grade: one's own, or any of a source one has graded."""
    if not is_blind_grader(user):
        return Q()
    graded = SourceAssessment.objects.filter(reviewer=user).values("source_id")
    return Q(**{f"{prefix}reviewer": user}) | Q(**{f"{prefix}source_id__in": graded})


def citation_grades_visible(user, prefix: str = "") -> Q:
    """A citation grade: one's own, or any of a citation one has graded as it is now (a grade
    given to an earlier version of the citation does not count)."""
    if not is_blind_grader(user):
        return Q()
    graded = CitationAssessment.objects.filter(reviewer=user, outdated=False).values("citation_id")
    return Q(**{f"{prefix}reviewer": user}) | Q(**{f"{prefix}citation_id__in": graded})


def ratings_visible(user, prefix: str = "") -> Q:
    """A consistency rating: one's own, or any of a cell (citation, claim) one has rated."""
    if not is_blind_grader(user):
        return Q()
    rated = ConsistencyRating.objects.filter(
        reviewer=user, citation_id=OuterRef(f"{prefix}citation_id"), claim_id=OuterRef(f"{prefix}claim_id")
    )
    return Q(**{f"{prefix}reviewer": user}) | Q(Exists(rated))


def disputes_visible(user, prefix: str = "") -> Q:
    """A dispute: of a claim, raised by the user, or of a grade or rating they may see."""
    if not is_blind_grader(user):
        return Q()
    return (
        Q(**{f"{prefix}raised_by": user})
        | Q(**{f"{prefix}claim__isnull": False})
        | Q(**{f"{prefix}source_assessment__isnull": False})
        & source_grades_visible(user, f"{prefix}source_assessment__")
        | Q(**{f"{prefix}citation_assessment__isnull": False})
        & citation_grades_visible(user, f"{prefix}citation_assessment__")
        | Q(**{f"{prefix}consistency_rating__isnull": False}) & ratings_visible(user, f"{prefix}consistency_rating__")
    )


def annotations_visible(user) -> Q:
    """An annotation: on a claim, source or citation, or on a grade, rating or dispute the user may see."""
    if not is_blind_grader(user):
        return Q()
    return (
        Q(claim__isnull=False)
        | Q(source__isnull=False)
        | Q(citation__isnull=False)
        | Q(source_assessment__isnull=False) & source_grades_visible(user, "source_assessment__")
        | Q(citation_assessment__isnull=False) & citation_grades_visible(user, "citation_assessment__")
        | Q(consistency_rating__isnull=False) & ratings_visible(user, "consistency_rating__")
        | Q(dispute__isnull=False) & disputes_visible(user, "dispute__")
    )
