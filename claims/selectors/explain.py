"""How a claim's evidence grade was reached: the claim page's "How this grade was reached".

The supporting citations with their source's consensus reliability and their own consensus
credibility, each reviewer's grade behind them; the rule that picks the evidence grade and
the citation it picked; what was left out and why (F and 6, grades of an earlier version of
a citation, grades hidden by blind grading); the contradicting citations beside it.

A fixed number of queries (six; three more for a blind reviewer unless the claim page's
visibility is passed in) however many citations and grades the claim has: each stance shows its first PANEL_CITATIONS citations, in the citation
list's order, and says how many more there are; the evidence grade is the claim's stored
rank (Claim.evidence_rank, kept true by services.claim_evidence_refresh), and the citation
it came from is found by the database among the claim's own citations (_picked).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from claims.grading import (
    Credibility,
    Reliability,
    consensus_credibility,
    consensus_reliability,
    evidence_grade,
    rank_grade,
)
from claims.models import Citation, CitationAssessment, Claim, SourceAssessment

from .blind import BLIND_NOTICE, GradeVisibility, is_blind_grader
from .detail import CITATION_ORDER

PANEL_CITATIONS = 10  # of each stance

RULE = (
    "The evidence grade is the best supporting citation: reliability first, then credibility; "
    "F and 6 rank after every real grade."
)
NO_BASIS = "no basis for a grade: not averaged"
OUTDATED = "given to an earlier version of the citation: outdated, no longer counts"
CONTRADICTING_NOTE = "Contradicting citations do not enter the evidence grade; they are shown beside it, graded alike."


@dataclass(frozen=True)
class GradeGiven:
    reviewer: str
    grade: str
    left_out: str = ""  # why it is not in the consensus (NO_BASIS, OUTDATED), "" when it counts


@dataclass(frozen=True)
class Scale:
    """One side of a citation's grade: its source's reliability or its own credibility."""

    graded: bool  # grades exist (said even to a blind reviewer, who sees no more)
    hidden: bool  # by blind grading: neither the grades nor the consensus are shown
    consensus: str | None = None
    grades: tuple[GradeGiven, ...] = ()


@dataclass(frozen=True)
class ExplainedCitation:
    citation: Citation
    reliability: Scale
    credibility: Scale
    picked: bool = False  # the citation the evidence grade is

    @property
    def scales(self) -> tuple[Scale, Scale]:
        return self.reliability, self.credibility

    @property
    def label(self) -> str:
        """The citation's grade ("B2", "-2"), "" when blind grading hides part of it."""
        if self.reliability.hidden or self.credibility.hidden:
            return ""
        return evidence_grade(self.reliability.consensus, _int(self.credibility.consensus))


@dataclass
class GradeExplained:
    rule: str
    hidden: bool  # the evidence grade and its citation, from a blind reviewer
    evidence_grade: str | None  # "B2"; None when nothing supports the claim (or hidden)
    picked: ExplainedCitation | None
    supporting: list[ExplainedCitation]
    supporting_more: int  # supporting citations not listed
    contradicting: list[ExplainedCitation]
    contradicting_more: int
    left_out: list[str] = field(default_factory=list)  # sentences, of the citations listed
    blind_notice: str = BLIND_NOTICE

    @property
    def groups(self) -> list[dict]:
        """The two lists of citations, as the template shows them."""
        return [
            {
                "title": "Supporting citations",
                "views": self.supporting,
                "more": self.supporting_more,
                "none": "No supporting citations.",
                "note": "",
            },
            {
                "title": "Contradicting citations",
                "views": self.contradicting,
                "more": self.contradicting_more,
                "none": "No contradicting citations.",
                "note": CONTRADICTING_NOTE,
            },
        ]


def _int(value: str | None) -> int | None:
    return int(value) if value else None


def _count(queryset: QuerySet, key: str) -> Coalesce:
    """The number of rows of queryset (correlated to the citation through OuterRef), 0 for none."""
    rows = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _sum(queryset: QuerySet, key: str, value) -> Coalesce:
    rows = queryset.order_by().values(key).annotate(s=Sum(value)).values("s")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


_LETTER_VALUE = Case(*(When(grade=letter, then=Value(n)) for n, letter in enumerate("ABCDE", 1)), default=Value(0))


def _consensus_is(prefix: str, value: int | None, no_basis: bool) -> Q:
    """The condition that the consensus of a scale (its grades counted as {prefix}_all, the
    real ones as {prefix}_n summing to {prefix}_sum) is value (1-5), no basis, or none:
    grading._consensus_rank (the mean rounded half up) in whole numbers."""
    if no_basis:
        return Q(**{f"{prefix}_all__gt": 0, f"{prefix}_n": 0})
    if value is None:
        return Q(**{f"{prefix}_all": 0})
    return Q(**{f"{prefix}_n__gt": 0, f"{prefix}_low__gte": 0, f"{prefix}_high__lt": 0})


