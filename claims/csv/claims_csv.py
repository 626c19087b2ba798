"""The claims CSV of docs/design.md: one claim a row, its people and its citations in cells.

This module imports; claims_export.py exports (both names are importable from here).

Import reads everything it needs up front in a few queries (chunked by BATCH_SIZE keys),
validates every row in Python with the models' own rules, and writes only what differs,
in bulk and in one transaction, with history rows naming the importing user.
"""

import copy
from collections import defaultdict
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims.dates import edtf_bounds
from claims.models import RESERVED_KEYS, Citation, Claim, ClaimSearch, Person, Source, Topic, User
from claims.quoting import quoted
from claims.search import index as search_index
from claims.services import topic_summaries_refresh
from claims.translit import slug_for

from . import bulk, progress
from .claims_export import CLAIM_COLUMNS, EXPORT_ONLY, SEPARATOR, claims_csv_chunks, claims_export  # noqa: F401
from .common import compare_versions, memo_clean, model_errors, quick_check, repeated_keys, require_import
from .process_state import gc_paused
from .reading import BATCH_SIZE, ImportReport, RowError, RowOutcome, chunks, parse_table

REQUIRED = ["key", "topic", "statement"]
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
    """Find a Person by a cell of the people column.

    In order: the slug (the export writes it for namesakes), the name, the name in the
    original script, its surname (the part before the comma of «Тухачевский, Михаил
    Николаевич»), an alias; case-insensitive. A cell that fits several people is an error,
    never a guess.
    """

    def __init__(self):
        self.by_slug: dict[str, int] = {}
        indexes: tuple[dict[str, set[int]], ...] = (
            defaultdict(set),
            defaultdict(set),
            defaultdict(set),
            defaultdict(set),
        )
        self.by_name, self.by_original, self.by_surname, self.by_alias = indexes
        self.slug_of: dict[int, str] = {}
        self.names_of: dict[int, tuple[str, str, str]] = {}  # (for the search index)
        for pk, name, original, aliases, slug in Person.objects.order_by("pk").values_list(
            "pk", "name", "name_original", "aliases", "slug"
        ):
            self.names_of[pk] = (name, original, aliases)
            self.by_slug[slug] = pk
            self.slug_of[pk] = slug
            self.by_name[name.strip().casefold()].add(pk)
            if original.strip():
                self.by_original[original.strip().casefold()].add(pk)
                surname = original.partition(",")[0].strip().casefold()
                if surname and "," in original:
                    self.by_surname[surname].add(pk)
            for alias in aliases.splitlines():
                if alias.strip():
                    self.by_alias[alias.strip().casefold()].add(pk)
        self.slugs = set(self.by_slug)

    def find(self, name: str) -> tuple[int | None, str]:
        """(the person's pk, "") or (None, "") when nobody fits, or (None, why) when several do."""
        if name in self.by_slug:
            return self.by_slug[name], ""
        folded = name.casefold()
        for index in (self.by_name, self.by_original, self.by_surname, self.by_alias):
            found = index.get(folded)
            if found and len(found) == 1:
                return next(iter(found)), ""
            if found:
                slugs = ", ".join(sorted(self.slug_of[pk] for pk in found))
                return None, f"{quoted(name)} fits {len(found)} people ({slugs}); write the slug of the one meant."
        return None, ""


MEMO_FIELDS = frozenset({"kind", "status", "event_date"})


class NewClaim:
    """A validated new claim: the values of its columns, without a model instance's weight."""

    COLUMNS = tuple(f.attname for f in Claim._meta.concrete_fields)
    __slots__ = (*COLUMNS, "topic_title", "people_refs")

    @classmethod
    def of(cls, claim: Claim) -> "NewClaim":
        new = cls()
        values = claim.__dict__
        for name in cls.COLUMNS:
            setattr(new, name, values[name])
        return new

    @property
    def pk(self):
        return self.id

    @pk.setter
    def pk(self, value):
        self.id = value


