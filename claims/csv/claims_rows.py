"""What the claims importer makes of a file's rows: the people they name, the new claims, the
plan of what to write, and the checks of one row (RowChecker) that build it."""

import copy
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from claims import authority
from claims.dates import edtf_bounds
from claims.models import RESERVED_KEYS, Citation, Claim, Person, Topic, User
from claims.quoting import quoted
from claims.translit import slug_for

from .claims_export import CLAIM_COLUMNS, SEPARATOR
from .common import memo_clean, model_errors, quick_check
from .reading import RowError, RowOutcome, needs_first

CLAIM_FIELDS = ["statement", "kind", "event_date", "status"]
# The columns of people, each a many-to-many field of Claim: who the claim is about, who made it.
LINKS = ("people", "attributed_to")
LOCATOR_MAX: int = Citation._meta.get_field("locator").max_length  # type: ignore[assignment]


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
    """Find a Person by a cell of the people (or attributed_to) column.

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
        self.by_id: dict[tuple[str, str], int] = {}  # (field, authority id) -> pk
        for pk, name, original, aliases, slug, *ids in Person.objects.order_by("pk").values_list(
            "pk", "name", "name_original", "aliases", "slug", *authority.FIELDS
        ):
            self.by_id.update({(field, value): pk for field, value in zip(authority.FIELDS, ids) if value})
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
        """(the person's pk, "") or (None, "") when nobody fits, or (None, why) when several do
        or when the name is an authority id that nobody carries (never a new person named Q855)."""
        if name in self.by_slug:
            return self.by_slug[name], ""
        ids = authority.readings(name)
        if ids:
            found = {self.by_id[(field, value)] for field, value in ids.items() if (field, value) in self.by_id}
            if len(found) == 1:
                return next(iter(found)), ""
            if found:
                slugs = ", ".join(sorted(self.slug_of[pk] for pk in found))
                return (
                    None,
                    f"{quoted(name)} is an id of {len(found)} people ({slugs}); write the slug of the one meant.",
                )
            if not name.isdigit():
                kinds = " or ".join(authority.LABELS[field] for field in ids)
                return (
                    None,
                    f"No person has the {kinds} id {quoted(name)}: give it to the person first, or write their name.",
                )
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

    # (evidence_rank: the database's default, then services.claim_evidence_refresh after the import.)
    COLUMNS = tuple(f.attname for f in Claim._meta.concrete_fields if f.attname != "evidence_rank")
    __slots__ = (*COLUMNS, "topic_title", "people_refs", "attributed_to_refs")

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


# _quick_new_claim sets each of these on a NewClaim.
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
                good_dates[event_date] = earliest, latest = _date_bounds(event_date)
        else:
            earliest = latest = None
        new = NewClaim()
        new.id = new.topic_id = new.created_at = new.updated_at = None
        new.date_earliest, new.date_latest = earliest, latest
        new.key, new.statement, new.kind, new.event_date, new.status = key, statement, kind, event_date, status
        new.created_by_id = created_by_id
        new.version = 1
        return new

    return quick_new


def _date_bounds(event_date: str) -> tuple:
    """(earliest, latest) of a valid EDTF date, (None, None) when it has none."""
    try:
        bounds = edtf_bounds(event_date)
    except ValidationError:
        return None, None
    return bounds.earliest, bounds.latest


@dataclass
class Plan:
    """What an import would write."""

    new_topics: dict[str, Topic] = field(default_factory=dict)  # title -> unsaved topic
    new_people: dict[str, Person] = field(default_factory=dict)  # casefolded name -> unsaved person
    create: list[Claim] = field(default_factory=list)
    update: list[Claim] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    # The topic title and the people of each link ([person pk or new name key]) of each claim
    # to write: on a NewClaim itself (topic_title, <link>_refs), of an updated claim here by id(claim).
    topic_of: dict[int, str] = field(default_factory=dict)
    people_of: dict[int, list] = field(default_factory=dict)
    attributed_to_of: dict[int, list] = field(default_factory=dict)

    def topic_title(self, claim) -> str:
        return claim.topic_title if isinstance(claim, NewClaim) else self.topic_of[id(claim)]

    def refs(self, claim, link: str) -> list:
        """The people of the link (LINKS) of a claim to write."""
        return getattr(claim, f"{link}_refs") if isinstance(claim, NewClaim) else getattr(self, f"{link}_of")[id(claim)]

    def changed(self, link: str) -> set[int]:
        """id(claim) of the updated claims whose people of the link change."""
        return getattr(self, f"{link}_changed")

    people_changed: set[int] = field(default_factory=set)  # id(claim): updated claims whose people change
    attributed_to_changed: set[int] = field(default_factory=set)  # (and whose attribution does)
    citations: list[tuple[Claim, int, str]] = field(default_factory=list)  # (claim, source pk, locator)


@dataclass
class Stored:
    """What the database holds that the rows of a file refer to, read before they are checked."""

    claims: dict[str, Claim]  # key -> the stored claim
    topics: dict[str, tuple[int, str]]  # title -> (pk, slug); the new topics join it as written
    topic_slugs: set[str]
    people: PeopleIndex | None  # (None when the file has neither a people nor an attributed_to column)
    current_people: dict[int, dict[int, int]]  # claim pk -> person pk -> through pk
    current_attributed_to: dict[int, dict[int, int]]  # (the same, of the people who made it)
    sources: dict[str, int]  # key -> pk, of the sources the file cites
    source_titles: dict[int, tuple[str, str]]  # (for the search index)
    current_citations: dict[int, set[tuple[int, str]]]  # claim pk -> (source pk, locator)

    def current(self, link: str) -> dict[int, dict[int, int]]:
        return getattr(self, f"current_{link}")


class RowChecker:
    """Checks one row at a time with the models' rules: a valid row joins the plan, a bad one
    adds its errors. What repeats from row to row (choices, dates, locators) is checked once."""

    def __init__(self, *, plan: Plan, stored: Stored, columns: set[str], actor: User | None):
        self.plan, self.stored, self.actor = plan, stored, actor
        self.dated, self.cited = "event_date" in columns, "sources" in columns
        self.links = [link for link in LINKS if link in columns]
        self.topic_title = {pk: title for title, (pk, _) in stored.topics.items()}
        self.locators: dict[str, str] = {}
        self.source_key: dict[int, str] | None = None  # source pk -> key, read when a preview first needs it
        self.memo: dict = {"fields": MEMO_FIELDS}  # validation outcomes of repeated values (kind, status, date)
        self.scratch = Claim(created_by=actor)  # validates each new claim's row in turn
        self.fresh = {name: value for name, value in self.scratch.__dict__.items() if name != "_state"}
        self.quick_new = _quick_new_claim(columns, self.fresh, self.memo, self.scratch)

    def check(self, number: int, cells: dict, errors: list[RowError]) -> RowOutcome | None:
        """The row's outcome once it is in the plan, or None when it added errors instead."""
        row_errors: list[RowError] = []
        key = cells["key"].strip()
        original = self.stored.claims.get(key)
        claim = self._claim(number, cells, key, original, row_errors)
        title = self._topic(number, cells, row_errors)
        wanted_people = {link: self._people(number, cells, row_errors, link) for link in self.links}
        wanted_citations = self._citations(number, cells, row_errors) if self.cited else []
        if row_errors:
            errors += row_errors
            return None
        if original is None:
            return self._plan_new(number, key, claim, title, wanted_people, wanted_citations)
        return self._plan_update(number, key, claim, original, title, wanted_people, wanted_citations)

    def _claim(self, number: int, cells: dict, key: str, original: Claim | None, row_errors: list[RowError]):
        """The row's claim (a NewClaim, the scratch instance, or a copy of the stored one)."""
        if original is None and (quick := self.quick_new(cells, key)) is not None:
            return quick  # valid: what model_errors below would have found, without its machinery
        if original is not None:
            claim = copy.copy(original)
        else:
            claim = self.scratch
            claim.__dict__.update(self.fresh)
        claim.key = key
        claim.statement = cells["statement"]
        for name in ("kind", "status"):
            value = cells.get(name, "").strip()
            if value:  # an empty cell keeps the stored value (or the default for a new claim)
                setattr(claim, name, value)
        if self.dated:
            claim.event_date = cells["event_date"].strip()
        row_errors += model_errors(claim, row=number, exclude=["topic", "created_by", *LINKS], memo=self.memo)
        return claim

    def _topic(self, number: int, cells: dict, row_errors: list[RowError]) -> str:
        """The topic's title; a new title joins the plan's new topics."""
        title = cells["topic"].strip()
        plan = self.plan
        if not title:
            row_errors.append(RowError(number, "topic", "This cell is required: the topic's title."))
        elif title not in self.stored.topics and title not in plan.new_topics:
            topic = Topic(
                title=title, slug=_unique_slug(title, self.stored.topic_slugs, "topic"), created_by=self.actor
            )
            topic_errors = model_errors(topic, row=number, exclude=["created_by"], column_of={"title": "topic"})
            if topic_errors:
                row_errors += topic_errors
            else:
                plan.new_topics[title] = topic
        return title

    def _people(self, number: int, cells: dict, row_errors: list[RowError], column: str) -> list:
        """The people of the cell of the column (LINKS): a person's pk, or the casefolded name
        of a new person (one for both columns)."""
        people, new_people = self.stored.people, self.plan.new_people
        assert people is not None  # (read when the file has a column of people)
        wanted: list = []
        for name in split_cell(cells[column]):
            pk, ambiguous = people.find(name)
            if ambiguous:
                row_errors.append(RowError(number, column, ambiguous))
                continue
            folded = name.casefold()
            if pk is None and folded not in new_people:
                person = Person(name=name, created_by=self.actor)
                person.slug = _unique_slug(name, people.slugs, "person")
                person_errors = model_errors(
                    person, row=number, exclude=["created_by"], column_of={"name": column, "slug": column}
                )
                if person_errors:
                    row_errors += person_errors
                    continue
                new_people[folded] = person
            ref = pk if pk is not None else folded
            if ref not in wanted:
                wanted.append(ref)
        return wanted

    def _citations(self, number: int, cells: dict, row_errors: list[RowError]) -> list[tuple[int, str]]:
        """(source pk, locator) of each item of the sources cell."""
        sources, wanted = self.stored.sources, []
        for item in split_cell(cells["sources"]):
            source_key, _, locator = item.partition(":")
            source_key, locator = source_key.strip(), locator.strip()
            locator = self.locators.setdefault(locator, locator)  # "p. 12" once, however many rows cite it
            if not source_key:
                row_errors.append(RowError(number, "sources", f"{quoted(item)} names no source key before the colon."))
            elif source_key not in sources:
                row_errors.append(
                    RowError(
                        number,
                        "sources",
                        f"Unknown source key {quoted(source_key)}: {needs_first('sources')}",
                        needs="sources",
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
            elif (sources[source_key], locator) not in wanted:
                wanted.append((sources[source_key], locator))
        return wanted

    def _plan_new(
        self, number: int, key: str, claim, title: str, wanted_people: dict[str, list], wanted_citations: list
    ) -> RowOutcome:
        if claim is self.scratch:
            claim = NewClaim.of(claim)  # the scratch instance validates the next row
        claim.topic_title = title
        claim.people_refs, claim.attributed_to_refs = (wanted_people.get(link, []) for link in LINKS)
        self.plan.citations += [(claim, source_id, locator) for source_id, locator in wanted_citations]
        self.plan.create.append(claim)  # (its people are "changed" when it has any: see PlanWriter)
        return RowOutcome(number, key, RowOutcome.CREATED)

    def _plan_update(
        self,
        number: int,
        key: str,
        claim: Claim,
        original: Claim,
        title: str,
        wanted_people: dict[str, list],
        wanted_citations: list,
    ) -> RowOutcome:
        plan, stored = self.plan, self.stored
        plan.topic_of[id(claim)] = title
        links_changed = set()
        for link in LINKS:
            wanted = wanted_people.get(link, [])
            getattr(plan, f"{link}_of")[id(claim)] = wanted
            if link in wanted_people and set(wanted) != set(stored.current(link)[original.pk]):
                plan.changed(link).add(id(claim))
                links_changed.add(link)
        new_citations = [
            (source_id, locator)
            for source_id, locator in wanted_citations
            if (source_id, locator) not in stored.current_citations[original.pk]
        ]
        plan.citations += [(claim, source_id, locator) for source_id, locator in new_citations]
        changed = [
            name
            for name in (*CLAIM_FIELDS, "date_earliest", "date_latest")
            if getattr(claim, name) != getattr(original, name)
        ]
        if self.topic_title.get(original.topic_id) != title:
            changed.append("topic")
        if changed or links_changed:
            plan.update.append(claim)
            plan.update_fields.update(changed)
        columns_changed = tuple(
            name
            for name in CLAIM_COLUMNS
            if name in changed or name in links_changed or (name == "sources" and new_citations)
        )
        action = RowOutcome.UPDATED if changed or links_changed or new_citations else RowOutcome.UNCHANGED
        values = self._old_and_new(columns_changed, claim, original, title, wanted_people, new_citations)
        return RowOutcome(number, key, action, columns_changed, values)

    def _old_and_new(
        self,
        columns: tuple[str, ...],
        claim,
        original: Claim,
        title: str,
        wanted_people: dict[str, list],
        new_citations: list,
    ) -> tuple[tuple[str, str, str], ...]:
        """(column, old, new) of each changed column, as the preview shows them. The sources
        cell only adds citations: its old value is left empty, its new one lists those added."""
        values = []
        for column in columns:
            if column == "topic":
                old, new = self.topic_title.get(original.topic_id, ""), title
            elif column in LINKS:
                old = self._people_cell(self.stored.current(column)[original.pk])
                new = self._people_cell(wanted_people.get(column, []))
            elif column == "sources":
                if self.source_key is None:
                    self.source_key = {pk: key for key, pk in self.stored.sources.items()}
                old = ""
                new = "adds " + f" {SEPARATOR} ".join(
                    f"{self.source_key[pk]}: {locator}" if locator else self.source_key[pk]
                    for pk, locator in new_citations
                )
            else:
                old, new = str(getattr(original, column)), str(getattr(claim, column))
            values.append((column, old, new))
        return tuple(values)

    def _people_cell(self, refs) -> str:
        """The people (pks, or the casefolded names of new people) as names, as the export writes them."""
        names_of, new_people = self.stored.people.names_of, self.plan.new_people
        names = [names_of[ref][0] if isinstance(ref, int) else new_people[ref].name for ref in refs]
        return f" {SEPARATOR} ".join(sorted(names))
