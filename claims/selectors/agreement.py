"""Reviewer agreement: Krippendorff's alpha (ordinal metric) of the reviewers' grades.

Two scales: source reliability (A-E as ranks 1-5) and citation credibility (1-5). F and 6
("cannot be judged") are no value, as in the consensus (claims/grading.py), and a grade given
to an earlier version of a citation does not count. The units are the sources and citations,
the coders the reviewers. The alpha is the `krippendorff` package's; its 95% interval is a
bootstrap over the units, computed here with numpy on the value-counts matrix because the
package has none and a thousand calls of it would be slow.

An aggregate has to read every grade it is made of, so its cost grows with the grades
(bench/agreement.py). The pages therefore read what the background job stored
(stored_agreement; models.AgreementFigures): the job (services.agreement_figures_refresh) reads
every scope's grades at once (scopes_grades) and stores each scope's figures_of; agreement()
computes one scope now, the same way, for the tests and the benchmark.

The breakdown (pairs of reviewers, each reviewer against the others' consensus, the targets
reviewers disagree most on) names reviewers and shows grades: only editors and staff may see it
(views/agreement.py asks roles.can_edit_any), since blind grading hides both from reviewers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

import krippendorff
import numpy as np
from django.db import connection

from claims import grading
from claims.grading import Credibility, Reliability
from claims.models import AgreementFigures, Citation, CitationAssessment, Claim, Source, SourceAssessment, Topic, User
from claims.selectors import detail

RANKS = 5  # the values of both scales once "cannot be judged" is left out
RESAMPLES = 1000
SEED = 14  # fixed, so that the page shows the same interval each time for the same grades
TARGETS_SHOWN = 25  # per scale, the most disagreed-upon first
PAIRS_SHOWN = 20  # the pairs sharing the most items; each costs a bootstrap
REVIEWERS_SHOWN = 50

# Krippendorff (2004, p. 241): rely on variables with alpha >= .800; consider those between
# .667 and .800 only for drawing tentative conclusions.
RELIABLE = 0.800
TENTATIVE = 0.667

TOO_FEW_ITEMS = "not enough data: fewer than 2 items graded by two reviewers or more"
NO_VARIATION = "not enough data: every grade given is the same, so agreement cannot be told apart from chance"

Grade = tuple[int, int, int]  # (unit id, reviewer id, rank 1-5)


def reading(alpha: float | None) -> str:
    """Krippendorff's reading of an alpha, in words ("" when there is none)."""
    if alpha is None:
        return ""
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "not reliable"


