"""The claims CSV of docs/design.md: one claim a row, its people and its citations in cells.

This module imports; claims_export.py exports (both names are importable from here).

Import reads everything it needs up front in a few queries (chunked by BATCH_SIZE keys),
validates every row in Python with the models' own rules, and writes only what differs,
in bulk and in one transaction, with history rows naming the importing user. One
ClaimsImport holds an import's state, in the order of its steps: read (the file, by
common.run_import as every import; then what the database holds of it), check each row into
a plan (claims_rows.py), write the plan (claims_writing.py), report (run_import again).
"""

from collections import defaultdict
from contextlib import nullcontext

from claims.models import Citation, Claim, Source, Topic, User
from claims.services import (
    agreement_refresh_soon,
    claim_evidence_refresh,
    source_citation_counts_refresh,
    topic_summaries_refresh,
)

from . import bulk, progress
from .claims_export import CLAIM_COLUMNS, EXPORT_ONLY, SEPARATOR, claims_csv_chunks, claims_export  # noqa: F401
from .claims_rows import LINKS, PeopleIndex, Plan, RowChecker, Stored, split_cell
from .claims_writing import PlanWriter
from .columns import CLAIM_COLUMN_TABLE, required
from .common import Discard, compare_versions, run_import
from .process_state import gc_paused
from .reading import BATCH_SIZE, ImportReport, RowError, RowOutcome, chunks

