"""Reads that need care: consensus grades and a claim's derived evidence grade.

Each function runs a fixed number of queries however many claims, citations and
assessments there are, so pages and exports built on them stay flat.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from claims.grading import (
    NO_SUPPORT_RANK,
    consensus_credibility,
    consensus_reliability,
    evidence_grade,
    evidence_rank,
    evidence_sort_key,
)
from claims.models import Citation, CitationAssessment, Claim, SourceAssessment

from .blind import GradeVisibility


@dataclass(frozen=True)
class CitationGrade:
    citation_id: int
    reliability: str | None  # the source's consensus, A-F, or None when ungraded
    credibility: int | None  # the citation's consensus, 1-6, or None when ungraded

    @property
    def label(self) -> str:
        return evidence_grade(self.reliability, self.credibility)

    @property
    def sort_key(self) -> tuple[int, int]:
        return evidence_sort_key(self.reliability, self.credibility)


def source_consensus(source_ids: Iterable[int]) -> dict[int, str | None]:
    grades: dict[int, list[str]] = defaultdict(list)
    for source_id, grade in SourceAssessment.objects.filter(source_id__in=list(source_ids)).values_list(
        "source_id", "grade"
    ):
        grades[source_id].append(grade)
    return {source_id: consensus_reliability(g) for source_id, g in grades.items()}


def citation_grades(citations: Iterable["Citation | _Supporting"], *, citation_ids=None) -> dict[int, CitationGrade]:
    """Consensus reliability of each citation's source and consensus credibility of the citation.

    citation_ids: a subquery selecting the citations' ids, where the caller has one (the
    database runs it faster than Django builds an IN list of thousands of ids).
    """
    citations = list(citations)
    reliability = source_consensus({c.source_id for c in citations})
    credibility: dict[int, list[int]] = defaultdict(list)
    # Grades given to an earlier version of their citation no longer count (services.citation_update).
    for citation_id, grade in CitationAssessment.objects.filter(
        citation_id__in=[c.pk for c in citations] if citation_ids is None else citation_ids, outdated=False
    ).values_list("citation_id", "grade"):
        credibility[citation_id].append(grade)
    return {
        c.pk: CitationGrade(c.pk, reliability.get(c.source_id), consensus_credibility(credibility.get(c.pk, [])))
        for c in citations
    }


HIDDEN = "hidden"


class _Supporting(NamedTuple):
    """What claim_evidence_grades reads of a supporting citation (a model instance costs more)."""

    pk: int
    claim_id: int
    source_id: int


def claim_evidence_grades(claims: Iterable[Claim], *, user=None) -> dict[int, str | None]:
    """The evidence grade of each claim: its best supporting citation, e.g. "B2".

    None when nothing supports the claim. Three queries for any number of claims, two
    more for a blind reviewer (see selectors/blind.py), for whom a claim's grade is
    HIDDEN while any of its supporting citations or their sources is ungraded by them:
    the evidence grade would give those consensus grades away.
    """
    claim_ids = [c.pk for c in claims]
    # (No order: Citation's default order would join claims and sources to sort by their keys.)
    query = Citation.objects.supporting().filter(claim_id__in=claim_ids).order_by()
    supporting = [_Supporting(*row) for row in query.values_list("pk", "claim_id", "source_id")]
    visibility = (
        GradeVisibility.query(
            user, source_ids={c.source_id for c in supporting}, citation_ids=[c.pk for c in supporting]
        )
        if user is not None
        else GradeVisibility(blind=False)
    )
    hidden = {
        c.claim_id
        for c in supporting
        if not (visibility.citation_visible(c.pk) and visibility.source_visible(c.source_id))
    }
    grades = citation_grades(supporting, citation_ids=query.values("pk"))
    best: dict[int, CitationGrade] = {}
    for citation in supporting:
        grade = grades[citation.pk]
        current = best.get(citation.claim_id)
        if current is None or grade.sort_key < current.sort_key:
            best[citation.claim_id] = grade
    return {
        claim_id: HIDDEN if claim_id in hidden else (best[claim_id].label if claim_id in best else None)
        for claim_id in claim_ids
    }


def fresh_evidence_ranks(claim_ids: Iterable[int]) -> dict[int, int]:
    """Each claim's evidence grade as grading.evidence_rank makes it from the records now
    (NO_SUPPORT_RANK for a claim nothing supports): what Claim.evidence_rank must hold.

    Three queries for any number of claims (services.claim_evidence_refresh asks in batches)."""
    claim_ids = list(claim_ids)
    query = Citation.objects.supporting().filter(claim_id__in=claim_ids).order_by()
    supporting = [_Supporting(*row) for row in query.values_list("pk", "claim_id", "source_id")]
    grades = citation_grades(supporting, citation_ids=query.values("pk")) if supporting else {}
    ranks = dict.fromkeys(claim_ids, NO_SUPPORT_RANK)
    for citation in supporting:
        grade = grades[citation.pk]
        ranks[citation.claim_id] = min(ranks[citation.claim_id], evidence_rank(grade.reliability, grade.credibility))
    return ranks
