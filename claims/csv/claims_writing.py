"""The claims importer's writes: PlanWriter stores the plan RowChecker builds, a batch at a
time, with all its history, inside the import's transaction.

These and the sources importer's are the writes to the claims domain made outside
claims/services.py (see its docstring): bulk INSERTs of rows already checked with the
models' rules, which the services' one instance at a time cannot write at 10,000 rows/s.
"""

from collections import defaultdict
from collections.abc import Sequence

from django.apps import apps
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims.models import Citation, Claim, ClaimSearch, Person, Topic, User
from claims.search import index as search_index

from . import bulk, progress
from .claims_rows import LINKS, NewClaim, Plan
from .reading import BATCH_SIZE, chunks

# The columns of the rows PlanWriter builds, in the order of the models' fields (and so of the
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
# (Not evidence_rank, which the rows leave to the database's default: services.claim_evidence_refresh sets it.)
assert [f.attname for f in Claim._meta.concrete_fields if f.attname != "evidence_rank"] == CLAIM_TABLE_COLUMNS
assert [f.attname for f in Citation._meta.concrete_fields] == CITATION_TABLE_COLUMNS


class PlanWriter:
    """Writes the plan, as far as it has got, each time it is called: claims, people links (of both LINKS),
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
        current_links: dict[str, dict],
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
        self.current_links = current_links  # link -> claim pk -> person pk -> through pk (claims_rows.Stored)
        self.now = now = timezone.now()
        self.topic_pk = {title: pk for title, (pk, _) in topics.items()}
        self.person_pk: dict[str, int] = {}  # casefolded name of a new person -> their pk, once written
        self.claim_history = Claim.history.model
        self.citation_history = Citation.history.model
        self.m2m_history = {link: apps.get_model("claims", f"HistoricalClaim_{link}") for link in LINKS}
        self.claim_now = bulk.db_value(Claim, "created_at", now)
        self.claim_history_date = bulk.db_value(self.claim_history, "history_date", now)
        self.citation_now = bulk.db_value(Citation, "created_at", now)
        self.citation_history_date = bulk.db_value(self.citation_history, "history_date", now)
        self.date_db = bulk.adapter(Claim, "date_earliest") or (lambda value: value)
        self.claims_written = 0
        self.topics_touched: set[int | None] = set()  # whose summaries change (services.topic_summaries_refresh)
        self.evidence_touched: set[int] = set()  # claims cited anew (services.claim_evidence_refresh)
        self.sources_cited: set[int] = set()  # sources cited anew (services.source_citation_counts_refresh)

    def write(self) -> None:
        plan = self.plan
        self._write_topics_and_people()
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
            self._update_claims(plan.update, plan.update_fields)
        for part in chunks(claims):
            self._write_claims(part)
        citations = plan.citations
        plan.create, plan.update, plan.citations = [], [], []
        plan.update_fields, plan.topic_of, plan.people_of, plan.people_changed = set(), {}, {}, set()
        plan.attributed_to_of, plan.attributed_to_changed = {}, set()
        del claims
        for part in chunks(citations):
            self._write_citations(part)
        progress.written(self.claims_written)

    def _write_topics_and_people(self) -> None:
        """The plan's new topics and people not written yet, with their history."""
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

    def _update_claims(self, claims: list[Claim], changed: set[str]) -> None:
        for claim in claims:
            claim.updated_at = self.now
            claim.version += 1  # (an edit begun before the import is then refused, not lost)
        fields = sorted(changed | {"updated_at", "version"})
        bulk.flush()
        Claim.objects.bulk_update(claims, fields, batch_size=BATCH_SIZE)

    def _write_claims(self, part: list) -> None:
        """Claims (new ones inserted, changed ones' history), their people and history.

        Primary keys are reserved before each INSERT (bulk.reserve_ids) and written with
        the rows, never read back."""
        new = [claim for claim in part if isinstance(claim, NewClaim)]
        old = [claim for claim in part if not isinstance(claim, NewClaim)]
        history_ids = bulk.reserve_ids(self.claim_history, len(part))  # "+" rows first, then "~"
        copied = self._insert_new_claims(new, history_ids[: len(new)]) if new else None
        if old:
            bulk.insert_history(
                Claim,
                old,
                history_type="~",
                history_date=self.now,
                user_id=self.user_id,
                history_ids=history_ids[len(new) :],
            )
        history_of = {claim.pk: history_id for claim, history_id in zip(new + old, history_ids)}
        people_of: dict[int, set[int]] = defaultdict(set)  # (both links: the index finds a claim by either)
        for link in LINKS:
            after, added = self._relink_people(part, link)
            for claim_pk, people in after.items():
                people_of[claim_pk] |= people
            links, link_ids = self._insert_links(added, link)
            # (after is replaced without the new claims whose history is copied)
            if copied is not None and link == "people" and self._copy_new_links_history(added, link_ids, copied):
                claim_range = copied[0]
                after = {claim_pk: people for claim_pk, people in after.items() if claim_pk not in claim_range}
            self._insert_links_history(after, links, history_of, link)
        self._index(new, people_of)
        for claim in new:
            claim.statement = ""  # written, history too: the text can go

    def _insert_new_claims(self, new: list[NewClaim], history_ids) -> tuple[range, range] | None:
        """INSERT the new claims and their "+" history; (their keys, their history's keys) when
        both follow each other (as they do unless another import took keys meanwhile): the
        database then copied the history rows, and will copy their people's, from the rows."""
        claim_ids = bulk.reserve_ids(Claim, len(new))
        rows = self._claim_rows(new, claim_ids)
        # (New claims are all the importer's, created now, at version 1.)
        now_db = self.claim_now
        same = {"created_by_id": self.user_id, "created_at": now_db, "updated_at": now_db, "version": 1}
        bulk.insert(Claim, CLAIM_TABLE_COLUMNS[:-4], rows, ready=True, same=same)
        claim_range, history_range = bulk.consecutive(claim_ids), bulk.consecutive(history_ids)
        if claim_range is not None and history_range is not None:
            bulk.copy_to_history(
                Claim,
                ids=claim_range,
                history_ids=history_range,
                history_type="+",
                history_date=self.now,
                user_id=self.user_id,
            )
            return claim_range, history_range
        bulk.insert(
            self.claim_history,
            bulk.history_columns(Claim),
            (
                (history_id, *row, *same.values(), self.claim_history_date, "", "+", self.user_id)
                for history_id, row in zip(history_ids, rows)
            ),
            ready=True,
        )
        return None

    def _claim_rows(self, new: list[NewClaim], claim_ids) -> list[tuple]:
        """The new claims' rows (CLAIM_TABLE_COLUMNS but the last four), their keys set."""
        date_db, rows = self.date_db, []
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
        return rows

    def _relink_people(self, part: list, link: str) -> tuple[dict[int, set[int]], list[tuple[int, int]]]:
        """Make each changed claim's people of the link (LINKS) exactly the cell's: the links no
        longer wanted are deleted; returns each claim's people afterwards (claim pk -> person
        pks) and the links to add ((claim pk, person pk), a new claim's first)."""
        plan, current_people, person_pk = self.plan, self.current_links[link], self.person_pk
        changed = plan.changed(link)
        after: dict[int, set[int]] = {}
        removed: list[int] = []
        added: list[tuple[int, int]] = []
        for claim in part:
            created = isinstance(claim, NewClaim)
            if created or id(claim) in changed:
                after[claim.pk] = wanted = {
                    ref if isinstance(ref, int) else person_pk[ref] for ref in plan.refs(claim, link)
                }
            else:
                after[claim.pk] = wanted = set(current_people.get(claim.pk, {}))
            if (created and wanted) or id(claim) in changed:
                have = {} if created else current_people.get(claim.pk, {})
                removed += [through_pk for person_id, through_pk in have.items() if person_id not in wanted]
                added += [(claim.pk, pk) for pk in sorted(wanted - set(have))]
        if removed:
            bulk.flush()  # (the links may be in an INSERT still waiting)
            getattr(Claim, link).through.objects.filter(pk__in=removed).delete()
        return after, added

    def _insert_links(
        self, added: list[tuple[int, int]], link: str
    ) -> tuple[dict[tuple[int, int], int], Sequence[int]]:
        """INSERT the links; (claim pk, person pk) -> the link's key, and the keys in order."""
        through = getattr(Claim, link).through
        links: dict[tuple[int, int], int] = {}
        link_ids = bulk.reserve_ids(through, len(added))
        if added:
            link_rows = [(pk, claim_id, person_id) for pk, (claim_id, person_id) in zip(link_ids, added)]
            bulk.insert(through, ["id", "claim_id", "person_id"], link_rows, ready=True)
            links = {(claim_id, person_id): pk for pk, claim_id, person_id in link_rows}
        return links, link_ids

    def _copy_new_links_history(self, added: list[tuple[int, int]], link_ids, copied: tuple[range, range]) -> bool:
        """The m2m history of the new claims' links, copied by the database with each claim's
        history key, when their keys follow each other; whether it was."""
        # The new claims come first in the part, and so do their links in added: a new
        # claim's people are its links.
        claim_range, history_range = copied
        lead = next((i for i, (claim_id, _) in enumerate(added) if claim_id not in claim_range), len(added))
        new_links = bulk.consecutive(link_ids[:lead])
        if new_links is None or any(claim_id in claim_range for claim_id, _ in added[lead:]):
            return False
        bulk.copy_links_to_history(
            Claim.people.through,
            self.m2m_history["people"],
            owner="claim_id",
            ids=new_links,
            history_offset=history_range.start - claim_range.start,
        )
        return True

    def _insert_links_history(
        self, after: dict[int, set[int]], links: dict[tuple[int, int], int], history_of: dict[int, int], link: str
    ) -> None:
        """The m2m history rows of the claims' people of the link: each copies its link row, id
        included (as simple_history does), with the claim's history key."""
        current_people = self.current_links[link]
        bulk.insert(
            self.m2m_history[link],
            ["id", "claim_id", "person_id", "history_id"],
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
        self.evidence_touched.update(row[1] for row in rows)
        self.sources_cited.update(row[2] for row in rows)
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
