"""Blind grading: a reviewer does not see others' grades of a target until they have entered their own.

This avoids anchoring. Every page that shows a grade, a consensus or something derived
from them (an evidence grade, a disputed grade) asks GradeVisibility first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from claims import roles, targets
from claims.models import CitationAssessment, Dispute, SourceAssessment

BLIND_NOTICE = "Grades hidden until you enter your own (blind grading)."


def is_blind_grader(user) -> bool:
    """Whether the user grades blind: may grade, but is neither an editor nor staff.

    Researchers cannot grade, so there is nothing to bias and they see every grade;
    editors arbitrate disputes and must see everything; staff admins may do anything.
    """
    return roles.can_assess(user) and not roles.can_edit_any(user) and not roles.is_staff_admin(user)


@dataclass(frozen=True)
class GradeVisibility:
    """Whose grades of which sources and citations one user may see."""

    blind: bool
    graded_sources: frozenset[int] = frozenset()
    graded_citations: frozenset[int] = frozenset()
    viewer_id: int | None = None

    @classmethod
    def from_assessments(
        cls, user, *, source_assessments: Iterable[Any] = (), citation_assessments: Iterable[Any] = ()
    ) -> GradeVisibility:
        """From assessments already read (objects with reviewer_id and source_id/citation_id): no query.

        A grade given to an earlier version of its citation does not count: its reviewer grades
        the citation as it is now blind again."""
        if not is_blind_grader(user):
            return cls(blind=False)
        return cls(
            blind=True,
            viewer_id=user.pk,
            graded_sources=frozenset(a.source_id for a in source_assessments if a.reviewer_id == user.pk),
            graded_citations=frozenset(
                a.citation_id
                for a in citation_assessments
                if a.reviewer_id == user.pk and not getattr(a, "outdated", False)
            ),
        )

    @classmethod
    def query(cls, user, *, source_ids: Iterable[int] = (), citation_ids: Iterable[int] = ()) -> GradeVisibility:
        """Ask the database which of these targets the user has graded (at most two queries, none when not blind)."""
        if not is_blind_grader(user):
            return cls(blind=False)
        source_ids, citation_ids = list(source_ids), list(citation_ids)
        graded_sources: frozenset[int] = frozenset()
        graded_citations: frozenset[int] = frozenset()
        if source_ids:
            graded_sources = frozenset(
                SourceAssessment.objects.filter(reviewer=user, source_id__in=source_ids).values_list(
                    "source_id", flat=True
                )
            )
        if citation_ids:
            graded_citations = frozenset(
                CitationAssessment.objects.filter(
                    reviewer=user, citation_id__in=citation_ids, outdated=False
                ).values_list("citation_id", flat=True)
            )
        return cls(blind=True, graded_sources=graded_sources, graded_citations=graded_citations, viewer_id=user.pk)

    def source_visible(self, source_id: int) -> bool:
        return not self.blind or source_id in self.graded_sources

    def citation_visible(self, citation_id: int) -> bool:
        return not self.blind or citation_id in self.graded_citations

    def grade_visible(self, grade: SourceAssessment | CitationAssessment) -> bool:
        graded = targets.of(grade).graded
        return getattr(self, f"{graded}_visible")(getattr(grade, f"{graded}_id"))

    def dispute_visible(self, dispute: Dispute) -> bool:
        """A dispute of a grade shows that grade; a dispute of a claim hides nothing; the one who
        raised a dispute always sees it (they saw the grade to dispute it)."""
        if not self.blind or dispute.raised_by_id == self.viewer_id:
            return True
        field = targets.target_field(dispute, targets.DISPUTE_FIELDS)
        return not field or not targets.by_field(field).graded or self.grade_visible(getattr(dispute, field))