def _picked(claim: Claim) -> Citation | None:
    """The supporting citation whose grade is the claim's evidence grade (the first in the
    citation list's order of equally strong ones): one query, the consensus of each of the
    claim's supporting citations worked out by the database."""
    grade = rank_grade(claim.evidence_rank)
    if grade is None:
        return None
    reliability, credibility = grade
    rel = None if reliability in (None, Reliability.F) else "ABCDE".index(reliability) + 1
    cred = None if credibility in (None, Credibility.CANNOT_BE_JUDGED) else credibility
    source_grades = SourceAssessment.objects.filter(source_id=OuterRef("source_id"))
    real_source_grades = source_grades.exclude(grade=Reliability.F)
    citation_grades = CitationAssessment.objects.filter(citation_id=OuterRef("pk"), outdated=False)
    real_citation_grades = citation_grades.exclude(grade=Credibility.CANNOT_BE_JUDGED)
    candidates = (
        Citation.objects.supporting()
        .filter(claim=claim)
        .alias(
            rel_all=_count(source_grades, "source_id"),
            rel_n=_count(real_source_grades, "source_id"),
            rel_sum=_sum(real_source_grades, "source_id", _LETTER_VALUE),
            cit_all=_count(citation_grades, "citation_id"),
            cit_n=_count(real_citation_grades, "citation_id"),
            cit_sum=_sum(real_citation_grades, "citation_id", "grade"),
        )
        .alias(
            rel_low=F("rel_sum") * 2 - F("rel_n") * (2 * (rel or 0) - 1),
            rel_high=F("rel_sum") * 2 - F("rel_n") * (2 * (rel or 0) + 1),
            cit_low=F("cit_sum") * 2 - F("cit_n") * (2 * (cred or 0) - 1),
            cit_high=F("cit_sum") * 2 - F("cit_n") * (2 * (cred or 0) + 1),
        )
        .filter(_consensus_is("rel", rel, reliability == Reliability.F))
        .filter(_consensus_is("cit", cred, credibility == Credibility.CANNOT_BE_JUDGED))
    )
    return candidates.select_related("source").order_by(*CITATION_ORDER).first()


def _blind_to_evidence(user, claim: Claim) -> bool:
    """Whether a blind reviewer has left a supporting citation of the claim, or its source,
    ungraded (the evidence grade would give its consensus away, as claim_evidence_grades
    hides it): one query, none for anyone else."""
    if not is_blind_grader(user):
        return False
    own_citation_grade = CitationAssessment.objects.filter(reviewer=user, citation_id=OuterRef("pk"), outdated=False)
    own_source_grade = SourceAssessment.objects.filter(reviewer=user, source_id=OuterRef("source_id"))
    ungraded = (
        Citation.objects.supporting()
        .filter(claim=claim)
        .filter(~Exists(own_citation_grade) | ~Exists(own_source_grade))
    )
    return ungraded.exists()


def _scale(grades: list[tuple[str, str, bool]], *, hidden: bool, consensus, no_basis: str) -> Scale:
    """grades: (reviewer, grade, outdated) of one source or citation."""
    if hidden:
        return Scale(graded=bool(grades), hidden=True)
    given = tuple(
        GradeGiven(reviewer, grade, OUTDATED if outdated else NO_BASIS if grade == no_basis else "")
        for reviewer, grade, outdated in grades
    )
    counted = [g.grade for g in given if g.left_out != OUTDATED]
    value = consensus(counted if no_basis == Reliability.F else [int(g) for g in counted])
    return Scale(graded=bool(grades), hidden=False, consensus=str(value) if value is not None else None, grades=given)


_Graded = dict[int, list[tuple[str, str, bool]]]  # target id -> (reviewer, grade, outdated), by reviewer


def _grades_of(citations: list[Citation]) -> tuple[_Graded, _Graded]:
    """Every grade of these citations' sources and of the citations themselves: two queries."""
    source_grades: _Graded = defaultdict(list)
    for source_id, letter, reviewer in (
        SourceAssessment.objects.filter(source_id__in={c.source_id for c in citations})
        .order_by("reviewer__username")
        .values_list("source_id", "grade", "reviewer__username")
    ):
        source_grades[source_id].append((reviewer, letter, False))
    citation_grades: _Graded = defaultdict(list)
    for citation_id, number, outdated, reviewer in (
        CitationAssessment.objects.filter(citation_id__in=[c.pk for c in citations])
        .order_by("reviewer__username")
        .values_list("citation_id", "grade", "outdated", "reviewer__username")
    ):
        citation_grades[citation_id].append((reviewer, str(number), outdated))
    return source_grades, citation_grades


