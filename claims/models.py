"""The claims domain: topics, claims, sources, citations, grades, notes and disputes.

Every invariant below is a named database constraint and, with the same words, a
validation message from clean(), so that forms, the admin and CSV imports report
what the database would refuse.
"""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, StrIndex
from django.db.models.lookups import Exact
from django.urls import reverse
from simple_history.models import HistoricalRecords

from . import authority, sorting, targets
from .dates import EDTF_HELP, edtf_bounds, validate_edtf
from .grading import NO_SUPPORT_RANK, Consistency, Credibility, Reliability


class User(AbstractUser):
    """The project's own user model, so that accounts can grow without a painful swap later."""

    class Meta(AbstractUser.Meta):
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


# Words the URLs use for their own pages (/claims/new/), so no record may take them as its key.
# Keys that are the names of pages under /claims/, /sources/ and /people/ (add, import).
RESERVED_KEYS = frozenset({"new", "import"})


# The CSV of claims (docs/design.md) separates the people and the citations in a cell with it.
CSV_SEPARATOR = "|"


def _no_separator(instance, field: str) -> dict[str, str]:
    if CSV_SEPARATOR in getattr(instance, field):
        return {field: f"'{CSV_SEPARATOR}' cannot be part of a {field}: the CSV of claims separates them with it."}
    return {}


def _reserved_key_error(instance, field: str) -> dict[str, str]:
    if getattr(instance, field) in RESERVED_KEYS:
        return {field: f"'{getattr(instance, field)}' is reserved for a page's address; choose another."}
    return {}


def _lacks(field: str, text: str) -> Exact:
    # INSTR/STRPOS rather than a LIKE: on SQLite the project replaces LIKE with a Python
    # function (claims/sqlite.py), which a bulk import would call for every row it writes.
    return Exact(StrIndex(field, Value(text)), 0)


def _not_blank(field: str) -> Q:
    return ~Q(**{field: ""})


def _require_filled(instance, *fields: str) -> dict[str, str]:
    errors = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, str):
            value = value.strip()
            setattr(instance, name, value)
        if not value:
            errors[name] = "This field cannot be blank."
    return errors


def _leaving(instance: models.Model, derived: str, kwargs: dict) -> dict:
    """The save() arguments that write every field of an existing row but `derived`, a value the
    services keep (Claim.evidence_rank, Source.citation_count): a copy read before it changed
    would otherwise write back its old value over the one kept."""
    if not instance._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
        left = instance.get_deferred_fields() | {derived}
        kwargs["update_fields"] = [
            f.name for f in instance._meta.concrete_fields if not f.primary_key and f.attname not in left
        ]
    return kwargs


class DatedMixin(models.Model):
    """An optional EDTF date with the calendar bounds derived from it."""

    date_earliest = models.DateField(null=True, blank=True, editable=False)
    date_latest = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    DATE_FIELD = "event_date"

    def derive_date_bounds(self) -> None:
        text = getattr(self, self.DATE_FIELD).strip()
        setattr(self, self.DATE_FIELD, text)
        try:
            bounds = edtf_bounds(text) if text else None
        except ValidationError:
            # The field's own validator (validate_edtf) reports it, once, on the field.
            bounds = None
        self.date_earliest, self.date_latest = (bounds.earliest, bounds.latest) if bounds else (None, None)


def date_constraints(prefix: str, field: str) -> list[models.CheckConstraint]:
    """The bounds exist only for a dated row, and never run backwards."""
    return [
        models.CheckConstraint(
            name=f"{prefix}_undated_has_no_bounds",
            condition=~Q(**{field: ""}) | Q(date_earliest__isnull=True, date_latest__isnull=True),
        ),
        models.CheckConstraint(
            name=f"{prefix}_date_bounds_ordered",
            condition=Q(date_earliest__isnull=True)
            | Q(date_latest__isnull=True)
            | Q(date_earliest__lte=models.F("date_latest")),
        ),
    ]


# Choices live at module level because a model's Meta (where the constraints that check
# them are) cannot see names defined in the model's own body; each model exposes its
# choices nested all the same (Claim.Status.OPEN, Source.Kind.MEMOIR).


# --- Topics and people -------------------------------------------------------------


class TopicNaturalKeyManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Topic(models.Model):
    title = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=False)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = TopicNaturalKeyManager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(name="topic_title_not_blank", condition=_not_blank("title")),
            models.CheckConstraint(name="topic_slug_not_blank", condition=_not_blank("slug")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:  # (the admin's "View on site")
        return reverse("topic_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def clean(self) -> None:
        errors = _require_filled(self, "title")
        if errors:
            raise ValidationError(errors)


class TopicSummary(models.Model):
    """What the topics-at-a-glance page shows of each topic, kept as the topic changes.

    Counting a topic's claims and open disputes and finding its latest activity reads all
    of its claims; the home page shows every topic, so at 100,000 claims it would read them
    all. The services (and the CSV import) update these rows in the transaction of each
    write that changes them (services.topic_summaries_refresh); `manage.py refresh_counts`
    computes them afresh (selectors.summaries.fresh_topic_summaries).
    """

    topic = models.OneToOneField(Topic, primary_key=True, on_delete=models.CASCADE, related_name="summary")
    claim_count = models.PositiveIntegerField(default=0)
    # Open disputes of its claims, of their citations' grades and of the grades of the
    # sources they cite, each dispute once (docs/design.md "Open disputes").
    open_dispute_count = models.PositiveIntegerField(default=0)
    # The newest time anything about the topic was made, changed or deleted: the topic, its
    # claims, their citations and credibility grades, notes on those, disputes of its claims
    # and their grades.
    latest_activity = models.DateTimeField()

    class Meta:
        ordering = ["topic__title"]

    def __str__(self) -> str:
        return f"{self.topic}: {self.claim_count} claims, {self.open_dispute_count} open disputes"


class AgreementFigures(models.Model):
    """Reviewer agreement (selectors/agreement.py) as last computed, over every grade (topic
    null) or a topic's.

    Krippendorff's alpha reads every grade it is made of, so /agreement/ would cost more with
    every grade given. A background job (tasks.agreement_refresh, queued when grades or what
    they belong to change) computes every scope at once and writes it here; the page reads one
    row, and `grades_seen` (selectors.agreement.grades_fingerprint) tells it whether grades
    changed since.
    """

    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # selectors.agreement.stored_figures' JSON: each scale's figure and its breakdown, with
    # reviewers and targets by id (named when read, so a renamed reviewer shows as now named).
    figures = models.JSONField()
    grades_seen = models.CharField(max_length=200)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["topic_id"]
        constraints = [
            # One row for all topics (null) and one per topic.
            models.UniqueConstraint(Coalesce("topic", Value(0)), name="agreement_one_row_per_scope")
        ]

    def __str__(self) -> str:
        return f"Agreement on {self.topic or 'all topics'}, computed {self.computed_at:%Y-%m-%d %H:%M}"


class AuthorityIds(models.Model):
    """Who or what a person or source is in Wikidata, VIAF and the GND (claims/authority.py)."""

    wikidata_id = models.CharField(
        "Wikidata id", max_length=20, blank=True, validators=[authority.validate_wikidata], help_text="e.g. Q855"
    )
    viaf_id = models.CharField(
        "VIAF id", max_length=30, blank=True, validators=[authority.validate_viaf], help_text="e.g. 56609913"
    )
    gnd_id = models.CharField(
        "GND id", max_length=20, blank=True, validators=[authority.validate_gnd], help_text="e.g. 118624822"
    )

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        # A pasted address (https://www.wikidata.org/wiki/Q855) is read as its id before the
        # fields' validators see it, whichever way the record is written.
        authority.normalize_fields(self)
        super().clean_fields(exclude=exclude)

    def validate_constraints(self, exclude=None):
        # The unique constraints of the ids have conditions, so Django's own message would only
        # name the constraint: this one names the record that has the id already.
        errors = {
            field: [message]
            for field, message in authority.duplicate_errors(self).items()
            if field not in (exclude or ())
        }
        try:
            super().validate_constraints(exclude={*(exclude or ()), *errors})
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class PersonQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Person(AuthorityIds, models.Model):
    name = models.CharField(max_length=200, help_text="The name as usually written in English.")
    name_original = models.CharField(
        "name in original script", max_length=200, blank=True, help_text="e.g. Тухачевский, Михаил Николаевич"
    )
    aliases = models.TextField(
        blank=True, help_text="Other spellings and transliterations, one a line (e.g. Tukhachevskii, Toukhatchevski)."
    )
    slug = models.SlugField(max_length=200, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(name="person_name_not_blank", condition=_not_blank("name")),
            models.CheckConstraint(name="person_slug_not_blank", condition=_not_blank("slug")),
            # The CSV of claims separates people with "|" (docs/design.md): a name with one would not survive it.
            models.CheckConstraint(name="person_name_has_no_bar", condition=_lacks("name", CSV_SEPARATOR)),
            # One record for each authority id: a second would be the same person twice.
            models.UniqueConstraint(
                fields=["wikidata_id"], condition=~Q(wikidata_id=""), name="person_wikidata_id_unique"
            ),
            models.UniqueConstraint(fields=["viaf_id"], condition=~Q(viaf_id=""), name="person_viaf_id_unique"),
            models.UniqueConstraint(fields=["gnd_id"], condition=~Q(gnd_id=""), name="person_gnd_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.name_original})" if self.name_original else self.name

    def get_absolute_url(self) -> str:
        return reverse("person_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    def clean(self) -> None:
        errors = _require_filled(self, "name") | _reserved_key_error(self, "slug") | _no_separator(self, "name")
        if errors:
            raise ValidationError(errors)


# --- Sources -----------------------------------------------------------------------


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class SourceKind(models.TextChoices):
    ARCHIVAL_FILE = "archival_file", "archival file"
    OFFICIAL_REPORT = "official_report", "official report"
    PERIODICAL = "periodical", "periodical"
    MONOGRAPH = "monograph", "monograph"
    MEMOIR = "memoir", "memoir"
    ARTICLE = "article", "article"
    WEB_PAGE = "web_page", "web page"
    ORAL_TESTIMONY = "oral_testimony", "oral testimony"


class SourceLevel(models.TextChoices):
    PRIMARY = "primary", "primary"
    SECONDARY = "secondary", "secondary"
    TERTIARY = "tertiary", "tertiary"


class Source(DatedMixin, AuthorityIds):
    Kind = SourceKind
    Level = SourceLevel

    DATE_FIELD = "date"

    key = models.SlugField(max_length=100, unique=True, help_text="Stable identifier, e.g. rogovin-1937.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    title = models.CharField(max_length=500)
    title_original = models.CharField(
        "title in original language", max_length=500, blank=True, help_text="e.g. «Очищение»"
    )
    # The authors as written on the source; author_people: who they are among the data set's people.
    authors = models.CharField(max_length=500, blank=True, help_text="Separate several authors with ';'.")
    author_people = models.ManyToManyField(
        Person, blank=True, related_name="sources_written", verbose_name="authors (people)"
    )
    date = models.CharField(max_length=100, blank=True, validators=[validate_edtf], help_text=EDTF_HELP)
    publisher = models.CharField("publisher or periodical", max_length=300, blank=True)
    # An archival reference in the Russian archival system: archive, fond, opis (inventory),
    # delo (file) and list (sheet). Kept apart so files can be sorted and matched by fond.
    archive = models.CharField(max_length=200, blank=True, help_text="e.g. RGVA, RGASPI, TsA FSB")
    archive_fond = models.CharField("fond", max_length=50, blank=True)
    archive_opis = models.CharField("opis", max_length=50, blank=True)
    archive_delo = models.CharField("delo", max_length=50, blank=True)
    archive_list = models.CharField("list (sheets)", max_length=50, blank=True)
    archive_place = models.CharField(
        "archive's place",
        max_length=200,
        blank=True,
        help_text="Where the archive is, e.g. Moscow (CSL archive-place).",
    )
    publisher_place = models.CharField(
        "place of publication", max_length=200, blank=True, help_text="e.g. Moscow (CSL publisher-place)."
    )
    doi = models.CharField("DOI", max_length=200, blank=True, help_text="e.g. 10.1080/09668136.2011.547697")
    isbn = models.CharField("ISBN", max_length=40, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    language = models.CharField(
        max_length=12, blank=True, help_text="BCP 47 language code of the source, e.g. ru, en, de."
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    # How many citations cite it, kept by services.source_citation_counts_refresh on every
    # write that adds, deletes or moves a citation, for the review queue's "most-cited first"
    # (an index; counted per page it would read every citation). Derived, so neither in the
    # history nor written by a save of the source's own fields (save below), as
    # Claim.evidence_rank. (db_default: the CSV import's raw INSERTs.)
    citation_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    history = HistoricalRecords(
        excluded_fields=["citation_count"], m2m_fields=[author_people], no_db_index=["source", "person"]
    )

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        indexes = [
            # /review/: the sources waiting for a reviewer's grade, most-cited first
            # (selectors.queues), and their citations in the same order, source by source.
            models.Index(fields=["-citation_count", "key"], name="source_by_citations_idx")
        ]
        constraints = [
            models.CheckConstraint(name="source_key_not_blank", condition=_not_blank("key")),
            models.CheckConstraint(name="source_title_not_blank", condition=_not_blank("title")),
            models.CheckConstraint(name="source_kind_valid", condition=Q(kind__in=SourceKind.values)),
            models.CheckConstraint(name="source_level_valid", condition=Q(level__in=SourceLevel.values)),
            models.CheckConstraint(
                name="source_archival_file_names_archive", condition=~Q(kind="archival_file") | _not_blank("archive")
            ),
            models.CheckConstraint(
                name="source_archive_reference_needs_archive",
                condition=Q(archive_fond="", archive_opis="", archive_delo="", archive_list="") | _not_blank("archive"),
            ),
            *date_constraints("source", "date"),
            # One record for each authority id: a second would be the same source twice.
            models.UniqueConstraint(
                fields=["wikidata_id"], condition=~Q(wikidata_id=""), name="source_wikidata_id_unique"
            ),
            models.UniqueConstraint(fields=["viaf_id"], condition=~Q(viaf_id=""), name="source_viaf_id_unique"),
            models.UniqueConstraint(fields=["gnd_id"], condition=~Q(gnd_id=""), name="source_gnd_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} [{self.key}]"

    def save(self, *args, **kwargs):
        # A source read before a citation was added carries the count of then (as Claim.save).
        super().save(*args, **_leaving(self, "citation_count", kwargs))

    def get_absolute_url(self) -> str:
        return reverse("source_detail", kwargs={"key": self.key})

    def natural_key(self):
        return (self.key,)

    @property
    def archive_reference(self) -> str:
        """The reference in the usual citation form: RGVA (Moscow), f. 33987, op. 3, d. 400, l. 12."""
        archive = f"{self.archive} ({self.archive_place})" if self.archive and self.archive_place else self.archive
        return ", ".join(p for p in (archive, self.archive_call_number) if p)

    @property
    def archive_call_number(self) -> str:
        """Fond, opis, delo and list within the archive: f. 33987, op. 3, d. 400, l. 12 (a formatted
        reference names the archive's place where its style puts it)."""
        parts = []
        for label, value in (
            ("f.", self.archive_fond),
            ("op.", self.archive_opis),
            ("d.", self.archive_delo),
            ("l.", self.archive_list),
        ):
            if value:
                parts.append(f"{label} {value}")
        return ", ".join(parts)

    def clean(self) -> None:
        errors = _require_filled(self, "key", "title") | _reserved_key_error(self, "key")
        self.derive_date_bounds()
        if self.kind == self.Kind.ARCHIVAL_FILE and not self.archive.strip():
            errors["archive"] = "An archival file needs the archive that holds it."
        elif (
            any([self.archive_fond, self.archive_opis, self.archive_delo, self.archive_list])
            and not self.archive.strip()
        ):
            errors["archive"] = "A fond, opis, delo or list needs the archive they belong to."
        self.doi = authority.normalize_doi(self.doi)
        for name, error in (("doi", authority.doi_error(self.doi)), ("isbn", authority.isbn_error(self.isbn))):
            if error:
                errors[name] = error
        if errors:
            raise ValidationError(errors)


# --- Claims and citations ----------------------------------------------------------


class ClaimQuerySet(models.QuerySet):
    def get_by_natural_key(self, key):
        return self.get(key=key)

    def dated_between(self, start, end):
        """Claims whose date may fall in [start, end] (either end may be None)."""
        qs = self.exclude(event_date="")
        if start:
            qs = qs.filter(Q(date_latest__isnull=True) | Q(date_latest__gte=start))
        if end:
            qs = qs.filter(Q(date_earliest__isnull=True) | Q(date_earliest__lte=end))
        return qs


class ClaimKind(models.TextChoices):
    FACT = "fact", "fact"
    HYPOTHESIS = "hypothesis", "hypothesis"
    INTERPRETATION = "interpretation", "interpretation"
    FIGURE = "figure", "figure"


class ClaimStatus(models.TextChoices):
    OPEN = "open", "open"
    SUPPORTED = "supported", "supported"
    CONTESTED = "contested", "contested"
    REFUTED = "refuted", "refuted"


# The columns the claim list's sort indexes hold besides their keys (Claim.Meta.indexes).
SORT_INDEX_INCLUDES = ["id", "event_date", "date_earliest", "date_latest"]


class Claim(DatedMixin):
    Kind = ClaimKind
    Status = ClaimStatus

    key = models.SlugField(max_length=100, unique=True, help_text="Stable identifier, e.g. execution-date-11-june.")
    # Indexed by claim_topic_by_date_idx (topic first), which serves every lookup by topic.
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="claims", db_index=False)
    statement = models.TextField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FACT)
    event_date = models.CharField(
        "date (EDTF)", max_length=100, blank=True, validators=[validate_edtf], help_text=EDTF_HELP
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    people = models.ManyToManyField(Person, blank=True, related_name="claims")  # who it is about
    # Who made it (Suvorov's hypothesis, Rogovin's point), apart from who it is about.
    attributed_to = models.ManyToManyField(Person, blank=True, related_name="claims_made")
    # No index: no page lists claims by who added them (deleting a user scans the table once).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims_added",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    # The evidence grade (its best supporting citation) as grading.evidence_rank makes it, kept
    # by services.claim_evidence_refresh on every write that changes it, for the claim list's
    # sort by evidence (an index; worked out per page it would read every claim's grades).
    # Derived, so neither in the history nor written by a save of the claim's own fields
    # (save below): only the refresh writes it. (db_default: the CSV import's raw INSERTs.)
    evidence_rank = models.PositiveSmallIntegerField(
        default=NO_SUPPORT_RANK, db_default=NO_SUPPORT_RANK, editable=False
    )
    # The history is read by claim (id, indexed); the indexes simple_history would add on the
    # other copied keys serve no query and slow every write (a CSV import writes 100,000s).
    # The history of the people is read by its history row ("claim" and "person" are the
    # keys of its copied links).
    history = HistoricalRecords(
        m2m_fields=[people, attributed_to],
        no_db_index=["key", "topic", "created_by", "claim", "person"],
        excluded_fields=["evidence_rank"],
    )

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["topic__title", "date_earliest", "key"]
        indexes = [
            # The claim list's date-range filter (ClaimQuerySet.dated_between).
            models.Index(fields=["date_earliest", "date_latest"], name="claim_date_bounds_idx"),
            # Each order a page offers is read from an index, a page at a time (claims/sorting.py):
            # /claims/ by date, the default (selectors.lists.CLAIM_SORTS["date"]);
            # Each also holds (INCLUDE, PostgreSQL only) the columns the page's query reads, so
            # that a deep page (?page=500: OFFSET 12,475) is counted off in the index alone, not
            # by a visit to each row skipped; SQLite's index entries already lead to the rowid.
            models.Index(*sorting.BY_DATE, name="claim_by_date_idx", include=SORT_INDEX_INCLUDES),
            # /claims/?sort=-date;
            models.Index(*sorting.BY_DATE_DESCENDING, name="claim_by_date_desc_idx", include=SORT_INDEX_INCLUDES),
            # /topics/<slug>/ and /claims/?topic=<slug> (a topic's claims by date), and the
            # topic's claim count (services.topic_summaries_refresh);
            models.Index(F("topic"), *sorting.BY_DATE, name="claim_topic_by_date_idx", include=SORT_INDEX_INCLUDES),
            # /claims/?sort=status;
            models.Index(
                sorting.StatusRank(ClaimStatus.values).asc(),
                *sorting.BY_DATE,
                name="claim_by_status_idx",
                include=SORT_INDEX_INCLUDES + ["status"],
            ),
            # /claims/?sort=updated and ?sort=-updated (read backwards);
            models.Index(*sorting.BY_UPDATED, name="claim_by_updated_idx", include=["id"]),
            # /claims/?sort=evidence (strongest evidence first, then by date).
            models.Index(*sorting.BY_EVIDENCE, name="claim_by_evidence_idx", include=SORT_INDEX_INCLUDES),
        ]
        constraints = [
            models.CheckConstraint(name="claim_key_not_blank", condition=_not_blank("key")),
            models.CheckConstraint(name="claim_statement_not_blank", condition=_not_blank("statement")),
            models.CheckConstraint(name="claim_kind_valid", condition=Q(kind__in=ClaimKind.values)),
            models.CheckConstraint(name="claim_status_valid", condition=Q(status__in=ClaimStatus.values)),
            *date_constraints("claim", "event_date"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.statement[:80]}"

    def save(self, *args, **kwargs):
        # A claim read before a citation or grade changed carries the rank of then.
        super().save(*args, **_leaving(self, "evidence_rank", kwargs))

    def get_absolute_url(self) -> str:
        return reverse("claim_detail", kwargs={"key": self.key})

    def natural_key(self):
        return (self.key,)

    def clean(self) -> None:
        errors = _require_filled(self, "key", "statement") | _reserved_key_error(self, "key")
        self.derive_date_bounds()
        if errors:
            raise ValidationError(errors)


class CitationQuerySet(models.QuerySet):
    def get_by_natural_key(self, claim_key, source_key, locator):
        return self.get(claim__key=claim_key, source__key=source_key, locator=locator)

    def supporting(self):
        return self.filter(stance=Citation.Stance.SUPPORTS)


class CitationStance(models.TextChoices):
    SUPPORTS = "supports", "supports"
    CONTRADICTS = "contradicts", "contradicts"
    MENTIONS = "mentions", "mentions"


class Citation(models.Model):
    Stance = CitationStance

    # Lookups by claim use citation_unique_source_locator_per_claim (claim first): no index of its own.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations", db_index=False)
    # Lookups by source use citation_source_claim_idx (source first).
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations", db_index=False)
    locator = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where in the source: page, chapter, archival sheet (e.g. p. 412, ch. 9, l. 12).",
    )
    quote = models.TextField(blank=True, help_text="The passage in the source's own language.")
    quote_translation = models.TextField("translation", blank=True)
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.SUPPORTS)
    created_by = models.ForeignKey(  # no index: as Claim.created_by
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    # The history is read by claim (the claim page's history): as Claim.history.
    history = HistoricalRecords(no_db_index=["source", "created_by"])

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["claim__key", "source__key", "locator"]
        indexes = [
            # The source page's claims and their count (selectors.lists.source_claims), the claim
            # list's ?source= filter, and the claims a source's grade disputes count on.
            models.Index(fields=["source", "claim"], name="citation_source_claim_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "source", "locator"],
                name="citation_unique_source_locator_per_claim",
                violation_error_message="This claim already cites this source at this locator.",
            ),
            models.CheckConstraint(name="citation_stance_valid", condition=Q(stance__in=CitationStance.values)),
            # The CSV of claims separates citations with "|" (docs/design.md).
            models.CheckConstraint(name="citation_locator_has_no_bar", condition=_lacks("locator", CSV_SEPARATOR)),
        ]

    def __str__(self) -> str:
        where = f", {self.locator}" if self.locator else ""
        return f"{self.claim.key} ← {self.source.key}{where} ({self.stance})"

    def natural_key(self):
        return (self.claim.key, self.source.key, self.locator)

    natural_key.dependencies = ["claims.claim", "claims.source"]

    def clean(self) -> None:
        self.locator = self.locator.strip()
        errors = _no_separator(self, "locator")
        if errors:
            raise ValidationError(errors)


# --- Source genealogy --------------------------------------------------------------


class SourceRelationKind(models.TextChoices):
    COPY = "copy", "copy (a reprint, an edition, the publication of an archival document)"
    TRANSLATION = "translation", "translation"
    QUOTES = "quotes", "quotes"
    BASED_ON = "based_on", "based on (relies on)"
    SUMMARY = "summary", "summary"


# "rogovin-1937-en is a translation of rogovin-1937"
_RELATION_WORDS: dict[str, str] = {
    SourceRelationKind.COPY: "is a copy of",
    SourceRelationKind.TRANSLATION: "is a translation of",
    SourceRelationKind.QUOTES: "quotes",
    SourceRelationKind.BASED_ON: "is based on",
    SourceRelationKind.SUMMARY: "is a summary of",
}


class SourceRelationQuerySet(models.QuerySet):
    def get_by_natural_key(self, source_key, derived_from_key):
        return self.get(source__key=source_key, derived_from__key=derived_from_key)


class SourceRelation(models.Model):
    """A source derived from another: `source` is a copy, translation, … of `derived_from`.

    Citations whose sources go back to a shared original are one line of evidence, not
    independent confirmations (selectors/lines.py). The relations never form a cycle
    (services.source_relation_errors)."""

    Kind = SourceRelationKind

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="derivations")
    # An original that others derive from is in use: deleting it would hide that they are one line.
    derived_from = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="derived")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True, help_text="How you know, e.g. the edition's preface.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = SourceRelationQuerySet.as_manager()

    class Meta:
        ordering = ["source", "derived_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "derived_from"],
                name="source_relation_one_per_pair",
                violation_error_message="These two sources are related already: change that relation instead.",
            ),
            models.CheckConstraint(
                name="source_relation_not_to_itself",
                condition=~Q(source=models.F("derived_from")),
                violation_error_message="A source cannot be derived from itself.",
            ),
            models.CheckConstraint(name="source_relation_kind_valid", condition=Q(kind__in=SourceRelationKind.values)),
        ]

    def __str__(self) -> str:
        return f"{self.source.key} {_RELATION_WORDS.get(self.kind, self.kind)} {self.derived_from.key}"

    @property
    def verb(self) -> str:
        """What source is of derived_from, in words: "is a translation of", "quotes"."""
        return _RELATION_WORDS.get(self.kind, self.kind)

    def natural_key(self):
        return (self.source.key, self.derived_from.key)

    natural_key.dependencies = ["claims.source"]

    def clean(self) -> None:
        errors = _require_filled(self, "kind")
        if self.kind and self.kind not in SourceRelationKind.values:
            errors["kind"] = f"Unknown kind of relation “{self.kind}”: one of {', '.join(SourceRelationKind.values)}."
        if self.source_id and self.source_id == self.derived_from_id:
            errors["derived_from"] = "A source cannot be derived from itself."
        if errors:
            raise ValidationError(errors)


# --- Assessments -------------------------------------------------------------------


class SourceAssessmentQuerySet(models.QuerySet):
    def get_by_natural_key(self, source_key, username):
        return self.get(source__key=source_key, reviewer__username=username)


class CitationAssessmentQuerySet(models.QuerySet):
    def get_by_natural_key(self, claim_key, source_key, locator, username):
        return self.get(
            citation__claim__key=claim_key,
            citation__source__key=source_key,
            citation__locator=locator,
            reviewer__username=username,
        )


class SourceAssessment(models.Model):
    """One reviewer's reliability grade (A-F) of a source."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="assessments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="source_assessments")
    grade = models.CharField(max_length=1, choices=Reliability.choices)
    rationale = models.TextField(help_text="Why this grade: what the source is, who wrote it, what they could know.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = SourceAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["source__key", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "reviewer"],
                name="source_assessment_one_per_reviewer",
                violation_error_message="This reviewer has already graded this source; edit that grade instead.",
            ),
            models.CheckConstraint(name="source_assessment_grade_a_to_f", condition=Q(grade__in=Reliability.values)),
            models.CheckConstraint(name="source_assessment_rationale_not_blank", condition=_not_blank("rationale")),
        ]

    def __str__(self) -> str:
        return f"{self.source.key}: {self.grade} by {self.reviewer.username}"

    def natural_key(self):
        return (self.source.key, self.reviewer.username)

    natural_key.dependencies = ["claims.source", "claims.user"]

    def clean(self) -> None:
        errors = _require_filled(self, "rationale")
        if errors:
            raise ValidationError(errors)


class CitationAssessment(models.Model):
    """One reviewer's credibility grade (1-6) of what a citation says."""

    citation = models.ForeignKey(Citation, on_delete=models.CASCADE, related_name="assessments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="citation_assessments"
    )
    grade = models.PositiveSmallIntegerField(choices=Credibility.choices)
    rationale = models.TextField(
        help_text="Why this grade: is it confirmed elsewhere, is it consistent, is it logical?"
    )
    # Set when the citation's source, locator, quote or stance changes after the grade was
    # given (services.citation_update, staff_save): the grade stays on record but no longer
    # counts, and its reviewer is asked to grade the citation as it is now.
    outdated = models.BooleanField(
        "given to an earlier version of the citation",
        default=False,
        editable=False,
        help_text="The citation changed after this grade was given; it no longer counts towards the consensus.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = CitationAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["citation__claim__key", "citation__source__key", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["citation", "reviewer"],
                name="citation_assessment_one_per_reviewer",
                violation_error_message="This reviewer has already graded this citation; edit that grade instead.",
            ),
            models.CheckConstraint(name="citation_assessment_grade_1_to_6", condition=Q(grade__gte=1, grade__lte=6)),
            models.CheckConstraint(name="citation_assessment_rationale_not_blank", condition=_not_blank("rationale")),
        ]

    def __str__(self) -> str:
        return f"{self.citation}: {self.grade} by {self.reviewer.username}"

    def natural_key(self):
        return (*self.citation.natural_key(), self.reviewer.username)

    natural_key.dependencies = ["claims.citation", "claims.user"]

    def clean(self) -> None:
        errors = _require_filled(self, "rationale")
        if errors:
            raise ValidationError(errors)


class ConsistencyRatingQuerySet(models.QuerySet):
    def get_by_natural_key(self, claim_key, cited_claim_key, source_key, locator, username):
        return self.get(
            claim__key=claim_key,
            citation__claim__key=cited_claim_key,
            citation__source__key=source_key,
            citation__locator=locator,
            reviewer__username=username,
        )


class ConsistencyRating(models.Model):
    """One reviewer's rating of how a piece of evidence (a citation made for one claim) bears
    on another claim of the same topic: a cell of the topic's competing-hypotheses matrix.

    The cell of a citation's own claim is its stance, not a rating. The field is named grade,
    as on the assessments, because a rating is disputed and annotated as a grade is."""

    Value = Consistency

    # Read by claim (the matrix's columns) through consistency_rating_one_per_reviewer, claim first.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="consistency_ratings", db_index=False)
    citation = models.ForeignKey(Citation, on_delete=models.CASCADE, related_name="consistency_ratings")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consistency_ratings")
    grade = models.CharField("consistency", max_length=2, choices=Consistency.choices)
    rationale = models.TextField(help_text="Why: what in the evidence agrees or disagrees with this claim?")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = ConsistencyRatingQuerySet.as_manager()

    class Meta:
        ordering = ["claim__key", "citation__claim__key", "citation__source__key", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "citation", "reviewer"],
                name="consistency_rating_one_per_reviewer",
                violation_error_message="This reviewer has already rated this evidence against this claim; edit that rating instead.",
            ),
            models.CheckConstraint(name="consistency_rating_value_valid", condition=Q(grade__in=Consistency.values)),
            models.CheckConstraint(name="consistency_rating_rationale_not_blank", condition=_not_blank("rationale")),
        ]

    def __str__(self) -> str:
        return f"{self.citation} against {self.claim.key}: {self.grade} by {self.reviewer.username}"

    def natural_key(self):
        return (self.claim.key, *self.citation.natural_key(), self.reviewer.username)

    natural_key.dependencies = ["claims.claim", "claims.citation", "claims.user"]

    def clean(self) -> None:
        errors = _require_filled(self, "rationale")
        # The same topic and another claim: a database check cannot look across tables.
        if self.claim_id and self.citation_id:
            citation = self.citation
            if citation.claim_id == self.claim_id:
                errors["claim"] = "A citation bears on its own claim through its stance; rate it against another claim."
            elif citation.claim.topic_id != self.claim.topic_id:
                errors["claim"] = "Evidence is rated only against claims of its own claim's topic."
        if errors:
            raise ValidationError(errors)


# --- Disputes and annotations ------------------------------------------------------


class UidQuerySet(models.QuerySet):
    def get_by_natural_key(self, uid):
        return self.get(uid=uid)


def _exactly_one(*fields: str) -> Q:
    """Q that holds when exactly one of the nullable foreign keys is set."""
    options = Q()
    for chosen in fields:
        option = Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                option &= Q(**{f"{other}__isnull": True})
        options |= option
    return options


def _target_keys(kinds: tuple[targets.TargetKind, ...], *, related_name: str) -> dict[str, models.ForeignKey]:
    """The nullable foreign keys to the kinds, each named by its kind's field: a kind added to
    the registry gets its key (and, with makemigrations, its column) on Annotation and Dispute."""
    return {
        kind.field: models.ForeignKey(
            f"claims.{kind.model_name}", null=True, blank=True, on_delete=models.CASCADE, related_name=related_name
        )
        for kind in kinds
    }


def _proposal_matches_target() -> Q:
    """Q that holds when a dispute proposes a value of its target's own kind only (a letter
    for a source grade, a number for a citation grade, a status for a claim): built from the
    registry, so that a new disputable kind is checked too."""
    options = Q()
    for kind in targets.DISPUTABLE:
        own = kind.proposal
        empty = {
            (f"{other.proposal.field}__isnull", True) if other.proposal.numeric else (other.proposal.field, "")
            for other in targets.DISPUTABLE
            if other is not kind
        }
        filled = {(f"{own.field}__isnull", False)} if own.numeric else set()
        option = Q(**dict(sorted({(f"{kind.field}__isnull", False), *empty, *filled})))
        options |= option if own.numeric else option & _not_blank(own.field)
    return options


DISPUTE_TARGETS = targets.DISPUTE_FIELDS


class _Targeted:
    """What an annotation or a dispute is about: the one of its foreign keys to the kinds
    (TARGETS, built by _target_keys) that is set."""

    TARGETS: tuple[str, ...]

    @property
    def target_kind(self) -> targets.TargetKind | None:
        field = targets.target_field(self, self.TARGETS)
        return targets.by_field(field) if field else None

    @property
    def target(self):
        kind = self.target_kind
        return getattr(self, kind.field) if kind else None


ANNOTATION_TARGETS = targets.ANNOTATION_FIELDS


class DisputeQuerySet(UidQuerySet):
    def open(self):
        return self.filter(state=Dispute.State.OPEN)


class DisputeState(models.TextChoices):
    OPEN = "open", "open"
    UPHELD = "upheld", "upheld"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrawn"


class Dispute(_Targeted, models.Model):
    """A formal challenge of an assessment or a claim, resolved by an editor."""

    State = DisputeState
    TARGETS = DISPUTE_TARGETS

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_raised")
    # One foreign key a disputable kind (claims/targets.py): source_assessment, citation_assessment, claim,
    # consistency_rating.
    locals().update(_target_keys(targets.DISPUTABLE, related_name="disputes"))
    reason = models.TextField()
    proposed_reliability = models.CharField(max_length=1, blank=True, choices=Reliability.choices)
    proposed_credibility = models.PositiveSmallIntegerField(null=True, blank=True, choices=Credibility.choices)
    proposed_status = models.CharField(max_length=20, blank=True, choices=Claim.Status.choices)
    proposed_consistency = models.CharField(max_length=2, blank=True, choices=Consistency.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes_resolved"
    )
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    history = HistoricalRecords()

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # /disputes/: the open disputes, oldest first, a page at a time (selectors.lists.open_disputes).
            models.Index(fields=["state", "created_at", "id"], name="dispute_state_created_idx"),
            # /disputes/: the last ones closed (selectors.lists.recently_closed_disputes), read backwards.
            models.Index(fields=["closed_at", "id"], name="dispute_closed_idx"),
        ]
        constraints = [
            models.CheckConstraint(name="dispute_exactly_one_target", condition=_exactly_one(*DISPUTE_TARGETS)),
            models.CheckConstraint(name="dispute_proposal_matches_target", condition=_proposal_matches_target()),
            models.CheckConstraint(
                name="dispute_proposals_valid",
                condition=Q(proposed_reliability__in=["", *Reliability.values])
                & (Q(proposed_credibility__isnull=True) | Q(proposed_credibility__gte=1, proposed_credibility__lte=6))
                & Q(proposed_status__in=["", *ClaimStatus.values])
                & Q(proposed_consistency__in=["", *Consistency.values]),
            ),
            models.CheckConstraint(name="dispute_reason_not_blank", condition=_not_blank("reason")),
            models.CheckConstraint(name="dispute_state_valid", condition=Q(state__in=DisputeState.values)),
            # Who resolved it, with a note, exactly when an editor decided; a closing time
            # exactly when it is no longer open.
            models.CheckConstraint(
                name="dispute_resolution_fields_match_state",
                condition=Q(state="open", closed_at__isnull=True, resolved_by__isnull=True, resolution_note="")
                | Q(state="withdrawn", closed_at__isnull=False, resolved_by__isnull=True, resolution_note="")
                | (
                    Q(state__in=["upheld", "rejected"], closed_at__isnull=False, resolved_by__isnull=False)
                    & _not_blank("resolution_note")
                ),
            ),
            *[
                models.UniqueConstraint(
                    fields=["raised_by", target],
                    condition=Q(state="open"),
                    name=f"dispute_one_open_per_raiser_{target}",
                    violation_error_message="You already have an open dispute on this; withdraw or amend it first.",
                )
                for target in DISPUTE_TARGETS
            ],
        ]

    def __str__(self) -> str:
        return f"Dispute of {self.target_label} by {self.raised_by.username} ({self.state})"

    def natural_key(self):
        return (str(self.uid),)

    @property
    def proposal_badge(self) -> targets.Badge | None:
        """The proposal as the pages show it (see targets.Proposal.badge)."""
        kind = self.target_kind
        if kind is None or kind.proposal is None:
            return None
        field = kind.proposal.field
        return kind.proposal.badge(getattr(self, field), getattr(self, f"get_{field}_display")())

    @property
    def target_label(self) -> str:
        field = targets.target_field(self, self.TARGETS) or "claim"
        return f"{targets.by_field(field).url_kind.replace('-', ' ')} #{getattr(self, f'{field}_id')}"

    @property
    def proposal(self) -> str:
        if self.proposed_credibility:
            return str(self.proposed_credibility)
        return self.proposed_reliability or self.proposed_status or self.proposed_consistency

    def clean(self) -> None:
        errors = _require_filled(self, "reason")
        chosen = [t for t in self.TARGETS if getattr(self, f"{t}_id")]
        if len(chosen) != 1:
            errors["__all__"] = (
                "A dispute challenges exactly one thing: a source grade, a citation grade, a consistency rating or a claim."
            )
        else:
            proposal = targets.by_field(chosen[0]).proposal
            others = [kind.proposal.field for kind in targets.DISPUTABLE if kind.proposal is not proposal]
            if not getattr(self, proposal.field) or any(getattr(self, name) for name in others):
                errors[proposal.field] = proposal.missing
        closed = self.state != self.State.OPEN
        decided = self.state in {self.State.UPHELD, self.State.REJECTED}
        if closed != (self.closed_at is not None):
            errors.setdefault("__all__", "A dispute has a closing time exactly when it is no longer open.")
        if decided and (not self.resolved_by_id or not self.resolution_note.strip()):
            errors["resolution_note"] = "An upheld or rejected dispute needs the editor who decided and a note."
        if not decided and (self.resolved_by_id or self.resolution_note.strip()):
            errors["resolution_note"] = "Only an upheld or rejected dispute has a resolution."
        if errors:
            raise ValidationError(errors)


class AnnotationMotivation(models.TextChoices):
    # The W3C Web Annotation motivations "commenting", "questioning" and "editing".
    COMMENT = "comment", "comment"
    QUESTION = "question", "question"
    CORRECTION = "correction", "correction"


class Annotation(_Targeted, models.Model):
    """A note on a claim, source, citation, assessment or dispute; replies form threads."""

    Motivation = AnnotationMotivation
    TARGETS = ANNOTATION_TARGETS

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations")
    # Exactly one target (an "exclusive arc"), so that each target's foreign key cascades
    # and is checked by the database, which a generic relation would not be.
    # One a kind (claims/targets.py): claim, source, citation, source_assessment, citation_assessment, dispute,
    # consistency_rating.
    locals().update(_target_keys(targets.KINDS, related_name="annotations"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        help_text="The annotation this one replies to; a reply has the same target.",
    )
    body = models.TextField(help_text="Markdown; shown sanitized.")
    motivation = models.CharField(max_length=20, choices=Motivation.choices, default=Motivation.COMMENT)
    quoted_passage = models.TextField(
        blank=True, help_text="Optional: the exact words of the target's text this note is about."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # see services.check_version
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = UidQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(name="annotation_exactly_one_target", condition=_exactly_one(*ANNOTATION_TARGETS)),
            models.CheckConstraint(name="annotation_body_not_blank", condition=_not_blank("body")),
            models.CheckConstraint(
                name="annotation_motivation_valid", condition=Q(motivation__in=AnnotationMotivation.values)
            ),
            models.CheckConstraint(
                name="annotation_not_own_parent", condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motivation} by {self.author.username} on {self.target_label}"

    def natural_key(self):
        return (str(self.uid),)

    @property
    def target_label(self) -> str:
        field = targets.target_field(self, self.TARGETS)
        return f"{field.replace('_', ' ')} #{getattr(self, f'{field}_id')}" if field else "nothing"

    def target_text(self) -> str:
        """The text of the target that a quoted passage must come from."""
        kind = self.target_kind
        return kind.text(self.target) if kind else ""

    def clean(self) -> None:
        # The row's own fields only; the rules that read other rows (the parent, the target's
        # text) are services.annotation_link_errors, checked by every write of an annotation.
        errors = _require_filled(self, "body")
        if len([t for t in self.TARGETS if getattr(self, f"{t}_id")]) != 1:
            errors["__all__"] = "An annotation is about exactly one thing: a claim, source, citation, grade or dispute."
        self.quoted_passage = self.quoted_passage.strip()
        if errors:
            raise ValidationError(errors)


# --- Personal API tokens -------------------------------------------------------------


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal token for the JSON API (issue 16), made and revoked on the account page.

    Only a SHA-256 hash of the token is kept: the token itself is shown once, when it is made.
    `prefix`, its first characters, lets its owner tell tokens apart in the list.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, e.g. 'laptop scripts'.")
    prefix = models.CharField(max_length=12, editable=False)
    # The API's authentication finds the token by it (claims/api/auth.py): unique, so indexed.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(name="apitoken_name_not_blank", condition=_not_blank("name")),
            # A user's tokens in use are told apart by their names.
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked_at__isnull=True), name="apitoken_name_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    def clean(self) -> None:
        errors = _require_filled(self, "name")
        if errors:
            raise ValidationError(errors)


from .search.models import ClaimSearch, SearchTerm, SearchWord  # noqa: E402,F401  (the search index's tables)