def _quick_new_claim(columns: set[str], fresh: dict, memo: dict, scratch: Claim):
    """cells, key -> the NewClaim of a row whose claim cells are surely valid, else None.

    The same checks as model_errors(scratch) (Claim.clean_fields and Claim.clean: the key's
    validators, blank cells, reserved keys, choices and the EDTF date through the same memo)
    and the same values after them (stripped statement, date bounds), at a fraction of the
    cost; on None the caller validates the row with model_errors, for its exact messages.
    """
    key_field = Claim._meta.get_field("key")
    key_ok = quick_check(key_field)
    kind_field, status_field, date_field = (Claim._meta.get_field(n) for n in ("kind", "status", "event_date"))
    if key_ok is None or key_field.blank or not date_field.blank:
        return lambda cells, key: None
    default_kind, default_status = fresh["kind"], fresh["status"]
    created_by_id = fresh["created_by_id"]
    dated = "event_date" in columns
    good_kinds: set[str] = set()  # the values that passed their field's checks, and the date bounds of each date
    good_statuses: set[str] = set()
    good_dates: dict[str, tuple] = {}

    def quick_new(cells: dict, key: str) -> NewClaim | None:
        if not key or key in RESERVED_KEYS or not key_ok(key):
            return None
        statement = cells["statement"].strip()
        if not statement:
            return None
        kind = cells.get("kind", "").strip() or default_kind
        if kind not in good_kinds:
            if not memo_clean(kind_field, kind, memo, scratch):
                return None
            good_kinds.add(kind)
        status = cells.get("status", "").strip() or default_status
        if status not in good_statuses:
            if not memo_clean(status_field, status, memo, scratch):
                return None
            good_statuses.add(status)
        event_date = cells["event_date"].strip() if dated else ""
        if event_date:
            try:
                earliest, latest = good_dates[event_date]
            except KeyError:
                if not memo_clean(date_field, event_date, memo, scratch):
                    return None
                try:
                    bounds = edtf_bounds(event_date)
                except ValidationError:
                    bounds = None
                good_dates[event_date] = earliest, latest = (bounds.earliest, bounds.latest) if bounds else (None, None)
        else:
            earliest = latest = None
        new = NewClaim()
        new.id = new.topic_id = new.created_at = new.updated_at = None
        new.date_earliest, new.date_latest = earliest, latest
        new.key, new.statement, new.kind, new.event_date, new.status = key, statement, kind, event_date, status
        new.created_by_id = created_by_id
        new.version = 1
        return new

    assert set(NewClaim.COLUMNS) == {
        "id",
        "topic_id",
        "created_at",
        "updated_at",
        "date_earliest",
        "date_latest",
        "key",
        "statement",
        "kind",
        "event_date",
        "status",
        "created_by_id",
        "version",
    }
    return quick_new


@dataclass
class Plan:
    """What an import would write."""

    new_topics: dict[str, Topic] = field(default_factory=dict)  # title -> unsaved topic
    new_people: dict[str, Person] = field(default_factory=dict)  # casefolded name -> unsaved person
    create: list[Claim] = field(default_factory=list)
    update: list[Claim] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    # The topic title and the people ([person pk or new name key]) of each claim to write: on
    # a NewClaim itself (topic_title, people_refs), of an updated claim here by id(claim).
    topic_of: dict[int, str] = field(default_factory=dict)
    people_of: dict[int, list] = field(default_factory=dict)

    def topic_title(self, claim) -> str:
        return claim.topic_title if isinstance(claim, NewClaim) else self.topic_of[id(claim)]

    def people_refs(self, claim) -> list:
        return claim.people_refs if isinstance(claim, NewClaim) else self.people_of[id(claim)]

    people_changed: set[int] = field(default_factory=set)  # id(claim): updated claims whose people change
    citations: list[tuple[Claim, int, str]] = field(default_factory=list)  # (claim, source pk, locator)