def grade_explained(
    *, claim: Claim, user, visibility: GradeVisibility | None = None, evidence_hidden: bool | None = None
) -> GradeExplained:
    """Everything "How this grade was reached" shows for this user (see the module's doc).

    visibility, evidence_hidden: what the claim page found already (detail.claim_page: the
    user's grades of all the claim's citations and sources; whether the evidence grade is
    hidden from them), saving their three queries for a blind reviewer."""
    counts = dict(
        Citation.objects.filter(claim=claim)
        .order_by()
        .values("stance")
        .annotate(n=Count("pk"))
        .values_list("stance", "n")
    )
    of_claim = Citation.objects.filter(claim=claim).select_related("source").order_by(*CITATION_ORDER)
    supporting = list(of_claim.filter(stance=Citation.Stance.SUPPORTS)[:PANEL_CITATIONS])
    contradicting = list(of_claim.filter(stance=Citation.Stance.CONTRADICTS)[:PANEL_CITATIONS])
    hidden = _blind_to_evidence(user, claim) if evidence_hidden is None else evidence_hidden
    picked = None if hidden else _picked(claim)
    shown = supporting + contradicting
    if picked is not None and picked.pk not in {c.pk for c in supporting}:
        shown.append(picked)
    source_grades, citation_grades = _grades_of(shown)
    if visibility is None:
        visibility = GradeVisibility.query(
            user, source_ids={c.source_id for c in shown}, citation_ids=[c.pk for c in shown]
        )

    def explained(citation: Citation) -> ExplainedCitation:
        return ExplainedCitation(
            citation=citation,
            reliability=_scale(
                source_grades[citation.source_id],
                hidden=not visibility.source_visible(citation.source_id),
                consensus=consensus_reliability,
                no_basis=Reliability.F,
            ),
            credibility=_scale(
                citation_grades[citation.pk],
                hidden=not visibility.citation_visible(citation.pk),
                consensus=consensus_credibility,
                no_basis=str(int(Credibility.CANNOT_BE_JUDGED)),
            ),
            picked=picked is not None and citation.pk == picked.pk,
        )

    supporting_views = [explained(c) for c in supporting]
    contradicting_views = [explained(c) for c in contradicting]
    picked_view = None
    if picked is not None:
        picked_view = next((v for v in supporting_views if v.picked), None) or explained(picked)
    best = None if hidden else rank_grade(claim.evidence_rank)
    return GradeExplained(
        rule=RULE,
        hidden=hidden,
        evidence_grade=evidence_grade(*best) if best else None,
        picked=picked_view,
        supporting=supporting_views,
        supporting_more=counts.get(Citation.Stance.SUPPORTS, 0) - len(supporting),
        contradicting=contradicting_views,
        contradicting_more=counts.get(Citation.Stance.CONTRADICTS, 0) - len(contradicting),
        left_out=_left_out(supporting_views + contradicting_views),
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _left_out(views: list[ExplainedCitation]) -> list[str]:
    """What the consensus grades of the citations listed leave out, and why, in sentences."""
    no_basis = outdated = hidden = 0
    counted_sources: set[int] = set()
    for view in views:
        scales = [view.credibility]
        if view.citation.source_id not in counted_sources:  # (a source cited twice: its grades once)
            counted_sources.add(view.citation.source_id)
            scales.append(view.reliability)
        for scale in scales:
            hidden += scale.hidden and scale.graded
            no_basis += sum(g.left_out == NO_BASIS for g in scale.grades)
            outdated += sum(g.left_out == OUTDATED for g in scale.grades)
    sentences = []
    if no_basis:
        sentences.append(
            f"{_plural(no_basis, 'grade', 'grades')} of F or 6: no basis for a grade, so not averaged "
            "(a consensus of F or 6 only where every grade is one)."
        )
    if outdated:
        sentences.append(
            f"{_plural(outdated, 'grade', 'grades')} given to an earlier version of a citation: outdated, "
            "no longer counted (its reviewer may grade the citation as it is now)."
        )
    if hidden:
        sentences.append(
            f"The grades of {_plural(hidden, 'source or citation', 'sources or citations')}: hidden, "
            f"as you have not graded them yet. {BLIND_NOTICE}"
        )
    return sentences
