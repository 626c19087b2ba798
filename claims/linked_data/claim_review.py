"""A claim as a schema.org ClaimReview (https://schema.org/ClaimReview), for fact-checking tools.

The claim page embeds it in a data block (<script type="application/ld+json">, which the browser
never runs, so the CSP's script-src 'self' allows it) and /claims/<key>.jsonld serves the same.
docs/design.md, "Linked data", has the rating's mapping table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from claims.models import Claim, Person, Source
from claims.selectors.grades import HIDDEN, claim_evidence_grades
from claims.selectors.linked_data import cited_sources, status_decider

MEDIA_TYPE = "application/ld+json"
SITE_NAME = "Source criticism"

# The claim's status as a rating from 1 (worst) to 4 (best): how far the editors hold it true.
# An open claim is undecided, between contested and supported.
RATING: dict[str, int] = {
    Claim.Status.REFUTED: 1,
    Claim.Status.CONTESTED: 2,
    Claim.Status.OPEN: 3,
    Claim.Status.SUPPORTED: 4,
}
WORST_RATING, BEST_RATING = 1, 4
VERDICTS: dict[str, str] = {
    Claim.Status.REFUTED: "Refuted",
    Claim.Status.CONTESTED: "Contested",
    Claim.Status.OPEN: "Open",
    Claim.Status.SUPPORTED: "Supported",
}

# A source's date that schema.org's Date takes as it is (ISO 8601: a year, a month or a day);
# other EDTF dates (uncertain, approximate, intervals) are left out rather than guessed.
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

Absolute = Callable[[str], str]


def evidence_words(evidence: str | None) -> str:
    if evidence is None:
        return "no supporting citation"
    return f"evidence {evidence}"


def rating(status: str, evidence: str | None) -> dict[str, Any]:
    """The review's rating: its value from the status, its name from the status and the evidence
    grade (evidence HIDDEN from a blind reviewer leaves the name with the status alone)."""
    verdict = VERDICTS[status]
    name = verdict if evidence == HIDDEN else f"{verdict} — {evidence_words(evidence)}"
    return {
        "@type": "Rating",
        "ratingValue": RATING[status],
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": name,
    }


def _person(person: Person, absolute: Absolute) -> dict[str, Any]:
    return {"@type": "Person", "name": person.name, "url": absolute(reverse("person_detail", args=[person.slug]))}


def _work(source: Source, absolute: Absolute) -> dict[str, Any]:
    """A cited source: its name, authors, date and addresses (its page here, and its own if any)."""
    work: dict[str, Any] = {"@type": "CreativeWork", "name": source.title}
    authors = [name.strip() for name in source.authors.split(";") if name.strip()]
    if authors:
        work["author"] = [{"@type": "Person", "name": name} for name in authors]
    if _ISO_DATE.match(source.date):
        work["datePublished"] = source.date
    page = absolute(reverse("source_detail", args=[source.key]))
    work["url"] = [page, source.url] if source.url else page
    return work


def _first(sources: Iterable[Source]) -> Source | None:
    """The earliest dated of the sources: where the claim first appears, as far as we know."""
    dated = [s for s in sources if s.date_earliest is not None]
    return min(dated, key=lambda s: (s.date_earliest, s.key)) if dated else None


def _review_author(claim: Claim, absolute: Absolute) -> dict[str, Any]:
    """The editor who last decided the status; the site itself when nobody did."""
    decider = status_decider(claim)
    if decider is not None:
        return {"@type": "Person", "name": decider}
    return {"@type": "Organization", "name": SITE_NAME, "url": absolute(reverse("home"))}


def claim_review_ld(
    claim: Claim,
    user,
    absolute: Absolute,
    *,
    evidence: str | None = HIDDEN,
    evidence_known: bool = False,
    attributed_to: list[Person] | None = None,
) -> dict[str, Any]:
    """The ClaimReview of a claim as `user` may see it (claim from selectors.detail.claims_for_page).

    evidence_known: `evidence` is the claim's evidence grade as the user may see it already
    (the claim page has read it), else it is read here."""
    if not evidence_known:
        evidence = claim_evidence_grades([claim], user=user)[claim.pk]
    people = list(claim.attributed_to.all()) if attributed_to is None else attributed_to
    sources = cited_sources(claim)
    page = absolute(reverse("claim_detail", args=[claim.key]))
    item: dict[str, Any] = {"@type": "Claim", "url": page}
    if people:
        item["author"] = [_person(person, absolute) for person in people]
    if sources:
        item["appearance"] = [_work(source, absolute) for source in sources]
    if (first := _first(sources)) is not None:
        item["firstAppearance"] = _work(first, absolute)
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": page,
        "claimReviewed": claim.statement,
        "itemReviewed": item,
        "reviewRating": rating(claim.status, evidence),
        "author": _review_author(claim, absolute),
        "datePublished": claim.created_at.date().isoformat(),
        "dateModified": claim.updated_at.isoformat(),
    }


def as_script(document: dict[str, Any]) -> SafeString:
    """A JSON-LD data block for a page: <, > and & escaped as JSON escapes (as Django's
    json_script does), so that no text in it can close the element."""
    text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return format_html('<script type="application/ld+json">{}</script>', SafeString(text))