def claims_import(
    *,
    actor: User | None,
    data: bytes,
    dry_run: bool = False,
    encoding: str | None = None,
    expected_versions: dict[str, int] | None = None,
) -> ImportReport:
    """Create or update the claims in a CSV file, all or nothing.

    A known key updates that claim where it differs; a new key creates one. New topic
    titles and unknown people are created; citations in the `sources` cell are added
    (stance "supports") when missing and never removed. Returns the counts, or the
    errors with row numbers and columns (and then nothing was written). Raises
    PermissionDenied unless the actor may import CSV.

    A dry run's report holds the version of every claim the file names (report.versions):
    the confirm of that preview passes them as expected_versions, and if any of those claims
    was changed, created or deleted since, it writes nothing and reports those rows (and
    who changed them) with report.changed_since_preview set.
    """
    require_import(actor)
    with gc_paused():
        return _claims_import(
            actor=actor, data=data, dry_run=dry_run, encoding=encoding, expected_versions=expected_versions
        )


class _Discard(Exception):
    """Rolls back what an import wrote before a bad row was found."""


def _claims_import(
    *, actor: User | None, data: bytes, dry_run: bool, encoding: str | None, expected_versions: dict[str, int] | None
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    table, errors = parse_table(
        data, encoding=encoding, known=CLAIM_COLUMNS, required=REQUIRED, export_only=EXPORT_ONLY
    )
    if table is None:
        report.errors = errors
        return report
    errors += repeated_keys(table.rows)
    rows, columns = table.rows, set(table.header)
    progress.total(len(rows))
    del table  # (what the parse kept besides the rows can go)
    try:
        # A writing import reads the claims it compares inside its transaction, so that no edit
        # can come between what it read and what it writes (SQLite: the transaction holds the
        # write lock from its start; PostgreSQL: the stored claims are locked as they are read).
        with nullcontext() if dry_run else transaction.atomic():
            _read_check_write(
                report, rows, errors, columns=columns, actor=actor, dry_run=dry_run, expected_versions=expected_versions
            )
    except _Discard:
        pass
    if errors:
        report.errors = sorted(errors, key=lambda e: (e.row, e.column))
        report.rows, report.versions = [], {}
    return report


def _read_check_write(
    report: ImportReport,
    rows: list,
    errors: list[RowError],
    *,
    columns: set[str],
    actor: User | None,
    dry_run: bool,
    expected_versions: dict[str, int] | None,
) -> None:
    """Check every row; unless it is a dry run, write the rows checked so far, a batch at a
    time, while checking the next (the database stores one batch while Python checks the
    next), in the caller's transaction; _Discard rolls it back if any row turns out bad."""
    skip = {e.row for e in errors}

    # --- Everything the rows refer to, in a few queries --------------------------------
    keys = sorted({cells["key"].strip() for _, cells in rows if cells["key"].strip()})
    if len(keys) > BATCH_SIZE:
        # A long file: which of its keys are stored, from one read of the key index (building
        # a query of a thousand keys takes Django longer than this read of a hundred thousand).
        keys = sorted(set(keys).intersection(Claim.objects.order_by().values_list("key", flat=True).iterator()))
    stored: dict[str, Claim] = {}
    claims = Claim.objects.all() if dry_run else Claim.objects.select_for_update(of=("self",)).order_by()
    for chunk in chunks(keys):
        stored.update({c.key: c for c in claims.filter(key__in=chunk)})
    if compare_versions(report, Claim, rows, stored, errors, dry_run=dry_run, expected=expected_versions):
        raise _Discard
    topics = {title: (pk, slug) for pk, title, slug in Topic.objects.values_list("pk", "title", "slug")}
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
    source_titles: dict[int, tuple[str, str]] = {}  # (for the search index)
    if "sources" in columns:
        cited = sorted({item.partition(":")[0].strip() for _, cells in rows for item in split_cell(cells["sources"])})
        for chunk in chunks(cited):
            for key, pk, title, original in Source.objects.filter(key__in=chunk).values_list(
                "key", "pk", "title", "title_original"
            ):
                sources[key] = pk
                source_titles[pk] = (title, original)
        for chunk in chunks(stored_ids):
            for claim_id, source_id, locator in Citation.objects.filter(claim_id__in=chunk).values_list(
                "claim_id", "source_id", "locator"
            ):
                current_citations[claim_id].add((source_id, locator))

    # --- Validate every row and decide what differs (and write it) ----------------------
    plan = Plan()
    with ExitStack() as writing:
        writer = None
        if not dry_run:
            writing.enter_context(bulk.pipelined())
            writer = _Writer(
                plan,
                actor=actor,
                topics=topics,
                current_people=current_people,
                people_names=people.names_of if people is not None else {},
                source_titles=source_titles,
            )
        outcomes = _check_rows(
            rows=rows,
            errors=errors,
            skip=skip,
            columns=columns,
            stored=stored,
            topics=topics,
            topic_slugs=topic_slugs,
            people=people,
            sources=sources,
            current_people=current_people,
            current_citations=current_citations,
            plan=plan,
            actor=actor,
            writer=writer,
        )
        progress.checked(len(rows))
        if errors:
            raise _Discard
        if writer is not None:
            writer.write()
            writer.index_the_rest()
            if writer.claims_written >= BATCH_SIZE:
                bulk.analyze([Claim, Citation, Claim.people.through])
    if writer is not None:
        topic_summaries_refresh(topic_ids=writer.topics_touched - {None}, at=writer.now)
    report.rows = outcomes


def _check_rows(
    *,
    rows: list,
    errors: list[RowError],
    skip: set[int],
    columns: set[str],
    stored: dict[str, Claim],
    topics: dict,
    topic_slugs: set[str],
    people,
    sources: dict[str, int],
    current_people: dict,
    current_citations: dict,
    plan: "Plan",
    actor: User | None,
    writer,
) -> list[RowOutcome]:
    """Validate every row into the plan and errors; the writer (None on a dry run) writes the
    plan every BATCH_SIZE claims while no row has been bad."""
    topic_title = {pk: title for title, (pk, _) in topics.items()}
    outcomes: list[RowOutcome] = []
    locators: dict[str, str] = {}
    memo: dict = {"fields": MEMO_FIELDS}  # validation outcomes of repeated values (kind, status, date)
    scratch = Claim(created_by=actor)  # validates each new claim's row in turn
    fresh = {name: value for name, value in scratch.__dict__.items() if name != "_state"}
    quick_new = _quick_new_claim(columns, fresh, memo, scratch)
    for index, (number, cells) in enumerate(rows):
        rows[index] = None  # what a row keeps (its cells) lives on in the plan; the rest is freed
        if index % BATCH_SIZE == 0:
            progress.checked(index)
        if writer is not None and not errors and len(plan.create) + len(plan.update) >= BATCH_SIZE:
            writer.write()
        if number in skip:
            continue
        row_errors: list[RowError] = []
        key = cells["key"].strip()
        original = stored.get(key)
        if original is None and (quick := quick_new(cells, key)) is not None:
            claim = quick  # valid: what model_errors below would have found, without its machinery
        else:
            if original:
                claim = copy.copy(original)
            else:
                claim = scratch
                claim.__dict__.update(fresh)
            claim.key = key
            claim.statement = cells["statement"]
            for name in ("kind", "status"):
                value = cells.get(name, "").strip()
                if value:  # an empty cell keeps the stored value (or the default for a new claim)
                    setattr(claim, name, value)
            if "event_date" in columns:
                claim.event_date = cells["event_date"].strip()
            row_errors += model_errors(claim, row=number, exclude=["topic", "created_by", "people"], memo=memo)

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
                pk, ambiguous = people.find(name)
                if ambiguous:
                    row_errors.append(RowError(number, "people", ambiguous))
                    continue
                folded = name.casefold()
                if pk is None and folded not in plan.new_people:
                    person = Person(name=name, created_by=actor)
                    person.slug = _unique_slug(name, people.slugs, "person")
                    person_errors = model_errors(
                        person, row=number, exclude=["created_by"], column_of={"name": "people", "slug": "people"}
                    )
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
                locator = locators.setdefault(locator, locator)  # "p. 12" once, however many rows cite it
                if not source_key:
                    row_errors.append(
                        RowError(number, "sources", f"{quoted(item)} names no source key before the colon.")
                    )
                elif source_key not in sources:
                    row_errors.append(
                        RowError(
                            number,
                            "sources",
                            f"Unknown source key {quoted(source_key)}; import the sources CSV (import_sources) first.",
                        )
                    )
                elif len(locator) > LOCATOR_MAX:
                    row_errors.append(
                        RowError(
                            number,
                            "sources",
                            f"The locator after {quoted(source_key)} is longer than {LOCATOR_MAX} characters.",
                        )
                    )
                elif (sources[source_key], locator) not in wanted_citations:
                    wanted_citations.append((sources[source_key], locator))

        if row_errors:
            errors += row_errors
            continue

        if original is None and claim is scratch:
            claim = NewClaim.of(claim)  # the scratch instance validates the next row
        if original is None:
            claim.topic_title, claim.people_refs = title, wanted_people
        else:
            plan.topic_of[id(claim)] = title
            plan.people_of[id(claim)] = wanted_people
        new_citations = [
            (source_id, locator)
            for source_id, locator in wanted_citations
            if original is None or (source_id, locator) not in current_citations[original.pk]
        ]
        plan.citations += [(claim, source_id, locator) for source_id, locator in new_citations]
        if original is None:
            plan.create.append(claim)  # (its people are "changed" when it has any: see _Writer)
            outcomes.append(RowOutcome(number, key, RowOutcome.CREATED))
            continue
        changed = [
            name
            for name in (*CLAIM_FIELDS, "date_earliest", "date_latest")
            if getattr(claim, name) != getattr(original, name)
        ]
        if topic_title.get(original.topic_id) != title:
            changed.append("topic")
        people_changed = people is not None and set(wanted_people) != set(current_people[original.pk])
        if people_changed:
            plan.people_changed.add(id(claim))
        if changed or people_changed:
            plan.update.append(claim)
            plan.update_fields.update(changed)
        columns_changed = tuple(
            name
            for name in CLAIM_COLUMNS
            if name in changed or (name == "people" and people_changed) or (name == "sources" and new_citations)
        )
        action = RowOutcome.UPDATED if changed or people_changed or new_citations else RowOutcome.UNCHANGED
        outcomes.append(RowOutcome(number, key, action, columns_changed))

    return outcomes


class _Writer:
    """Writes the plan, as far as it has got, each time it is called: claims, people links,
    citations and all their history, inside the import's transaction.

    The few new topics and people go through bulk_create_with_history; the claims, links,
    citations and history rows (about ten rows per CSV row) through bulk.insert, which skips
    Django's per-instance work; the history of new claims, their links and citations is
    copied by the database from the rows just written (bulk.copy_to_history,
    copy_links_to_history). Every created or updated claim gets a history row ("+" or "~")
    with the people it has afterwards, and every new citation a "+" history row. What is
    written leaves the plan (the new topics and people stay, as written: see topic_pk and
    person_pk), so memory stays flat however long the file.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        actor: User | None,
        topics: dict,
        current_people: dict,
        people_names: dict[int, tuple[str, str, str]],
        source_titles: dict[int, tuple[str, str]],
    ):
        self.plan, self.actor = plan, actor
        # The search index: new claims' rows are made from what the import has in hand and
        # written with them; claims that were already stored (changed, or citing more) are
        # indexed from the database at the end (index_the_rest).
        self.search = search_index.Entries()
        self.people_names, self.source_titles = people_names, source_titles
        self.cited: dict[int, list[int]] = defaultdict(list)  # id(new claim) -> source pks
        self.reindex: set[int] = set()
        self.user_id = actor.pk if actor is not None else None
        self.topics = topics
        self.current_people = current_people
        self.now = now = timezone.now()
        self.topic_pk = {title: pk for title, (pk, _) in topics.items()}
        self.person_pk: dict[str, int] = {}  # casefolded name of a new person -> their pk, once written
        self.claim_history = Claim.history.model
        self.citation_history = Citation.history.model
        self.claim_now = bulk.db_value(Claim, "created_at", now)
        self.claim_history_date = bulk.db_value(self.claim_history, "history_date", now)
        self.citation_now = bulk.db_value(Citation, "created_at", now)
        self.citation_history_date = bulk.db_value(self.citation_history, "history_date", now)
        self.date_db = bulk.adapter(Claim, "date_earliest") or (lambda value: value)
        self.claims_written = 0
        self.topics_touched: set[int] = set()  # whose summaries change (services.topic_summaries_refresh)

    def write(self) -> None:
        plan = self.plan
        new_topics = [topic for title, topic in plan.new_topics.items() if title not in self.topic_pk]
        if new_topics:
            bulk.flush()  # (Django's own INSERTs go on the same connection: in order)
            for topic in bulk_create_with_history(new_topics, Topic, batch_size=BATCH_SIZE, default_user=self.actor):
                self.topic_pk[topic.title] = topic.pk
                self.topics[topic.title] = (topic.pk, topic.slug)
        new_people = [person for name, person in plan.new_people.items() if name not in self.person_pk]
        if new_people:
            bulk.flush()
            for person in bulk_create_with_history(new_people, Person, batch_size=BATCH_SIZE, default_user=self.actor):
                self.person_pk[person.name.casefold()] = person.pk
                self.people_names[person.pk] = (person.name, person.name_original, person.aliases)

        claims = plan.create + plan.update
        self.claims_written += len(claims)
        for claim, source_id, _ in plan.citations:
            if isinstance(claim, NewClaim):
                self.cited[id(claim)].append(source_id)
            else:
                self.reindex.add(claim.pk)
        self.reindex.update(claim.pk for claim in plan.update)
        for claim in claims:
            self.topics_touched.add(getattr(claim, "topic_id", None))  # a moved claim's old topic
            claim.topic_id = self.topic_pk[plan.topic_title(claim)]
            self.topics_touched.add(claim.topic_id)
        if plan.update:
            for claim in plan.update:
                claim.updated_at = self.now
                claim.version += 1  # (an edit begun before the import is then refused, not lost)
            fields = sorted(plan.update_fields | {"updated_at", "version"})
            bulk.flush()
            Claim.objects.bulk_update(plan.update, fields, batch_size=BATCH_SIZE)
        for part in chunks(claims):
            self._write_claims(part)
        citations = plan.citations
        plan.create, plan.update, plan.citations = [], [], []
        plan.update_fields, plan.topic_of, plan.people_of, plan.people_changed = set(), {}, {}, set()
        del claims
        for part in chunks(citations):
            self._write_citations(part)
        progress.written(self.claims_written)

    def _write_claims(self, part: list) -> None:
        """Claims (new ones inserted, changed ones' history), their people and history.

        Primary keys are reserved before each INSERT (bulk.reserve_ids) and written with
        the rows, never read back."""
        plan, user_id, current_people = self.plan, self.user_id, self.current_people
        history = self.claim_history
        through = Claim.people.through
        m2m_history = apps.get_model("claims", "HistoricalClaim_people")
        now_db, date_db = self.claim_now, self.date_db
        new = [claim for claim in part if isinstance(claim, NewClaim)]
        old = [claim for claim in part if not isinstance(claim, NewClaim)]
        history_ids = bulk.reserve_ids(history, len(part))  # "+" rows first, then "~"
        # The new claims' keys and their history rows' keys, when both follow each other (as
        # they do unless another import took keys meanwhile): the database then copies their
        # history rows, and their people's, from the rows just written.
        copied: tuple[range, range] | None = None
        if new:
            rows = []
            claim_ids = bulk.reserve_ids(Claim, len(new))
            for pk, claim in zip(claim_ids, new):
                claim.id = pk
                claim.created_at = claim.updated_at = self.now
                rows.append(
                    (
                        pk,
                        date_db(claim.date_earliest),
                        date_db(claim.date_latest),
                        claim.key,
                        claim.topic_id,
                        claim.statement,
                        claim.kind,
                        claim.event_date,
                        claim.status,
                    )
                )
            # (New claims are all the importer's, created now, at version 1.)
            same = {"created_by_id": self.user_id, "created_at": now_db, "updated_at": now_db, "version": 1}
            bulk.insert(Claim, CLAIM_TABLE_COLUMNS[:-4], rows, ready=True, same=same)
            claim_range, history_range = bulk.consecutive(claim_ids), bulk.consecutive(history_ids[: len(new)])
            if claim_range is not None and history_range is not None:
                copied = claim_range, history_range
                bulk.copy_to_history(
                    Claim,
                    ids=claim_range,
                    history_ids=history_range,
                    history_type="+",
                    history_date=self.now,
                    user_id=user_id,
                )
            else:
                bulk.insert(
                    history,
                    bulk.history_columns(Claim),
                    (
                        (history_id, *row, *same.values(), self.claim_history_date, "", "+", user_id)
                        for history_id, row in zip(history_ids, rows)
                    ),
                    ready=True,
                )
            del rows
        if old:
            bulk.insert_history(
                Claim,
                old,
                history_type="~",
                history_date=self.now,
                user_id=user_id,
                history_ids=history_ids[len(new) :],
            )
        history_of = {claim.pk: history_id for claim, history_id in zip(new + old, history_ids)}
        # Make each changed claim's people exactly the cell's.
        after: dict[int, set[int]] = {}  # claim pk -> its people's pks after the import
        removed: list[int] = []
        added: list[tuple[int, int]] = []  # (claim pk, person pk)
        person_pk = self.person_pk
        for claim in part:
            created = isinstance(claim, NewClaim)
            if created or id(claim) in plan.people_changed:
                after[claim.pk] = wanted = {
                    ref if isinstance(ref, int) else person_pk[ref] for ref in plan.people_refs(claim)
                }
            else:
                after[claim.pk] = wanted = set(current_people.get(claim.pk, {}))
            if (created and wanted) or id(claim) in plan.people_changed:
                have = {} if created else current_people.get(claim.pk, {})
                removed += [through_pk for person_id, through_pk in have.items() if person_id not in wanted]
                added += [(claim.pk, pk) for pk in sorted(wanted - set(have))]
        people_of = after  # (after loses the new claims below)
        if removed:
            bulk.flush()  # (the links may be in an INSERT still waiting)
            through.objects.filter(pk__in=removed).delete()
        # Each m2m history row copies its link row, id included (as simple_history does).
        links: dict[tuple[int, int], int] = {}
        link_ids = bulk.reserve_ids(through, len(added))
        if added:
            link_rows = [(pk, claim_id, person_id) for pk, (claim_id, person_id) in zip(link_ids, added)]
            bulk.insert(through, ["id", "claim_id", "person_id"], link_rows, ready=True)
            links = {(claim_id, person_id): pk for pk, claim_id, person_id in link_rows}
        history_columns = ["id", "claim_id", "person_id", "history_id"]
        if copied is not None:
            # The new claims come first in the part, and so do their links in added: a new
            # claim's people are its links, copied with the claim's history key.
            claim_range, history_range = copied
            lead = next((i for i, (claim_id, _) in enumerate(added) if claim_id not in claim_range), len(added))
            new_links = bulk.consecutive(link_ids[:lead])
            if new_links is not None and not any(claim_id in claim_range for claim_id, _ in added[lead:]):
                bulk.copy_links_to_history(
                    through,
                    m2m_history,
                    owner="claim_id",
                    ids=new_links,
                    history_offset=history_range.start - claim_range.start,
                )
                after = {claim_pk: people for claim_pk, people in after.items() if claim_pk not in claim_range}
        bulk.insert(
            m2m_history,
            history_columns,
            (
                (
                    links.get((claim_pk, person_id)) or current_people[claim_pk][person_id],
                    claim_pk,
                    person_id,
                    history_of[claim_pk],
                )
                for claim_pk, people_ids in after.items()
                for person_id in sorted(people_ids)
            ),
            ready=True,
        )
        self._index(new, people_of)
        for claim in new:
            claim.statement = ""  # written, history too: the text can go

    def _index(self, new: list, people_of: dict[int, set[int]]) -> None:
        """The search index rows of the new claims (see __init__)."""
        entries, cited = self.search, self.cited
        rows = []
        for claim in new:
            people, sources = people_of.get(claim.pk, ()), cited.pop(id(claim), ())
            for pk in people:
                if pk not in entries.person_cache:
                    entries.person(pk, *self.people_names[pk])
            for pk in sources:
                if pk not in entries.source_cache:
                    entries.source(pk, *self.source_titles[pk])
            rows.append(entries.row(claim.pk, claim.statement, people, sources))
        bulk.insert(ClaimSearch, search_index.COLUMNS, rows, ready=True)

    def index_the_rest(self) -> None:
        """The words the new claims brought, and the index rows of the stored claims changed."""
        bulk.flush()
        search_index.add_vocabulary(self.search)
        search_index.index_claims(self.reindex)

    def _write_citations(self, part: list) -> None:
        """New citations (stance "supports") and their history."""
        stance = Citation.Stance.SUPPORTS.value
        user_id, now_db = self.user_id, self.citation_now
        rows = [
            (pk, claim.pk, source_id, locator)
            for pk, (claim, source_id, locator) in zip(bulk.reserve_ids(Citation, len(part)), part)
        ]
        same = {
            "quote": "",
            "quote_translation": "",
            "stance": stance,
            "created_by_id": user_id,
            "created_at": now_db,
            "updated_at": now_db,
            "version": 1,
        }
        bulk.insert(Citation, CITATION_TABLE_COLUMNS[:4], rows, ready=True, same=same)
        # (The history's own keys: the table's next.)
        if (citation_ids := bulk.consecutive([row[0] for row in rows])) is not None:
            bulk.copy_to_history(Citation, ids=citation_ids, history_type="+", history_date=self.now, user_id=user_id)
            return
        history_columns = bulk.history_columns(Citation)[1:]
        bulk.insert(
            self.citation_history,
            history_columns,
            ((*row, *same.values(), self.citation_history_date, "", "+", user_id) for row in rows),
            ready=True,
        )


# The columns of the rows _Writer builds, in the order of the models' fields (and so of the
# tracked fields of their history, which insert_history's columns follow).
CLAIM_TABLE_COLUMNS = [
    "id",
    "date_earliest",
    "date_latest",
    "key",
    "topic_id",
    "statement",
    "kind",
    "event_date",
    "status",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
]
CITATION_TABLE_COLUMNS = [
    "id",
    "claim_id",
    "source_id",
    "locator",
    "quote",
    "quote_translation",
    "stance",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
]
assert [f.attname for f in Claim._meta.concrete_fields] == CLAIM_TABLE_COLUMNS
assert [f.attname for f in Citation._meta.concrete_fields] == CITATION_TABLE_COLUMNS