@dataclass(frozen=True)
class Agreement:
    """One figure: the alpha of a set of grades, and what it rests on."""

    alpha: float | None
    items: int  # units with at least two values (pairable units)
    graders: int  # distinct reviewers with a value in them
    pairable: int  # values in them
    low: float | None = None  # the 95% bootstrap interval
    high: float | None = None
    undefined: str = ""  # why alpha is None, in words

    @property
    def reading(self) -> str:
        return reading(self.alpha)

    def as_json(self) -> dict[str, float | int | None]:
        def rounded(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {
            "alpha": rounded(self.alpha),
            "items": self.items,
            "graders": self.graders,
            "pairable": self.pairable,
            "low": rounded(self.low),
            "high": rounded(self.high),
        }


# --- The computation ------------------------------------------------------------------


def _value_counts(grades: Iterable[Grade]) -> tuple[np.ndarray, list[int], int]:
    """The value-counts matrix (pairable units × 5 ranks), the units' ids and the number of
    distinct reviewers in them. Units with a single value pair with nothing: left out."""
    table = np.array(list(grades), dtype=np.int64).reshape(-1, 3)
    units, row_of = np.unique(table[:, 0], return_inverse=True)
    counts = np.zeros((len(units), RANKS), dtype=np.int64)
    np.add.at(counts, (row_of, table[:, 2] - 1), 1)
    pairable = counts.sum(axis=1) >= 2
    graders = len(np.unique(table[pairable[row_of], 1]))
    return counts[pairable], units[pairable].tolist(), graders


def package_alpha(counts: np.ndarray) -> float | None:
    """The krippendorff package's ordinal alpha of a value-counts matrix; None where it is
    undefined (no unit with two values: the package raises; a single value used throughout:
    the expected disagreement is 0 and the package returns NaN)."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = krippendorff.alpha(
                value_counts=counts, value_domain=list(range(1, RANKS + 1)), level_of_measurement="ordinal"
            )
    except ValueError:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _unit_coincidences(patterns: np.ndarray) -> np.ndarray:
    """Each unit's share of the coincidence matrix (K × V × V), as the package computes it."""
    values = patterns.sum(axis=1)
    within = patterns[:, :, None] * patterns[:, None, :] - patterns[:, :, None] * np.eye(RANKS)[None]
    return within / (values - 1)[:, None, None]


def ordinal_alphas(patterns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ordinal alpha of many weighted sets of units at once: weights (B × K) say how many times
    each of K value-count rows (K × V) is taken in each of B sets. NaN where undefined."""
    o = np.einsum("bk,kij->bij", weights.astype(np.float64), _unit_coincidences(patterns))
    n_v = o.sum(axis=1)  # (B, V)
    n = n_v.sum(axis=1)
    # The ordinal metric: the values between two ranks (halving the ends), squared.
    cumulative = np.cumsum(n_v, axis=1)
    i = np.arange(RANKS)
    lo, hi = np.minimum.outer(i, i), np.maximum.outer(i, i)
    between = cumulative[:, hi] - cumulative[:, lo] + n_v[:, lo]
    d = (between - (n_v[:, lo] + n_v[:, hi]) / 2) ** 2
    e = (n_v[:, :, None] * n_v[:, None, :] - n_v[:, :, None] * np.eye(RANKS)[None]) / (n - 1)[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - (o * d).sum(axis=(1, 2)) / (e * d).sum(axis=(1, 2))


def bootstrap_interval(
    counts: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of alpha over sets of units drawn with replacement.

    Units with the same value counts are alike to alpha, so a draw of N units is a multinomial
    draw over the distinct rows: a few hundred columns, whatever N."""
    # (Each row as one number, so that numpy finds the distinct rows by a plain sort.)
    codes = counts @ (int(counts.max()) + 1) ** np.arange(RANKS)
    _, first, frequency = np.unique(codes, return_index=True, return_counts=True)
    patterns = counts[first]
    units = int(frequency.sum())
    draws = np.random.default_rng(seed).multinomial(units, frequency / units, size=resamples)
    alphas = ordinal_alphas(patterns, draws)
    alphas = alphas[np.isfinite(alphas)]
    if not alphas.size:
        return None
    low, high = np.percentile(alphas, [2.5, 97.5])
    return float(low), float(high)


def agreement_of(grades: Iterable[Grade]) -> Agreement:
    counts, units, graders = _value_counts(grades)
    alpha, low, high, undefined = None, None, None, TOO_FEW_ITEMS
    if len(units) >= 2:
        alpha = package_alpha(counts)
        undefined = "" if alpha is not None else NO_VARIATION
    if alpha is not None:
        low, high = bootstrap_interval(counts) or (None, None)
    return Agreement(alpha, len(units), graders, int(counts.sum()), low, high, undefined)


# --- The scales and their grades ---------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    key: str  # the JSON's
    title: str
    grades: Callable[[Topic | None], list[Grade]]
    shown: Callable[[int], str]  # a rank as the site writes the grade
    consensus: Callable[[list[int]], int]  # the site's consensus of ranks, as a rank


_LETTERS = "ABCDE"


def source_grades(topic: Topic | None = None) -> list[Grade]:
    """Every source grade but F (one query); of a topic, those of the sources its claims cite."""
    grades = SourceAssessment.objects.exclude(grade=Reliability.F)
    if topic is not None:
        cited = Citation.objects.filter(claim__topic=topic).order_by().values("source_id")
        grades = grades.filter(source_id__in=cited)
    return [
        (source, reviewer, _LETTERS.index(letter) + 1)
        for source, reviewer, letter in grades.order_by().values_list("source_id", "reviewer_id", "grade")
    ]


def citation_grades(topic: Topic | None = None) -> list[Grade]:
    """Every current citation grade but 6 (one query); of a topic, those of its claims' citations."""
    grades = CitationAssessment.objects.filter(outdated=False).exclude(grade=Credibility.CANNOT_BE_JUDGED)
    if topic is not None:
        grades = grades.filter(citation__claim__topic=topic)
    return list(grades.order_by().values_list("citation_id", "reviewer_id", "grade"))


def _reliability_consensus(ranks: list[int]) -> int:
    return _LETTERS.index(grading.consensus_reliability(_LETTERS[r - 1] for r in ranks) or "") + 1


def _credibility_consensus(ranks: list[int]) -> int:
    return int(grading.consensus_credibility(ranks) or 0)


SOURCE_RELIABILITY = Scale(
    "source_reliability", "Source reliability (A–E)", source_grades, lambda r: _LETTERS[r - 1], _reliability_consensus
)
CITATION_CREDIBILITY = Scale(
    "citation_credibility", "Citation credibility (1–5)", citation_grades, str, _credibility_consensus
)
SCALES = (SOURCE_RELIABILITY, CITATION_CREDIBILITY)


# --- The breakdown (editors and staff only) --------------------------------------------


@dataclass(frozen=True)
class PairAgreement:
    first: str
    second: str
    agreement: Agreement


@dataclass(frozen=True)
class Departure:
    """How far a reviewer's grades lie from the consensus of the others on the same units."""

    reviewer: str
    n: int
    mean_absolute: float  # steps
    mean_signed: float  # > 0: lower grades than the others (a later letter, a higher number)


@dataclass(frozen=True)
class DisputedTarget:
    target: Source | Citation
    grades: list[tuple[str, str]]  # (reviewer, grade), best grade first
    spread: int  # steps between the highest and the lowest grade
    consensus: str


@dataclass
class Breakdown:
    pairs: list[PairAgreement] = field(default_factory=list)
    more_pairs: int = 0
    departures: list[Departure] = field(default_factory=list)
    more_departures: int = 0
    targets: list[DisputedTarget] = field(default_factory=list)
    more_targets: int = 0


@dataclass
class ScaleAgreement:
    scale: Scale
    overall: Agreement
    breakdown: Breakdown | None = None

    @property
    def rows(self) -> list[tuple[str, Agreement]]:
        """The figures as the page lists them: every reviewer's, then each pair's (breakdown only)."""
        pairs = self.breakdown.pairs if self.breakdown else []
        return [("All reviewers", self.overall)] + [(f"{p.first} and {p.second}", p.agreement) for p in pairs]


def _units(grades: list[Grade]) -> dict[int, list[tuple[int, int]]]:
    """Each pairable unit's (reviewer, rank) grades."""
    by_unit: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit, reviewer, rank in grades:
        by_unit[unit].append((reviewer, rank))
    return {unit: graded for unit, graded in by_unit.items() if len(graded) >= 2}


# The figures as stored (models.AgreementFigures.figures): per scale, its overall figure and
# its breakdown, reviewers and targets by id. JSON, so an alpha is a float or None.

_FIGURE_FIELDS = ("alpha", "items", "graders", "pairable", "low", "high", "undefined")


def _figure_json(figure: Agreement) -> dict[str, Any]:
    return {name: getattr(figure, name) for name in _FIGURE_FIELDS}


def _figure(stored: dict[str, Any]) -> Agreement:
    return Agreement(**{name: stored[name] for name in _FIGURE_FIELDS})


def _pairs(units: dict[int, list[tuple[int, int]]], names: dict[int, str]) -> tuple[list[list], int]:
    shared: dict[tuple[int, int], list[Grade]] = defaultdict(list)
    for unit, graded in units.items():
        for (a, rank_a), (b, rank_b) in combinations(sorted(graded), 2):
            shared[a, b] += [(unit, a, rank_a), (unit, b, rank_b)]
    # The pairs that share the most units first: their alphas say the most.
    order = sorted(shared, key=lambda pair: (-len(shared[pair]), names[pair[0]], names[pair[1]]))
    shown = [[a, b, _figure_json(agreement_of(shared[a, b]))] for a, b in order[:PAIRS_SHOWN]]
    return shown, max(0, len(order) - PAIRS_SHOWN)


def _departures(units: dict[int, list[tuple[int, int]]], scale: Scale, names: dict[int, str]) -> tuple[list[list], int]:
    differences: dict[int, list[int]] = defaultdict(list)
    for graded in units.values():
        for reviewer, rank in graded:
            others = [r for who, r in graded if who != reviewer]
            differences[reviewer].append(rank - scale.consensus(others))
    found = [
        (reviewer, len(steps), sum(abs(s) for s in steps) / len(steps), sum(steps) / len(steps))
        for reviewer, steps in differences.items()
    ]
    found.sort(key=lambda d: (-d[2], -d[1], names[d[0]]))
    return [list(d) for d in found[:REVIEWERS_SHOWN]], max(0, len(found) - REVIEWERS_SHOWN)


def _disputed_targets(
    units: dict[int, list[tuple[int, int]]], scale: Scale, names: dict[int, str]
) -> tuple[list[list], int]:
    def disagreement(unit: int) -> tuple[int, float, int, int]:
        # The widest spread first; among equal spreads, grades further from their mean.
        ranks = [rank for _, rank in units[unit]]
        mean = sum(ranks) / len(ranks)
        return (min(ranks) - max(ranks), -sum((r - mean) ** 2 for r in ranks) / len(ranks), -len(ranks), unit)

    shown = []
    for unit in sorted(units, key=disagreement)[:TARGETS_SHOWN]:
        ranks = [rank for _, rank in units[unit]]
        graded = sorted(units[unit], key=lambda g: (g[1], names[g[0]]))
        shown.append([unit, [list(g) for g in graded], max(ranks) - min(ranks), scale.consensus(ranks)])
    return shown, max(0, len(units) - TARGETS_SHOWN)


def figures_of(read: dict[str, list[Grade]]) -> dict[str, Any]:
    """The stored figures (JSON) of each scale's grades: the overall figure and the breakdown.
    One query (the reviewers' names, for the order of ties)."""
    units = {scale.key: _units(read[scale.key]) for scale in SCALES}
    reviewers = {who for by_unit in units.values() for graded in by_unit.values() for who, _ in graded}
    names = dict(User.objects.filter(pk__in=reviewers).values_list("pk", "username")) if reviewers else {}
    figures: dict[str, Any] = {}
    for scale in SCALES:
        by_unit = units[scale.key]
        pairs, more_pairs = _pairs(by_unit, names)
        departures, more_departures = _departures(by_unit, scale, names)
        targets, more_targets = _disputed_targets(by_unit, scale, names)
        figures[scale.key] = {
            "overall": _figure_json(agreement_of(read[scale.key])),
            "pairs": pairs,
            "more_pairs": more_pairs,
            "departures": departures,
            "more_departures": more_departures,
            "targets": targets,
            "more_targets": more_targets,
        }
    return figures


def _named(figures: dict[str, Any], *, breakdown: bool) -> list[ScaleAgreement]:
    """The stored figures as the page shows them; with the breakdown, three queries (the
    reviewers' names, the sources and the citations shown) and the citations' pages."""
    found = [ScaleAgreement(scale, _figure(figures[scale.key]["overall"])) for scale in SCALES]
    if not breakdown:
        return found
    reviewers: set[int] = set()
    for scale in SCALES:
        stored = figures[scale.key]
        reviewers.update(who for a, b, _ in stored["pairs"] for who in (a, b))
        reviewers.update(d[0] for d in stored["departures"])
        reviewers.update(who for t in stored["targets"] for who, _ in t[1])
    names = dict(User.objects.filter(pk__in=reviewers).values_list("pk", "username")) if reviewers else {}
    sources = Source.objects.in_bulk([t[0] for t in figures[SOURCE_RELIABILITY.key]["targets"]])
    citations = Citation.objects.select_related("claim", "source").in_bulk(
        [t[0] for t in figures[CITATION_CREDIBILITY.key]["targets"]]
    )
    detail.with_citation_pages(citations.values())
    objects: dict[str, dict[int, Source | Citation]] = {
        SOURCE_RELIABILITY.key: dict(sources),
        CITATION_CREDIBILITY.key: dict(citations),
    }

    def name(pk: int) -> str:
        return names.get(pk, "(deleted reviewer)")

    for item in found:
        scale, stored = item.scale, figures[item.scale.key]
        item.breakdown = Breakdown(
            [PairAgreement(name(a), name(b), _figure(figure)) for a, b, figure in stored["pairs"]],
            stored["more_pairs"],
            [
                Departure(name(who), n, mean_absolute, mean_signed)
                for who, n, mean_absolute, mean_signed in stored["departures"]
            ],
            stored["more_departures"],
            [
                DisputedTarget(
                    objects[scale.key][unit],
                    [(name(who), scale.shown(rank)) for who, rank in graded],
                    spread,
                    scale.shown(consensus),
                )
                for unit, graded, spread, consensus in stored["targets"]
                if unit in objects[scale.key]  # (deleted since the figures were computed)
            ],
            stored["more_targets"],
        )
    return found


def agreement(*, topic: Topic | None = None, breakdown: bool = False) -> list[ScaleAgreement]:
    """Both scales' agreement, computed now over every grade or a topic's: what the background
    job stores (services.agreement_figures_refresh), as the page shows it. Three queries; with
    the breakdown (names, grades: editors and staff only), three more and the citations' pages."""
    return _named(figures_of({scale.key: scale.grades(topic) for scale in SCALES}), breakdown=breakdown)


# --- Every scope at once, for the background job ----------------------------------------


def scopes_grades() -> dict[int | None, dict[str, list[Grade]]]:
    """Every scope's grades of both scales (None: all topics), in three queries whatever the
    number of topics: a topic's grades are those of its claims' citations and of the sources
    they cite, as source_grades(topic) and citation_grades(topic) read them one topic at a time."""
    scopes: dict[int | None, dict[str, list[Grade]]] = defaultdict(lambda: {scale.key: [] for scale in SCALES})
    for topic_id in [None, *Topic.objects.values_list("pk", flat=True)]:
        scopes[topic_id]  # noqa: B018  (every scope gets its figures, graded or not)
    topics_of_source: dict[int, set[int]] = defaultdict(set)
    for source_id, topic_id in Citation.objects.order_by().values_list("source_id", "claim__topic_id").distinct():
        topics_of_source[source_id].add(topic_id)
    for graded in source_grades():
        scopes[None][SOURCE_RELIABILITY.key].append(graded)
        for topic_id in topics_of_source.get(graded[0], ()):
            scopes[topic_id][SOURCE_RELIABILITY.key].append(graded)
    credibility = CitationAssessment.objects.filter(outdated=False).exclude(grade=Credibility.CANNOT_BE_JUDGED)
    for citation_id, reviewer_id, rank, topic_id in credibility.order_by().values_list(
        "citation_id", "reviewer_id", "grade", "citation__claim__topic_id"
    ):
        scopes[None][CITATION_CREDIBILITY.key].append((citation_id, reviewer_id, rank))
        scopes[topic_id][CITATION_CREDIBILITY.key].append((citation_id, reviewer_id, rank))
    return dict(scopes)


# --- The stored figures, as the pages read them ------------------------------------------


def grades_fingerprint() -> str:
    """The newest change to the grades and to what places them in a topic (the claims' topics,
    the citations' claims and sources), as the ids of the newest history rows: every write of
    these, deletions and the CSV import included, adds one. One query on four primary keys."""
    tables = [model.history.model._meta.db_table for model in (SourceAssessment, CitationAssessment, Claim, Citation)]
    quote = connection.ops.quote_name
    newest = ", ".join(f"(SELECT MAX(history_id) FROM {quote(table)})" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {newest}")
        row = cursor.fetchone()
    return "-".join(str(value or 0) for value in row)


@dataclass
class Stored:
    """The figures a page shows: None if never computed; `current` False when grades changed
    after they were computed (the job queued by that change recomputes them)."""

    scales: list[ScaleAgreement] | None
    computed_at: datetime | None
    current: bool


def stored_agreement(*, topic: Topic | None = None, breakdown: bool = False) -> Stored:
    """The stored figures of all topics or one, as the page shows them. Two queries; with the
    breakdown, three more and the citations' pages (at most TARGETS_SHOWN of them)."""
    row = AgreementFigures.objects.filter(topic=topic).first()
    if row is None:
        return Stored(None, None, False)
    current = row.grades_seen == grades_fingerprint()
    return Stored(_named(row.figures, breakdown=breakdown), row.computed_at, current)
