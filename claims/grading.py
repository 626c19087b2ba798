"""The Admiralty (NATO 6x6) scales and how several reviewers' grades combine.

F ("reliability cannot be judged") and 6 ("truth cannot be judged") mean there is no basis
for a grade. They are not the bottom of the scale, so they never enter an average.
"""

import math
from collections.abc import Iterable

from django.db import models


class Reliability(models.TextChoices):
    A = "A", "A: reliable"
    B = "B", "B: usually reliable"
    C = "C", "C: fairly reliable"
    D = "D", "D: not usually reliable"
    E = "E", "E: unreliable"
    F = "F", "F: reliability cannot be judged"


class Credibility(models.IntegerChoices):
    CONFIRMED = 1, "1: confirmed by other sources"
    PROBABLY_TRUE = 2, "2: probably true"
    POSSIBLY_TRUE = 3, "3: possibly true"
    DOUBTFUL = 4, "4: doubtful"
    IMPROBABLE = 5, "5: improbable"
    CANNOT_BE_JUDGED = 6, "6: truth cannot be judged"


RELIABILITY_DEFINITIONS = {
    "A": "Reliable: no doubt of authenticity, trustworthiness or competency; a history of complete reliability.",
    "B": "Usually reliable: minor doubt about authenticity, trustworthiness or competency; a history of valid information most of the time.",
    "C": "Fairly reliable: doubt about authenticity, trustworthiness or competency, but has provided valid information in the past.",
    "D": "Not usually reliable: significant doubt about authenticity, trustworthiness or competency, but has provided valid information in the past.",
    "E": "Unreliable: lacking in authenticity, trustworthiness and competency; a history of invalid information.",
    "F": "Reliability cannot be judged: no basis exists for evaluating the reliability of the source.",
}
CREDIBILITY_DEFINITIONS = {
    1: "Confirmed by other sources: confirmed by other independent sources; logical in itself; consistent with other information on the subject.",
    2: "Probably true: not confirmed; logical in itself; consistent with other information on the subject.",
    3: "Possibly true: not confirmed; reasonably logical in itself; agrees with some other information on the subject.",
    4: "Doubtful: not confirmed; possible but not logical; no other information on the subject.",
    5: "Improbable: not confirmed; not logical in itself; contradicted by other information on the subject.",
    6: "Truth cannot be judged: no basis exists for evaluating the validity of the information.",
}

_LETTERS = "ABCDE"


def _consensus_rank(ranks: list[int]) -> int:
    # Ties round towards the less trusting grade: a historian should not gain
    # reliability from a split panel (A and B together make B, not A).
    return math.floor(sum(ranks) / len(ranks) + 0.5)


def consensus_reliability(grades: Iterable[str]) -> str | None:
    """Combine reviewers' A-F grades; None when nobody has graded, F when nobody could."""
    grades = list(grades)
    if not grades:
        return None
    ranks = [_LETTERS.index(g) + 1 for g in grades if g != Reliability.F]
    if not ranks:
        return Reliability.F
    return _LETTERS[_consensus_rank(ranks) - 1]


def consensus_credibility(grades: Iterable[int]) -> int | None:
    """Combine reviewers' 1-6 grades; None when nobody has graded, 6 when nobody could."""
    grades = list(grades)
    if not grades:
        return None
    ranks = [g for g in grades if g != Credibility.CANNOT_BE_JUDGED]
    if not ranks:
        return Credibility.CANNOT_BE_JUDGED
    return _consensus_rank(ranks)


def evidence_grade(reliability: str | None, credibility: int | None) -> str:
    """The two-character grade shown for a citation, "-" standing for "not yet graded"."""
    return f"{reliability or '-'}{credibility or '-'}"


def evidence_sort_key(reliability: str | None, credibility: int | None) -> tuple[int, int]:
    """Smaller is stronger; "no basis" and "not graded" sort after every real grade."""
    rel = _LETTERS.index(reliability) if reliability and reliability in _LETTERS else 5 if reliability else 6
    cred = credibility - 1 if credibility and credibility < 6 else 5 if credibility else 6
    return rel, cred


# A claim's evidence grade as one small number, stored on the claim (Claim.evidence_rank) so
# that the claim list can be sorted by it from an index: reliability in the tens, credibility
# in the units, each as evidence_sort_key places it (smaller is stronger); NO_SUPPORT_RANK,
# after every grade, for a claim no citation supports.
NO_SUPPORT_RANK = 99


def evidence_rank(reliability: str | None, credibility: int | None) -> int:
    rel, cred = evidence_sort_key(reliability, credibility)
    return rel * 10 + cred


def rank_grade(rank: int) -> tuple[str | None, int | None] | None:
    """The (reliability, credibility) an evidence_rank stands for; None for NO_SUPPORT_RANK."""
    if rank == NO_SUPPORT_RANK:
        return None
    rel, cred = divmod(rank, 10)
    reliability = _LETTERS[rel] if rel < 5 else Reliability.F.value if rel == 5 else None
    credibility = cred + 1 if cred < 5 else int(Credibility.CANNOT_BE_JUDGED) if cred == 5 else None
    return reliability, credibility


# --- Competing hypotheses (Heuer's ACH): how a piece of evidence bears on a claim ----------


class Consistency(models.TextChoices):
    VERY_CONSISTENT = "CC", "CC: very consistent"
    CONSISTENT = "C", "C: consistent"
    NEUTRAL = "N", "N: neutral or not applicable"
    INCONSISTENT = "I", "I: inconsistent"
    VERY_INCONSISTENT = "II", "II: very inconsistent"


# Each rating as a number on one ordinal line, so that a median and a spread can be taken.
CONSISTENCY_SCORES = {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}
_CONSISTENCY_BY_SCORE = {score: value for value, score in CONSISTENCY_SCORES.items()}


def consensus_consistency(ratings: Iterable[str]) -> str | None:
    """The median of reviewers' consistency ratings; None when nobody has rated.

    With an even number of ratings the lower of the two middle ones is taken (C and I make
    I): a split panel leans to the rating that counts against the claim, as a split panel on
    reliability leans to the less trusting grade."""
    scores = sorted(CONSISTENCY_SCORES[r] for r in ratings)
    if not scores:
        return None
    return _CONSISTENCY_BY_SCORE[scores[(len(scores) - 1) // 2]]