REQUIRED = required(CLAIM_COLUMN_TABLE)


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
    titles and unknown people (of the people and attributed_to cells) are created; citations in the `sources` cell are added
    (stance "supports") when missing and never removed. Returns the counts, or the
    errors with row numbers and columns (and then nothing was written). Raises
    PermissionDenied unless the actor may import CSV.

    A dry run's report holds the version of every claim the file names (report.versions):
    the confirm of that preview passes them as expected_versions, and if any of those claims
    was changed, created or deleted since, it writes nothing and reports those rows (and
    who changed them) with report.changed_since_preview set.
    """
    with gc_paused():
        return run_import(
            ClaimsImport(actor=actor, dry_run=dry_run, expected_versions=expected_versions).check_and_write,
            actor=actor,
            data=data,
            dry_run=dry_run,
            encoding=encoding,
            known=CLAIM_COLUMNS,
            required=REQUIRED,
            export_only=EXPORT_ONLY,
        )


class ClaimsImport:
    """One import of a claims file (common.run_import reads it, then check_and_write): read
    what the database holds of it → check each row into a plan → write the plan.

    Unless it is a dry run, the rows checked so far are written a batch at a time while the
    next are checked (the database stores one batch while Python checks the next), in
    run_import's transaction; Discard rolls it back if any row turns out bad.
    """

    def __init__(self, *, actor: User | None, dry_run: bool, expected_versions: dict[str, int] | None):
        self.actor, self.dry_run, self.expected_versions = actor, dry_run, expected_versions
        self.report = ImportReport(dry_run=dry_run)
        self.errors: list[RowError] = []

    def check_and_write(self, report: ImportReport, rows: list, columns: set[str], errors: list[RowError]) -> None:
        """run_import's step: the rows checked, and written unless a dry run; report.rows their outcomes."""
        self.report, self.errors = report, errors
        self._check_and_write(rows, columns=columns)

    def _check_and_write(self, rows: list, *, columns: set[str]) -> None:
        skip = {e.row for e in self.errors}
        stored = self._read_stored(rows, columns=columns)
        plan = Plan()
        writer = None
        with nullcontext() if self.dry_run else bulk.pipelined():
            if not self.dry_run:
                writer = PlanWriter(
                    plan,
                    actor=self.actor,
                    topics=stored.topics,
                    current_links={link: stored.current(link) for link in LINKS},
                    people_names=stored.people.names_of if stored.people is not None else {},
                    source_titles=stored.source_titles,
                )
            checker = RowChecker(plan=plan, stored=stored, columns=columns, actor=self.actor)
            outcomes = self._check(rows, checker=checker, plan=plan, writer=writer, skip=skip)
            progress.checked(len(rows))
            if self.errors:
                raise Discard
            if writer is not None:
                self._write(writer)
        if writer is not None:
            topic_summaries_refresh(topic_ids={t for t in writer.topics_touched if t is not None}, at=writer.now)
            # A new supporting citation may lift a claim's evidence grade (a graded source).
            claim_evidence_refresh(claim_ids=writer.evidence_touched)
            source_citation_counts_refresh(source_ids=writer.sources_cited)  # (the review queue's order)
            agreement_refresh_soon()  # (claims moved to another topic take their grades with them)
        self.report.rows = outcomes

    # --- Read: everything the rows refer to, in a few queries ---------------------------

    def _read_stored(self, rows: list, *, columns: set[str]) -> Stored:
        claims = self._stored_claims(rows)
        if compare_versions(
            self.report, Claim, rows, claims, self.errors, dry_run=self.dry_run, expected=self.expected_versions
        ):
            raise Discard
        topics = {title: (pk, slug) for pk, title, slug in Topic.objects.values_list("pk", "title", "slug")}
        people = PeopleIndex() if columns.intersection(LINKS) else None
        stored_ids = [c.pk for c in claims.values()]
        stored = Stored(
            claims=claims,
            topics=topics,
            topic_slugs={slug for _, slug in topics.values()},
            people=people,
            current_people=defaultdict(dict),
            current_attributed_to=defaultdict(dict),
            sources={},
            source_titles={},
            current_citations=defaultdict(set),
        )
        # (Read whatever the columns: an updated claim's history row records its people as they are.)
        for link in LINKS:
            self._read_people_links(stored, stored_ids, link)
        if "sources" in columns:
            self._read_sources(stored, rows)
            self._read_citations(stored, stored_ids)
        return stored

    def _stored_claims(self, rows: list) -> dict[str, Claim]:
        """key -> the stored claim, of the keys of the file (locked when writing)."""
        keys = sorted({cells["key"].strip() for _, cells in rows if cells["key"].strip()})
        if len(keys) > BATCH_SIZE:
            # A long file: which of its keys are stored, from one read of the key index (building
            # a query of a thousand keys takes Django longer than this read of a hundred thousand).
            keys = sorted(set(keys).intersection(Claim.objects.order_by().values_list("key", flat=True).iterator()))
        stored: dict[str, Claim] = {}
        claims = Claim.objects.all() if self.dry_run else Claim.objects.select_for_update(of=("self",)).order_by()
        for chunk in chunks(keys):
            stored.update({c.key: c for c in claims.filter(key__in=chunk)})
        return stored

    @staticmethod
    def _read_people_links(stored: Stored, stored_ids: list[int], link: str) -> None:
        through, current = getattr(Claim, link).through, stored.current(link)
        for chunk in chunks(stored_ids):
            for pk, claim_id, person_id in through.objects.filter(claim_id__in=chunk).values_list(
                "pk", "claim_id", "person_id"
            ):
                current[claim_id][person_id] = pk

    @staticmethod
    def _read_sources(stored: Stored, rows: list) -> None:
        cited = sorted({item.partition(":")[0].strip() for _, cells in rows for item in split_cell(cells["sources"])})
        for chunk in chunks(cited):
            for key, pk, title, original in Source.objects.filter(key__in=chunk).values_list(
                "key", "pk", "title", "title_original"
            ):
                stored.sources[key] = pk
                stored.source_titles[pk] = (title, original)

    @staticmethod
    def _read_citations(stored: Stored, stored_ids: list[int]) -> None:
        for chunk in chunks(stored_ids):
            for claim_id, source_id, locator in Citation.objects.filter(claim_id__in=chunk).values_list(
                "claim_id", "source_id", "locator"
            ):
                stored.current_citations[claim_id].add((source_id, locator))

    # --- Check each row into the plan, writing it as it grows ---------------------------

    def _check(
        self, rows: list, *, checker: RowChecker, plan: Plan, writer: PlanWriter | None, skip: set[int]
    ) -> list[RowOutcome]:
        """Every row checked into the plan or the errors; the writer (None on a dry run) writes
        the plan every BATCH_SIZE claims while no row has been bad."""
        errors = self.errors
        outcomes: list[RowOutcome] = []
        for index, (number, cells) in enumerate(rows):
            rows[index] = None  # what a row keeps (its cells) lives on in the plan; the rest is freed
            if index % BATCH_SIZE == 0:
                progress.checked(index)
            if writer is not None and not errors and len(plan.create) + len(plan.update) >= BATCH_SIZE:
                writer.write()
            if number in skip:
                continue
            outcome = checker.check(number, cells, errors)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    # --- Write the rest ------------------------------------------------------------

    @staticmethod
    def _write(writer: PlanWriter) -> None:
        writer.write()
        writer.index_the_rest()
        if writer.claims_written >= BATCH_SIZE:
            bulk.analyze([Claim, Citation, Claim.people.through, Claim.attributed_to.through])
