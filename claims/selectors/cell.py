"""The page of a cell of a topic's competing-hypotheses matrix: a citation rated against another
claim of its topic, with the reviewers' ratings, their notes and disputes (views/ratings.py).

Blind grading: ratings.RatingVisibility decides whether the user sees the others' ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from claims import roles
from claims.grading import consensus_consistency
from claims.models import Citation, Claim, ConsistencyRating

from .detail import DisputeView, Node, _annotations, _resolve_refusal, build_threads, disputes_qs
from .ratings import RatingVisibility


def cell_claims(citation_pk: int, claim_key: str) -> tuple[Citation, Claim] | None:
    """The citation and the claim of a cell, or None when there is no such cell: the claim is
    the citation's own (its stance, not a rating, says how it bears on it) or of another topic.
    Two queries."""
    citation = Citation.objects.select_related("claim__topic", "source").filter(pk=citation_pk).first()
    claim = Claim.objects.select_related("topic").filter(key=claim_key).first()
    if citation is None or claim is None or claim.pk == citation.claim_id or claim.topic_id != citation.claim.topic_id:
        return None
    return citation, claim


@dataclass
class RatingView:
    rating: ConsistencyRating
    threads: list[Node]
    disputes: list[DisputeView]


@dataclass
class CellPage:
    citation: Citation
    claim: Claim
    own: ConsistencyRating | None
    hidden: bool  # the others' ratings are hidden from this user (blind grading)
    ratings: list[RatingView] = field(default_factory=list)  # everyone's, own included; empty when hidden
    consensus: str | None = None  # the median of every rating of the cell, None when hidden or none
    rating_count: int = 0  # how many reviewers rated the cell (shown even when blind: it gives no rating away)
    refusal: str = ""  # why this user may not rate the cell (own work), if so

    @property
    def disputes(self) -> list[DisputeView]:
        """The disputes of every rating shown, newest first."""
        every = [view for rating in self.ratings for view in rating.disputes]
        return sorted(every, key=lambda view: (view.dispute.created_at, view.dispute.pk), reverse=True)


def cell_page(citation: Citation, claim: Claim, user) -> CellPage:
    """Everything the cell page shows: three queries, one for the ratings, one for the notes on
    them and one for their disputes (the last two not asked when hidden or none)."""
    ratings = list(
        ConsistencyRating.objects.filter(claim=claim, citation=citation)
        .select_related("reviewer")
        .order_by("reviewer__username")
    )
    for rating in ratings:
        rating.citation, rating.claim = citation, claim  # (read already: their labels and pages)
    own = next((r for r in ratings if r.reviewer_id == user.pk), None)
    visibility = RatingVisibility.from_ratings(user, ratings)
    page = CellPage(
        citation=citation,
        claim=claim,
        own=own,
        hidden=not visibility.cell_visible(citation.pk, claim.pk),
        rating_count=len(ratings),
        refusal=roles.own_work_in_rating(user, citation, claim) if roles.can_assess(user) else "",
    )
    if page.hidden or not ratings:
        return page
    ids = [r.pk for r in ratings]
    threads = build_threads(_annotations(Q(consistency_rating_id__in=ids)))
    disputes: dict[int, list[DisputeView]] = {pk: [] for pk in ids}
    for dispute in disputes_qs().filter(consistency_rating_id__in=ids).order_by("-created_at", "-pk"):
        disputes[dispute.consistency_rating_id].append(
            DisputeView(dispute, hidden=False, resolve_refusal=_resolve_refusal(user, dispute))
        )
    page.ratings = [RatingView(r, threads.get(("consistency_rating", r.pk), []), disputes[r.pk]) for r in ratings]
    page.consensus = consensus_consistency(r.grade for r in ratings)
    return page
