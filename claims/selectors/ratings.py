"""Consistency ratings (the cells of a topic's competing-hypotheses matrix) and who may see them.

Blind grading holds for ratings as for grades: a reviewer who grades blind (blind.is_blind_grader)
sees no other reviewer's rating of a cell (a citation rated against a claim), nor the cell's
consensus, nor the disputes of those ratings and the notes on them, until they have rated the
same cell themselves. Editors, staff and researchers see every rating.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from claims.models import ConsistencyRating, Dispute

from .blind import is_blind_grader

Cell = tuple[int, int]  # (citation id, claim id)


@dataclass(frozen=True)
class RatingVisibility:
    """Which cells' ratings one user may see."""

    blind: bool
    rated: frozenset[Cell] = frozenset()  # the cells a blind grader has rated
    viewer_id: int | None = None

    @classmethod
    def from_ratings(cls, user, ratings: Iterable[ConsistencyRating]) -> RatingVisibility:
        """From ratings already read (objects with reviewer_id, citation_id, claim_id): no query."""
        if not is_blind_grader(user):
            return cls(blind=False)
        own = frozenset((r.citation_id, r.claim_id) for r in ratings if r.reviewer_id == user.pk)
        return cls(blind=True, rated=own, viewer_id=user.pk)

    @classmethod
    def query(cls, user, *, cells: Iterable[Cell]) -> RatingVisibility:
        """Ask which of these cells the user has rated: at most one query, none when not blind.

        Read through consistency_rating_one_per_reviewer (claim, citation, reviewer)."""
        if not is_blind_grader(user):
            return cls(blind=False)
        cells = set(cells)
        if not cells:
            return cls(blind=True, viewer_id=user.pk)
        citation_ids, claim_ids = {c for c, _ in cells}, {k for _, k in cells}
        rows = ConsistencyRating.objects.filter(
            reviewer=user, claim_id__in=claim_ids, citation_id__in=citation_ids
        ).values_list("citation_id", "claim_id")
        return cls(blind=True, rated=frozenset(cell for cell in rows if cell in cells), viewer_id=user.pk)

    def cell_visible(self, citation_id: int, claim_id: int) -> bool:
        return not self.blind or (citation_id, claim_id) in self.rated

    def rating_visible(self, rating: ConsistencyRating) -> bool:
        """One's own rating is always visible; another's once one has rated the cell."""
        return rating.reviewer_id == self.viewer_id or self.cell_visible(rating.citation_id, rating.claim_id)

    def dispute_visible(self, dispute: Dispute) -> bool:
        """A dispute of a rating shows that rating; its raiser saw the rating to dispute it."""
        if not self.blind or dispute.raised_by_id == self.viewer_id or not dispute.consistency_rating_id:
            return True
        return self.rating_visible(dispute.consistency_rating)
