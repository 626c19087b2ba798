"""Export of the claims CSV of DESIGN.md: streamed, a page of BATCH_SIZE claims at a time."""

import csv
import datetime
import io
from collections import Counter, defaultdict, namedtuple
from collections.abc import Iterator
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet

from claims.models import Annotation, Citation, Claim, Dispute, Person, Topic, User
from claims.selectors.grades import claim_evidence_grades

from .common import require_export
from .reading import BATCH_SIZE, escape_formula

CLAIM_COLUMNS = ["key", "topic", "statement", "kind", "event_date", "status", "people", "sources"]
EXPORT_ONLY = ["grade", "open_disputes", "annotations", "updated"]
EXPORT_COLUMNS = CLAIM_COLUMNS + EXPORT_ONLY
SEPARATOR = "|"


def claims_csv_chunks(
    *, actor: User | None = None, claims: QuerySet[Claim] | None = None, topic: str | None = None
) -> Iterator[str]:
    """The CSV text, BATCH_SIZE rows at a time: for streaming to a browser.

    claims: the claims to write (e.g. the filtered list of /claims/), else all, or those
    of the topic with this slug. See claims_export for the rest.
    """
    return (text for text, _ in _pages(_selection(actor, claims, topic), actor))


def claims_export(*, out: TextIO, topic: str | None = None, actor: User | None = None) -> int:
    """Write the claims (of one topic, by slug, if given) as CSV to out; returns the row count.

    Rows are sorted by key and read in chunks of BATCH_SIZE claims, each chunk with a
    fixed number of queries for its people, citations, grades, disputes and annotations.
    Lines end in \\r\\n. The grade column honours blind grading: "hidden" where the
    actor may not see it yet. Raises PermissionDenied, or ValidationError for an unknown
    topic slug, before anything is written.
    """
    count = 0
    for text, rows in _pages(_selection(actor, None, topic), actor):
        out.write(text)
        count += rows
    return count


def _selection(actor: User | None, claims: QuerySet[Claim] | None, topic: str | None) -> QuerySet[Claim]:
    """Checked at once, not when the first chunk is asked for (a stream cannot turn into an error page)."""
    require_export(actor)
    selected = Claim.objects.all()
    if claims is not None:
        selected = selected.filter(pk__in=claims.values("pk"))
    if topic is not None:
        found = Topic.objects.filter(slug=topic).first()
        if found is None:
            raise ValidationError({"topic": f"No topic has the slug {topic!r}."})
        selected = selected.filter(topic=found)
    return selected.select_related("topic").order_by("key")


def _pages(claims: QuerySet[Claim], actor: User | None) -> Iterator[tuple[str, int]]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    namesakes = _namesakes()
    last = None
    while True:
        selected = claims.filter(key__gt=last) if last is not None else claims
        page = [_PageClaim(*values) for values in selected.values_list(*_PAGE_FIELDS)[:BATCH_SIZE]]
        # The page's related rows are asked for with the page's query as a subquery, which the
        # database runs faster than Django builds an IN list of a thousand ids.
        writer.writerows(_export_rows(page, actor, ids=selected.values("pk")[:BATCH_SIZE], namesakes=namesakes))
        yield buffer.getvalue(), len(page)
        if len(page) < BATCH_SIZE:
            return
        buffer.seek(0)
        buffer.truncate()
        last = page[-1].key


# A page's claims as plain rows: the export reads these columns only (no model instances).
_PAGE_FIELDS = ("pk", "key", "topic__title", "statement", "kind", "event_date", "status", "updated_at")
_PageClaim = namedtuple("_PageClaim", [name.replace("topic__title", "topic_title") for name in _PAGE_FIELDS])


def _namesakes() -> set[str]:
    """Names (casefolded) that several people share: the export writes their slugs instead."""
    counts = Counter(name.strip().casefold() for name in Person.objects.values_list("name", flat=True))
    return {name for name, n in counts.items() if n > 1}


def _export_rows(page: list, actor: User | None, ids=None, namesakes: set[str] | None = None):
    """The cells of each claim of the page (claims or _PageClaim rows), formula escapes applied.

    ids: the page's claim ids, or a subquery that selects them (default: from the page).
    """
    if ids is None:
        ids = [c.pk for c in page]
    if namesakes is None:
        namesakes = _namesakes()
    people: dict[int, list[str]] = defaultdict(list)
    for claim_id, name, slug in Claim.people.through.objects.filter(claim_id__in=ids).values_list(
        "claim_id", "person__name", "person__slug"
    ):
        people[claim_id].append(slug if name.strip().casefold() in namesakes else name)
    citations: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for claim_id, key, locator in Citation.objects.filter(claim_id__in=ids).values_list(
        "claim_id", "source__key", "locator"
    ):
        citations[claim_id].append((key, locator))
    grades = claim_evidence_grades(page, user=actor) if page else {}
    disputes = dict(
        Dispute.objects.open().filter(claim_id__in=ids).values("claim_id").annotate(n=Count("pk"))
        .values_list("claim_id", "n")
    )
    annotations = dict(
        Annotation.objects.filter(claim_id__in=ids, withdrawn_at__isnull=True).values("claim_id")
        .annotate(n=Count("pk")).values_list("claim_id", "n")
    )
    utc = datetime.timezone.utc
    for claim in page:
        yield [escape_formula(value) for value in (
            claim.key,
            claim.topic_title if isinstance(claim, _PageClaim) else claim.topic.title,
            claim.statement,
            claim.kind,
            claim.event_date,
            claim.status,
            f" {SEPARATOR} ".join(sorted(people[claim.pk])),
            f" {SEPARATOR} ".join(f"{k}: {loc}" if loc else k for k, loc in sorted(citations[claim.pk])),
            grades.get(claim.pk) or "",
            str(disputes.get(claim.pk, 0)),
            str(annotations.get(claim.pk, 0)),
            claim.updated_at.astimezone(utc).isoformat(timespec="seconds"),
        )]
