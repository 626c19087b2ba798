"""The things a note (annotation) or a dispute can be about, each kind declared once.

A claim, a source, a citation, a source grade, a citation grade, a dispute and a consistency
rating (a cell of a topic's competing-hypotheses matrix) can be annotated; a source grade, a
citation grade, a consistency rating and a claim can be disputed. Everything that
differs between the kinds lives in its TargetKind below, and the models, services,
selectors, views, forms and templates ask the registry rather than the type of an object:
adding a kind is a change to this file and its test (tests/test_targets.py), plus the
migration makemigrations writes for it. Annotation and Dispute keep one foreign key per kind,
so that the database checks and cascades each; claims/models.py builds those keys and the
constraints over them from this registry. A kind that can be disputed names the template
that shows it in the dispute form and list (templates/claims/targets/).

The models are named, not imported: claims/models.py reads this module to build its
fields and constraints, so importing the models here would be a cycle. Pages and the blind-grading
rule are imported where they are used, for the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.urls import reverse


@dataclass(frozen=True)
class Badge:
    """A grade or a status as the pages show it: <span class="{css}">{mark}</span> {words},
    or in plain text (a list's line): text."""

    css: str
    mark: str
    text: str
    words: str = ""


@dataclass(frozen=True)
class Proposal:
    """What a dispute of a kind proposes instead of what the target has now."""

    # "reliability" (A-F), "credibility" (1-6), "consistency" (CC-II) or "status": the choices the form offers
    scale: str
    field: str  # the Dispute field that holds the proposal
    attribute: str  # the target's attribute an upheld dispute sets to the proposal
    missing: str  # said when the proposal is missing or of another kind
    heading: str  # of the form that raises one
    # Its place among the Dispute's foreign keys: the migrations hold the constraints built in this order.
    position: int
    numeric: bool = False  # the field is a number (NULL when empty), else text ("" when empty)

    def badge(self, value, display: str) -> Badge:
        """A value of its scale (display: its label among the choices) as a badge."""
        if self.attribute == "grade":  # "A: reliable" → A, "reliable"
            return Badge(css="grade", mark=str(value), text=display, words=display.partition(": ")[2])
        return Badge(css=f"{self.attribute} {self.attribute}-{value}", mark=display, text=f"{self.attribute} {display}")

    @property
    def of_grade(self) -> bool:
        """A grade is disputed by those who grade, and never by its own reviewer."""
        return self.attribute == "grade"


@dataclass(frozen=True)
class Grading:
    """How a source or a citation is graded (its grades are a kind of their own, see graded)."""

    form: Callable[[Any], str]  # the URL of the grade form
    anchor: str  # where its grades are on its page ({pk}: its id)


@dataclass(frozen=True)
class TargetKind:
    url_kind: str  # in URLs: /annotations/on/<url_kind>/<pk>/, /disputes/new/<url_kind>/<pk>/
    model_name: str  # in the claims app
    field: str  # the foreign key to it on Annotation (and on Dispute, if it can be disputed)
    related: tuple[str, ...]  # read with it, to name it and to find its page
    page: Callable[[Any], str]  # the page that shows it
    home: str  # what that page is of: "Back to the claim"
    anchor: str  # where on that page ({pk}: its id); "" for the page itself
    label: Callable[[Any], str]  # named in a heading and a link: "Annotate …", "You challenge …"
    text: Callable[[Any], str]  # the text a quoted passage must come from
    # Whether a blind grader who has not graded the same thing yet may not see it (selectors.blind).
    hidden: Callable[[Any, Any], bool]
    # The topics whose home-page summary (claim and open-dispute counts, latest activity) a write of it may change.
    topics: Callable[[Any], set[int]] = lambda obj: set()
    notes_on_topics: bool = False  # a note on it is activity on those topics
    # It belongs to a source (a source's grade, a dispute of one), not to the topics citing the source:
    # writing it is no activity on them, only its disputes count there.
    of_source: Callable[[Any], bool] = lambda obj: False
    graded: str = ""  # for a grade: the field of what it grades ("source", "citation")
    grading: Grading | None = None  # for what is graded
    proposal: Proposal | None = None  # for what can be disputed
    # For what can be disputed: how a dispute shows it (claims/templates/claims/targets/).
    template: str = ""

    @property
    def model(self) -> type[Model]:
        return apps.get_model("claims", self.model_name)

    def url(self, obj) -> str:
        """Its place: the page, at its anchor if it has one."""
        anchor = self.anchor.format(pk=obj.pk)
        return f"{self.page(obj)}#{anchor}" if anchor else self.page(obj)

    def now(self, obj) -> Badge:
        """For what can be disputed: what a dispute of it would change, as it is now."""
        value = getattr(obj, self.proposal.attribute)
        return self.proposal.badge(value, getattr(obj, f"get_{self.proposal.attribute}_display")())

    def notes_url(self, obj) -> str:
        """Where its notes are: at its anchor, else the page's notes."""
        return f"{self.page(obj)}#{self.anchor.format(pk=obj.pk) or 'annotations'}"


# --- Pages (the selectors are imported late: they import the models) -----------------


def _citation_page(citation) -> str:
    from claims.links import citation_url

    return citation_url(citation, "")


def _claim_page(claim) -> str:
    return reverse("claim_detail", args=[claim.key])


def _source_page(source) -> str:
    return reverse("source_detail", args=[source.key])


# --- Blind grading ---------------------------------------------------------------------


def never_hidden(user, obj) -> bool:
    return False


def grades_visible(user, *, graded: str, pk: int) -> bool:
    """Whether the user may see the grades of the source or citation (graded) pk: at most one query."""
    from claims.selectors.blind import GradeVisibility

    visibility = GradeVisibility.query(user, **{f"{graded}_ids": [pk]})
    return getattr(visibility, f"{graded}_visible")(pk)


def _grade_hidden(user, grade) -> bool:
    graded = of(grade).graded
    return grade.reviewer_id != user.pk and not grades_visible(user, graded=graded, pk=getattr(grade, f"{graded}_id"))


def _rating_hidden(user, rating) -> bool:
    """Another reviewer's rating of a cell (a citation against a claim) is hidden from a blind
    grader until they have rated the same cell (selectors/ratings.py)."""
    from claims.selectors.ratings import RatingVisibility

    if rating.reviewer_id == user.pk:
        return False
    cell = (rating.citation_id, rating.claim_id)
    return not RatingVisibility.query(user, cells=[cell]).cell_visible(*cell)


def _dispute_hidden(user, dispute) -> bool:
    # Its raiser saw the grade to dispute it; anyone else sees it as they would see the grade.
    if dispute.raised_by_id == user.pk:
        return False
    target = dispute.target
    kind = of(target)
    return bool(kind and kind.hidden(user, target))


# --- Topic summaries (services.topic_summaries_refresh) --------------------------------


def _topics_of_claim(claim_id: int) -> set[int]:
    return set(apps.get_model("claims", "Claim").objects.filter(pk=claim_id).values_list("topic_id", flat=True))


def _topics_of_citation(citation_id: int) -> set[int]:
    citations = apps.get_model("claims", "Citation").objects.filter(pk=citation_id)
    return set(citations.values_list("claim__topic_id", flat=True))


def topics_citing(source_id: int) -> set[int]:
    citations = apps.get_model("claims", "Citation").objects.filter(source_id=source_id).order_by()
    return set(citations.values_list("claim__topic_id", flat=True).distinct())


def _disputed_topics(dispute) -> set[int]:
    target = dispute.target
    kind = of(target)
    return kind.topics(target) if kind else set()


def _disputed_of_source(dispute) -> bool:
    target = dispute.target
    kind = of(target)
    return bool(kind and kind.of_source(target))


# --- Labels ----------------------------------------------------------------------------


def _source_grade_label(grade) -> str:
    return f"{grade.reviewer}’s reliability grade of the source “{grade.source.title}”"


def _citation_label(citation) -> str:
    where = f", {citation.locator}" if citation.locator else ""
    return f"the citation of {citation.source.key}{where} for the claim {citation.claim.key}"


def _citation_grade_label(grade) -> str:
    citation = grade.citation
    where = f", {citation.locator}" if citation.locator else ""
    return (
        f"{grade.reviewer}’s credibility grade of the citation of {citation.source.key}{where} "
        f"for the claim {citation.claim.key}"
    )


def _rating_label(rating) -> str:
    citation = rating.citation
    where = f", {citation.locator}" if citation.locator else ""
    return (
        f"{rating.reviewer}’s consistency rating of the citation of {citation.source.key}{where} "
        f"(for the claim {citation.claim.key}) against the claim {rating.claim.key}"
    )


def cell_page(citation, claim) -> str:
    """The page of a cell of a topic's matrix: the citation rated against the claim."""
    return reverse("consistency_cell", args=[citation.pk, claim.key])


# --- The registry ----------------------------------------------------------------------

# In the order of Annotation's foreign keys, which its constraint (in the migrations) follows.
KINDS: tuple[TargetKind, ...] = (
    TargetKind(
        url_kind="claim",
        model_name="Claim",
        field="claim",
        related=("topic",),
        page=_claim_page,
        home="claim",
        anchor="",
        label=lambda claim: f"the claim {claim.key}",
        text=lambda claim: claim.statement,
        hidden=never_hidden,
        topics=lambda claim: {claim.topic_id},
        notes_on_topics=True,
        proposal=Proposal(
            scale="status",
            field="proposed_status",
            attribute="status",
            missing="Propose the status the claim should have.",
            heading="Dispute this claim",
            position=2,
        ),
        template="claims/targets/claim.html",
    ),
    TargetKind(
        url_kind="source",
        model_name="Source",
        field="source",
        related=(),
        page=_source_page,
        home="source",
        anchor="",
        label=lambda source: f"the source {source.title}",
        text=lambda source: "\n".join([source.title, source.title_original, source.notes]),
        hidden=never_hidden,
        grading=Grading(form=lambda source: reverse("source_grade", args=[source.key]), anchor="grades"),
    ),
    TargetKind(
        url_kind="citation",
        model_name="Citation",
        field="citation",
        related=("claim", "source"),
        page=_citation_page,
        home="claim",
        anchor="citation-{pk}",
        label=_citation_label,
        text=lambda citation: "\n".join([citation.quote, citation.quote_translation, citation.locator]),
        hidden=never_hidden,
        topics=lambda citation: _topics_of_claim(citation.claim_id),
        notes_on_topics=True,
        grading=Grading(form=lambda citation: reverse("citation_grade", args=[citation.pk]), anchor="citation-{pk}"),
    ),
    TargetKind(
        url_kind="source-grade",
        model_name="SourceAssessment",
        field="source_assessment",
        related=("source", "reviewer"),
        page=lambda grade: _source_page(grade.source),
        home="source",
        anchor="source-grade-{pk}",
        label=_source_grade_label,
        text=lambda grade: grade.rationale,
        hidden=_grade_hidden,
        graded="source",
        topics=lambda grade: topics_citing(grade.source_id),  # its disputes count on every topic citing the source
        of_source=lambda grade: True,
        proposal=Proposal(
            scale="reliability",
            field="proposed_reliability",
            attribute="grade",
            missing="Propose the reliability grade (A-F) the source should have.",
            heading="Dispute this grade",
            position=0,
        ),
        template="claims/targets/source_grade.html",
    ),
    TargetKind(
        url_kind="citation-grade",
        model_name="CitationAssessment",
        field="citation_assessment",
        related=("citation__claim", "citation__source", "reviewer"),
        page=lambda grade: _citation_page(grade.citation),
        home="claim",
        anchor="citation-grade-{pk}",
        label=_citation_grade_label,
        text=lambda grade: grade.rationale,
        hidden=_grade_hidden,
        graded="citation",
        topics=lambda grade: _topics_of_citation(grade.citation_id),
        notes_on_topics=True,
        proposal=Proposal(
            scale="credibility",
            field="proposed_credibility",
            attribute="grade",
            missing="Propose the credibility grade (1-6) the citation should have.",
            heading="Dispute this grade",
            position=1,
            numeric=True,
        ),
        template="claims/targets/citation_grade.html",
    ),
    TargetKind(
        url_kind="dispute",
        model_name="Dispute",
        field="dispute",
        related=("source_assessment", "citation_assessment", "claim", "consistency_rating"),
        page=lambda dispute: reverse("dispute_detail", args=[dispute.pk]),
        home="dispute",
        anchor="",
        label=lambda dispute: f"the dispute #{dispute.pk}",
        text=lambda dispute: dispute.reason,
        hidden=_dispute_hidden,
        topics=_disputed_topics,
        of_source=_disputed_of_source,
    ),
    # Not counted in a topic's summary (its open disputes, its latest activity): the home page
    # counts the claims, their evidence and its grades; the matrix shows the ratings.
    TargetKind(
        url_kind="consistency-rating",
        model_name="ConsistencyRating",
        field="consistency_rating",
        related=("citation__claim", "citation__source", "claim", "reviewer"),
        page=lambda rating: cell_page(rating.citation, rating.claim),
        home="rating",
        anchor="rating-{pk}",
        label=_rating_label,
        text=lambda rating: rating.rationale,
        hidden=_rating_hidden,
        proposal=Proposal(
            scale="consistency",
            field="proposed_consistency",
            attribute="grade",
            missing="Propose the consistency rating (CC, C, N, I or II) the evidence should have.",
            heading="Dispute this rating",
            position=3,
        ),
        template="claims/targets/consistency_rating.html",
    ),
)

DISPUTABLE: tuple[TargetKind, ...] = tuple(
    sorted((kind for kind in KINDS if kind.proposal), key=lambda kind: kind.proposal.position)
)
ANNOTATION_FIELDS: tuple[str, ...] = tuple(kind.field for kind in KINDS)
DISPUTE_FIELDS: tuple[str, ...] = tuple(kind.field for kind in DISPUTABLE)

_BY_URL_KIND = {kind.url_kind: kind for kind in KINDS}
_BY_FIELD = {kind.field: kind for kind in KINDS}
_BY_MODEL_NAME = {kind.model_name: kind for kind in KINDS}


def by_url_kind(url_kind: str) -> TargetKind | None:
    return _BY_URL_KIND.get(url_kind)


def by_field(field: str) -> TargetKind:
    return _BY_FIELD[field]


def of(obj) -> TargetKind | None:
    """The kind of obj, None when nothing of its type is annotated or disputed."""
    meta = getattr(obj, "_meta", None)
    return _BY_MODEL_NAME.get(meta.object_name) if meta is not None and meta.app_label == "claims" else None


def grades_of(graded: TargetKind) -> TargetKind:
    """The kind of the grades of a graded kind (source → source grade)."""
    return next(kind for kind in KINDS if kind.graded == graded.field)


def target_field(obj, fields: tuple[str, ...] = ANNOTATION_FIELDS) -> str | None:
    """Which of the foreign keys fields (an annotation's, a dispute's) obj, an annotation or
    a dispute, has set; None when none is."""
    return next((name for name in fields if getattr(obj, f"{name}_id")), None)


def related_through(field_prefix_kinds: tuple[TargetKind, ...]) -> tuple[str, ...]:
    """The select_related paths that read each kind's target, with what names it, through
    the foreign key of its kind (from an annotation or a dispute)."""
    paths = []
    for kind in field_prefix_kinds:
        paths.extend([f"{kind.field}__{path}" for path in kind.related] or [kind.field])
    return tuple(paths)
