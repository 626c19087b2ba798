"""The claims CSV of DESIGN.md: one claim a row, its people and its citations in cells.

Import reads everything it needs up front in a few queries (chunked by BATCH_SIZE keys),
validates every row in Python with the models' own rules, and writes only what differs,
in bulk and in one transaction, with history rows naming the importing user.
"""

import copy
import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims.models import RESERVED_KEYS, Annotation, Citation, Claim, Dispute, Person, Source, Topic, User
from claims.selectors.grades import claim_evidence_grades
from claims.translit import slug_for

from .common import model_errors, repeated_keys, require_export, require_import
from .reading import BATCH_SIZE, ImportReport, RowError, RowOutcome, chunks, parse_table, write_row

CLAIM_COLUMNS = ["key", "topic", "statement", "kind", "event_date", "status", "people", "sources"]
EXPORT_ONLY = ["grade", "open_disputes", "annotations", "updated"]
EXPORT_COLUMNS = CLAIM_COLUMNS + EXPORT_ONLY
REQUIRED = ["key", "topic", "statement"]
SEPARATOR = "|"
CLAIM_FIELDS = ["statement", "kind", "event_date", "status"]
LOCATOR_MAX = Citation._meta.get_field("locator").max_length


def split_cell(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _unique_slug(text: str, taken: set[str], fallback: str, max_length: int = 200) -> str:
    base = slug_for(text, max_length - 8) or fallback
    slug, n = base, 1
    while slug in taken or slug in RESERVED_KEYS:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


class PeopleIndex:
    """Find a Person by name, then name in original script, then alias (case-insensitive)."""

    def __init__(self):
        self.by_name: dict[str, int] = {}
        self.by_original: dict[str, int] = {}
        self.by_alias: dict[str, int] = {}
        self.slugs: set[str] = set()
        self.names: dict[int, str] = {}
        for pk, name, original, aliases, slug in Person.objects.order_by("pk").values_list(
            "pk", "name", "name_original", "aliases", "slug"
        ):
            self.by_name.setdefault(name.strip().casefold(), pk)
            if original.strip():
                self.by_original.setdefault(original.strip().casefold(), pk)
            for alias in aliases.splitlines():
                if alias.strip():
                    self.by_alias.setdefault(alias.strip().casefold(), pk)
            self.slugs.add(slug)
            self.names[pk] = name

    def find(self, name: str) -> int | None:
        folded = name.casefold()
        for index in (self.by_name, self.by_original, self.by_alias):
            if folded in index:
                return index[folded]
        return None


@dataclass
class Plan:
    """What an import would write."""

    new_topics: dict[str, Topic] = field(default_factory=dict)  # title -> unsaved topic
    new_people: dict[str, Person] = field(default_factory=dict)  # casefolded name -> unsaved person
    create: list[Claim] = field(default_factory=list)
    update: list[Claim] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    topic_of: dict[int, str] = field(default_factory=dict)  # id(claim) -> topic title
    people_of: dict[int, list] = field(default_factory=dict)  # id(claim) -> [person pk or new name key]
    people_changed: set[int] = field(default_factory=set)  # id(claim)
    citations: list[tuple[Claim, int, str]] = field(default_factory=list)  # (claim, source pk, locator)


def claims_import(*, actor: User | None, data: bytes, dry_run: bool = False, encoding: str | None = None) -> ImportReport:
    """Create or update the claims in a CSV file, all or nothing.

    A known key updates that claim where it differs; a new key creates one. New topic
    titles and unknown people are created; citations in the `sources` cell are added
    (stance "supports") when missing and never removed. Returns the counts, or the
    errors with row numbers and columns (and then nothing was written). Raises
    PermissionDenied unless the actor may import CSV.
    """
    require_import(actor)
    report = ImportReport(dry_run=dry_run)
    table, errors = parse_table(
        data, encoding=encoding, known=CLAIM_COLUMNS, required=REQUIRED, export_only=EXPORT_ONLY
    )
    if table is None:
        report.errors = errors
        return report
    errors += repeated_keys(table.rows)
    skip = {e.row for e in errors}
    columns = set(table.header)

    # --- Everything the rows refer to, in a few queries --------------------------------
    keys = sorted({cells["key"].strip() for _, cells in table.rows if cells["key"].strip()})
    stored: dict[str, Claim] = {}
    for chunk in chunks(keys):
        stored.update({c.key: c for c in Claim.objects.filter(key__in=chunk)})
    topics = {title: (pk, slug) for pk, title, slug in Topic.objects.values_list("pk", "title", "slug")}
    topic_title = {pk: title for title, (pk, _) in topics.items()}
    topic_slugs = {slug for _, slug in topics.values()}
    people = PeopleIndex() if "people" in columns else None
    stored_ids = [c.pk for c in stored.values()]
    through = Claim.people.through
    current_people: dict[int, dict[int, int]] = defaultdict(dict)  # claim pk -> person pk -> through pk
    current_citations: dict[int, set[tuple[int, str]]] = defaultdict(set)
    if people is not None:
        for chunk in chunks(stored_ids):
            for pk, claim_id, person_id in through.objects.filter(claim_id__in=chunk).values_list(
                "pk", "claim_id", "person_id"
            ):
                current_people[claim_id][person_id] = pk
    sources: dict[str, int] = {}
    if "sources" in columns:
        cited = sorted({
            item.partition(":")[0].strip()
            for _, cells in table.rows for item in split_cell(cells["sources"])
        })
        for chunk in chunks(cited):
            sources.update(dict(Source.objects.filter(key__in=chunk).values_list("key", "pk")))
        for chunk in chunks(stored_ids):
            for claim_id, source_id, locator in Citation.objects.filter(claim_id__in=chunk).values_list(
                "claim_id", "source_id", "locator"
            ):
                current_citations[claim_id].add((source_id, locator))

    # --- Validate every row and decide what differs --------------------------------------
    plan = Plan()
    outcomes: list[RowOutcome] = []
    for number, cells in table.rows:
        if number in skip:
            continue
        row_errors: list[RowError] = []
        key = cells["key"].strip()
        original = stored.get(key)
        claim = copy.copy(original) if original else Claim(created_by=actor)
        claim.key = key
        claim.statement = cells["statement"]
        for name in ("kind", "status"):
            value = cells.get(name, "").strip()
            if value:  # an empty cell keeps the stored value (or the default for a new claim)
                setattr(claim, name, value)
        if "event_date" in columns:
            claim.event_date = cells["event_date"].strip()
        row_errors += model_errors(claim, row=number, exclude=["topic", "created_by", "people"])

        title = cells["topic"].strip()
        if not title:
            row_errors.append(RowError(number, "topic", "This cell is required: the topic's title."))
        elif title not in topics and title not in plan.new_topics:
            topic = Topic(title=title, slug=_unique_slug(title, topic_slugs, "topic"), created_by=actor)
            topic_errors = model_errors(topic, row=number, exclude=["created_by"], column_of={"title": "topic"})
            if topic_errors:
                row_errors += topic_errors
            else:
                plan.new_topics[title] = topic

        wanted_people: list = []
        if people is not None:
            for name in split_cell(cells["people"]):
                pk = people.find(name)
                folded = name.casefold()
                if pk is None and folded not in plan.new_people:
                    person = Person(name=name, created_by=actor)
                    person.slug = _unique_slug(name, people.slugs, "person")
                    person_errors = model_errors(person, row=number, exclude=["created_by"],
                                                 column_of={"name": "people", "slug": "people"})
                    if person_errors:
                        row_errors += person_errors
                        continue
                    plan.new_people[folded] = person
                ref = pk if pk is not None else folded
                if ref not in wanted_people:
                    wanted_people.append(ref)

        wanted_citations: list[tuple[int, str]] = []
        if "sources" in columns:
            for item in split_cell(cells["sources"]):
                source_key, _, locator = item.partition(":")
                source_key, locator = source_key.strip(), locator.strip()
                if not source_key:
                    row_errors.append(RowError(number, "sources", f"{item!r} names no source key before the colon."))
                elif source_key not in sources:
                    row_errors.append(RowError(
                        number, "sources",
                        f"Unknown source key {source_key!r}; import the sources CSV (import_sources) first.",
                    ))
                elif len(locator) > LOCATOR_MAX:
                    row_errors.append(RowError(
                        number, "sources", f"The locator after {source_key!r} is longer than {LOCATOR_MAX} characters."
                    ))
                elif (sources[source_key], locator) not in wanted_citations:
                    wanted_citations.append((sources[source_key], locator))

        if row_errors:
            errors += row_errors
            continue

        plan.topic_of[id(claim)] = title
        plan.people_of[id(claim)] = wanted_people
        new_citations = [
            (source_id, locator) for source_id, locator in wanted_citations
            if original is None or (source_id, locator) not in current_citations[original.pk]
        ]
        plan.citations += [(claim, source_id, locator) for source_id, locator in new_citations]
        if original is None:
            plan.create.append(claim)
            if wanted_people:
                plan.people_changed.add(id(claim))
            outcomes.append(RowOutcome(number, key, RowOutcome.CREATED))
            continue
        changed = [name for name in (*CLAIM_FIELDS, "date_earliest", "date_latest")
                   if getattr(claim, name) != getattr(original, name)]
        if topic_title.get(original.topic_id) != title:
            changed.append("topic")
        people_changed = people is not None and set(wanted_people) != set(current_people[original.pk])
        if people_changed:
            plan.people_changed.add(id(claim))
        if changed or people_changed:
            plan.update.append(claim)
            plan.update_fields.update(changed)
        columns_changed = tuple(
            name for name in CLAIM_COLUMNS
            if name in changed or (name == "people" and people_changed) or (name == "sources" and new_citations)
        )
        action = RowOutcome.UPDATED if changed or people_changed or new_citations else RowOutcome.UNCHANGED
        outcomes.append(RowOutcome(number, key, action, columns_changed))

    if errors:
        report.errors = sorted(errors, key=lambda e: (e.row, e.column))
        return report
    report.rows = outcomes
    if not dry_run:
        _write(plan, actor=actor, topics=topics, current_people=current_people)
    return report


def _write(plan: Plan, *, actor: User | None, topics: dict, current_people: dict) -> None:
    with transaction.atomic():
        topic_pk = {title: pk for title, (pk, _) in topics.items()}
        if plan.new_topics:
            created = bulk_create_with_history(
                list(plan.new_topics.values()), Topic, batch_size=BATCH_SIZE, default_user=actor
            )
            topic_pk.update({t.title: t.pk for t in created})
        person_pk: dict[str, int] = {}
        if plan.new_people:
            created = bulk_create_with_history(
                list(plan.new_people.values()), Person, batch_size=BATCH_SIZE, default_user=actor
            )
            person_pk = {p.name.casefold(): p.pk for p in created}

        def resolve(ref) -> int:
            return ref if isinstance(ref, int) else person_pk[ref]

        for claim in plan.create + plan.update:
            claim.topic_id = topic_pk[plan.topic_of[id(claim)]]
        if plan.create:
            Claim.objects.bulk_create(plan.create, batch_size=BATCH_SIZE)
        if plan.update:
            now = timezone.now()
            for claim in plan.update:
                claim.updated_at = now
            fields = sorted({"topic" if f == "topic" else f for f in plan.update_fields} | {"updated_at"})
            Claim.objects.bulk_update(plan.update, fields, batch_size=BATCH_SIZE)

        # People: make each changed claim's set exactly the cell's.
        through = Claim.people.through
        removed: list[int] = []
        added = []
        created_ids = {id(c) for c in plan.create}
        for claim in plan.create + plan.update:
            if id(claim) not in plan.people_changed:
                continue
            wanted = {resolve(ref) for ref in plan.people_of[id(claim)]}
            have = {} if id(claim) in created_ids else current_people.get(claim.pk, {})
            removed += [through_pk for person_id, through_pk in have.items() if person_id not in wanted]
            added += [through(claim_id=claim.pk, person_id=pk) for pk in sorted(wanted - set(have))]
        for chunk in chunks(removed):
            through.objects.filter(pk__in=chunk).delete()
        if added:
            through.objects.bulk_create(added, batch_size=BATCH_SIZE)

        # History of the claims, with the people each had after the import.
        m2m_history = apps.get_model("claims", "HistoricalClaim_people")
        history_rows = []
        for claims, update in ((plan.create, False), (plan.update, True)):
            if claims:
                history_rows += Claim.history.bulk_history_create(
                    claims, batch_size=BATCH_SIZE, update=update, default_user=actor
                )
        # Each m2m history row copies its link row, id included (as simple_history does).
        links: dict[int, dict[int, int]] = defaultdict(dict)  # claim pk -> person pk -> link pk
        for link in added:
            links[link.claim_id][link.person_id] = link.pk
        people_after = _people_after(plan, resolve, current_people)
        m2m_rows = [
            m2m_history(history=h, id=current_people.get(h.id, {}).get(person_id) or links[h.id][person_id],
                        claim_id=h.id, person_id=person_id)
            for h in history_rows for person_id in sorted(people_after.get(h.id, ()))
        ]
        if m2m_rows:
            m2m_history.objects.bulk_create(m2m_rows, batch_size=BATCH_SIZE)

        if plan.citations:
            bulk_create_with_history(
                [Citation(claim_id=claim.pk, source_id=source_id, locator=locator,
                          stance=Citation.Stance.SUPPORTS, created_by=actor)
                 for claim, source_id, locator in plan.citations],
                Citation, batch_size=BATCH_SIZE, default_user=actor,
            )


def _people_after(plan: Plan, resolve, current_people: dict) -> dict[int, set[int]]:
    after = {}
    created_ids = {id(c) for c in plan.create}
    for claim in plan.create + plan.update:
        if id(claim) in plan.people_changed or id(claim) in created_ids:
            after[claim.pk] = {resolve(ref) for ref in plan.people_of[id(claim)]}
        else:
            after[claim.pk] = set(current_people.get(claim.pk, {}))
    return after


# --- Export --------------------------------------------------------------------------


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
    last = None
    while True:
        page = list((claims.filter(key__gt=last) if last is not None else claims)[:BATCH_SIZE])
        for values in _export_rows(page, actor):
            write_row(writer, values)
        yield buffer.getvalue(), len(page)
        if len(page) < BATCH_SIZE:
            return
        buffer.seek(0)
        buffer.truncate()
        last = page[-1].key


def _export_rows(page: list[Claim], actor: User | None):
    ids = [c.pk for c in page]
    people: dict[int, list[str]] = defaultdict(list)
    for claim_id, name in Claim.people.through.objects.filter(claim_id__in=ids).values_list(
        "claim_id", "person__name"
    ):
        people[claim_id].append(name)
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
    for claim in page:
        yield [
            claim.key,
            claim.topic.title,
            claim.statement,
            claim.kind,
            claim.event_date,
            claim.status,
            f" {SEPARATOR} ".join(sorted(people[claim.pk])),
            f" {SEPARATOR} ".join(f"{k}: {loc}" if loc else k for k, loc in sorted(citations[claim.pk])),
            grades.get(claim.pk) or "",
            str(disputes.get(claim.pk, 0)),
            str(annotations.get(claim.pk, 0)),
            claim.updated_at.astimezone(datetime.timezone.utc).isoformat(timespec="seconds"),
        ]
