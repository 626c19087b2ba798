"""The data sets of bench/pages.py: generated in bulk, cached between runs.

A data set of N claims has the shape of a large project, scaled from the one of 100,000
claims (issue 11): 50 topics, one of them holding 12% of the claims; 2% as many sources,
one of them cited by 5% of the claims; 1 or 2 citations a claim; a few hundred people
(Cyrillic names and aliases), one of them (Tukhachevsky) on 8% of the claims; 42% as many
grades (of sources and citations, by several reviewers, some outdated), 20% as many notes,
2% open disputes and 0.5% closed ones. One claim, the "heaviest", is the same in every data
set (30 citations, each graded, 60 notes, open disputes), so that its page measures the
size of the database, not the size of the claim.

Rows are written in bulk (executemany on SQLite, COPY on PostgreSQL) with every field the
models derive set as the models and services set them: date bounds from claims.dates, version
1, a uid, created and updated times spread over six years, one history row ("+") per record.
"""

import datetime
import hashlib
import random
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from bench import csv_bench

SEED = 1937
N_TOPICS = 50
HEAVY_CITATIONS = 30
HEAVY_NOTES = 60

BIG_TOPIC = "military-case-1937"
BIG_PERSON = "tukhachevsky"
BIG_SOURCE = "rgva-33987-3-400"
HEAVY_CLAIM = "execution-date-11-june"

LATIN_WORDS = (
    "the commission reported that marshal Tukhachevsky was arrested in May and the tribunal "
    "sentenced eight commanders on the night of June eleventh according to the protocol of "
    "interrogation signed by the investigator while the memoirs of witnesses disagree about "
    "the date of the execution and the archive of the military collegium holds a copy of the "
    "verdict with corrections in pencil which suggests a later revision of the text by the "
    "prosecutor general who reviewed the case in nineteen fifty seven Tukhachevsky's letters"
).split()
CYRILLIC_WORDS = (
    "комиссия установила что маршал Тухачевский был арестован в мае и специальное судебное "
    "присутствие приговорило восемь командиров в ночь на одиннадцатое июня согласно протоколу "
    "допроса маршала Тухачевского подписанному следователем тогда как воспоминания свидетелей "
    "расходятся в дате расстрела а архив военной коллегии хранит копию приговора с правкой "
    "карандашом что указывает на позднейшую редакцию текста генеральным прокурором с "
    "Тухачевским пересмотревшим дело о Тухачевском"
).split()
LATIN_FIRST, CYRILLIC_FIRST = csv_bench.LATIN_FIRST, csv_bench.CYRILLIC_FIRST
# Without Tukhachevsky: he is the one person named on many claims (BIG_PERSON).
LATIN_LAST, CYRILLIC_LAST = csv_bench.LATIN_LAST[1:], csv_bench.CYRILLIC_LAST[1:]
SOURCE_KINDS = ["official_report", "periodical", "monograph", "memoir", "article", "archival_file"]
LEVELS = ["primary", "secondary", "tertiary"]
CLAIM_KINDS = ["fact", "hypothesis", "interpretation", "figure"]
STATUSES = ["open", "supported", "contested", "refuted"]
STANCES = ["supports", "supports", "contradicts", "mentions"]
RELIABILITY = "ABCDEF"
MOTIVATIONS = ["comment", "comment", "question", "correction"]

# Accounts: the personas pages.py logs in as, and the people who wrote, graded and decided.
RESEARCHER = "rita_researcher"
BLIND_REVIEWER = "victor_reviewer"
STAFF = "sam_staff"
AUTHORS = [RESEARCHER] + [f"author{i:02d}" for i in range(1, 20)]
REVIEWERS = [BLIND_REVIEWER] + [f"reviewer{i}" for i in range(1, 8)]
EDITORS = ["edith_editor", "emil_editor", "erna_editor"]


# How many of each at 100,000 claims; a data set of N claims has N/100,000 of each (at least the minimum).
AT_100K = {
    "big_topic": 12_000,
    "sources": 2_000,
    "big_source": 5_000,
    "people": 300,
    "big_person": 8_000,
    "grades": 42_000,
    "notes": 20_000,
    "open_disputes": 2_000,
    "closed_disputes": 500,
}
# At least a full page of each list (the admin's 100 rows) in the smallest set, so that a page
# is compared with a page of the same length; the heaviest claim's sources and people are the
# first of them.
MINIMUM = {"sources": 120, "people": 120, "open_disputes": 110}


class Shape:
    def __init__(self, claims: int):
        self.claims = claims
        for name, count in AT_100K.items():
            setattr(self, name, max(MINIMUM.get(name, 1), round(count * claims / 100_000)))


def cache_key() -> str:
    """What a cached database depends on: this generator's source and the latest migrations."""
    from django.db.migrations.loader import MigrationLoader

    leaves = sorted(
        f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()
    )
    digest = hashlib.sha256(Path(__file__).read_bytes() + Path(csv_bench.__file__).read_bytes())
    digest.update("\n".join(leaves).encode())
    return digest.hexdigest()[:10]


# --- text ----------------------------------------------------------------------------


_text, _edtf = csv_bench._text, csv_bench._edtf


def _statement(rng: random.Random, about_big_person: bool) -> str:
    cyrillic = rng.random() < 0.6
    text = _text(rng, CYRILLIC_WORDS if cyrillic else LATIN_WORDS, 100, 380)
    if rng.random() < 0.3:  # a quotation in the other script
        text += " «" + _text(rng, LATIN_WORDS if cyrillic else CYRILLIC_WORDS, 20, 60)[:-1] + "»"
    if about_big_person and rng.random() < 0.7:
        text = (
            rng.choice(
                [
                    "Дело маршала Тухачевского: ",
                    "По показаниям Тухачевского ",
                    "Tukhachevsky: ",
                    "Marshal M. N. Tukhachevsky ",
                ]
            )
            + text
        )
    return text


def _bounds(text: str):
    from claims.dates import edtf_bounds

    if not text:
        return None, None
    bounds = edtf_bounds(text)  # cached by claims.dates
    return bounds.earliest, bounds.latest


# --- bulk writing ----------------------------------------------------------------------


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany in batches on SQLite."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.rows = 0

    def _adapt(self, value):
        if self.postgres:
            return value
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return value.hex
        return value

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        self.rows += 1
                return
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            batch = []
            for row in rows:
                batch.append([self._adapt(v) for v in row])
                if len(batch) == 20_000:
                    cursor.executemany(sql, batch)
                    self.rows += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                self.rows += len(batch)


class Table:
    """Rows of one model as tuples in the order of its concrete columns (attnames)."""

    def __init__(self, model):
        self.model = model
        self.columns = [f.attname for f in model._meta.concrete_fields]
        self.rows: list[tuple] = []

    def add(self, **values) -> int:
        missing = set(self.columns) - values.keys() - {"id"}
        if missing:
            raise ValueError(f"{self.model.__name__}: no value for {sorted(missing)}")
        values.setdefault("id", len(self.rows) + 1)
        self.rows.append(tuple(values[c] for c in self.columns))
        return values["id"]

    def get(self, row: tuple, column: str):
        return row[self.columns.index(column)]


def _history(table: Table, user_column: str | None, date_column: str = "created_at"):
    """One "+" history row per record, as simple_history writes when a record is created."""
    history = table.model.history.model
    columns = [f.attname for f in history._meta.concrete_fields]
    index = {c: i for i, c in enumerate(table.columns)}
    for n, row in enumerate(table.rows, 1):
        values = {c: row[index[c]] for c in columns if c in index}
        values.update(
            history_id=n,
            history_date=row[index[date_column]],
            history_change_reason=None,
            history_type="+",
            history_user_id=row[index[user_column]] if user_column else None,
        )
        yield tuple(values[c] for c in columns)


def _history_columns(model) -> list[str]:
    return [f.attname for f in model.history.model._meta.concrete_fields]


# --- the generator ---------------------------------------------------------------------


def _users(label: str) -> dict[str, int]:
    from django.contrib.auth.models import Group

    from claims.models import User
    from claims.roles import Role

    groups = {g.name: g for g in Group.objects.all()}
    ids = {}
    for name in [*AUTHORS, *REVIEWERS, *EDITORS, STAFF]:
        user = User.objects.create_user(
            username=name,
            password=None,
            is_staff=name == STAFF,
            is_superuser=name == STAFF,
            first_name=name.split("_")[0].title(),
        )
        role = Role.EDITOR if name in EDITORS else Role.REVIEWER if name in REVIEWERS else Role.RESEARCHER
        if name != STAFF:
            user.groups.set([groups[role.value]])
        ids[name] = user.pk
    return ids


def generate(label: str, n_claims: int, log=print) -> dict[str, int]:
    """Write a data set of n_claims claims into the (empty, migrated) default database."""
    from django.apps import apps
    from django.db import connection, transaction
    from django.utils.text import slugify

    from claims.models import (
        Annotation,
        Citation,
        CitationAssessment,
        Claim,
        Dispute,
        Person,
        Source,
        SourceAssessment,
        Topic,
    )
    from claims.translit import romanize

    shape = Shape(n_claims)
    rng = random.Random(f"{SEED}-{n_claims}")
    # The heaviest claim, the sources it cites and everything on it come from a generator of
    # their own, so that they are the same in every data set: its page then measures the
    # database's size, not a claim that happens to have longer texts or more replies.
    heavy = random.Random(f"{SEED}-heavy")
    now = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    start = now - datetime.timedelta(days=6 * 365)
    span = (now - start).total_seconds()

    def when(low: float = 0.0, r: random.Random | None = None) -> datetime.datetime:
        return start + datetime.timedelta(seconds=low + (r or rng).random() * (span - low))

    def later(moment: datetime.datetime, r: random.Random | None = None) -> datetime.datetime:
        return min(now, moment + datetime.timedelta(seconds=(r or rng).random() * 90 * 86400))

    with transaction.atomic():
        users = _users(label)
    authors = [users[a] for a in AUTHORS]
    reviewers = [users[r] for r in REVIEWERS]
    editors = [users[e] for e in EDITORS]
    researcher, blind = users[RESEARCHER], users[BLIND_REVIEWER]

    # Topics: the big one first; a topic named after the data set lets pages.py check routing.
    topics = Table(Topic)
    titles = ["The military case of 1937 / Дело военных 1937 года", f"Pagebench {label}"]
    titles += [f"{_text(rng, CYRILLIC_WORDS if t % 2 else LATIN_WORDS, 15, 40)[:-1]} {t}" for t in range(2, N_TOPICS)]
    for t, title in enumerate(titles):
        slug = BIG_TOPIC if t == 0 else f"pagebench-{label}" if t == 1 else slugify(romanize(title))[:180]
        topics.add(
            title=title,
            slug=slug,
            description=_text(rng, LATIN_WORDS, 50, 300),
            created_by_id=researcher,
            created_at=when(),
            version=1,
        )

    people = Table(Person)
    people.add(
        name="Mikhail Tukhachevsky",
        name_original="Тухачевский, Михаил Николаевич",
        aliases="Tukhachevskii\nToukhatchevski\nTuchatschewski\nТухачевский М. Н.",
        slug=BIG_PERSON,
        created_by_id=researcher,
        created_at=when(),
        version=1,
    )
    for p in range(1, shape.people):
        r = heavy if p < MINIMUM["people"] else rng  # (the heaviest claim names only these)
        i = r.randrange(len(LATIN_LAST))
        first = r.randrange(len(LATIN_FIRST))
        name = f"{LATIN_FIRST[first]} {LATIN_LAST[i]} {p}"
        original = f"{CYRILLIC_LAST[i]}, {CYRILLIC_FIRST[first]}"
        people.add(
            name=name,
            name_original=original,
            aliases=f"{romanize(CYRILLIC_LAST[i])}\n{CYRILLIC_LAST[i]} {p}",
            slug=slugify(name),
            created_by_id=r.choice(authors),
            created_at=when(r=r),
            version=1,
        )

    sources = Table(Source)
    for s in range(shape.sources):
        r = heavy if s < MINIMUM["sources"] else rng  # (the heaviest claim cites only these)
        kind = "archival_file" if s == 0 else SOURCE_KINDS[s % len(SOURCE_KINDS)]
        cyrillic = s % 2 == 0
        title = _text(r, CYRILLIC_WORDS if cyrillic else LATIN_WORDS, 20, 120)
        date = _edtf(r) if s else "1937-06"
        earliest, latest = _bounds(date)
        created = when(r=r)
        archival = kind == "archival_file"
        sources.add(
            date_earliest=earliest,
            date_latest=latest,
            key=BIG_SOURCE if s == 0 else f"src-{s:05d}",
            kind=kind,
            level=LEVELS[s % 3],
            title=title,
            title_original=title if cyrillic else "",
            authors=f"{r.choice(CYRILLIC_LAST if cyrillic else LATIN_LAST)}; {r.choice(LATIN_LAST)}",
            date=date,
            publisher="" if archival else r.choice(["Pravda", "Voenizdat", "Terra", "Yale UP"]),
            archive="RGVA" if archival else "",
            archive_fond="33987" if archival else "",
            archive_opis="3" if archival else "",
            archive_delo=str(400 + s) if archival else "",
            archive_list=f"{r.randint(1, 300)}" if archival else "",
            url="",
            language="ru" if cyrillic else "en",
            notes=_text(r, LATIN_WORDS, 20, 200) if s % 5 == 0 else "",
            created_by_id=researcher if s == 0 else r.choice(authors),
            created_at=created,
            updated_at=later(created, r),
            version=1,
        )

    # Claims. Index 0 is the heaviest claim; the big topic, source and person hold a fixed
    # number of randomly placed claims each.
    n = n_claims
    in_big_topic = set(rng.sample(range(1, n), shape.big_topic - 1)) | {0}
    other_topics = list(range(3, N_TOPICS + 1))  # ids: 1 is the big topic, 2 the routing check
    cites_big = set(rng.sample(range(1, n), shape.big_source - 1)) | {0}
    about_big = set(rng.sample(range(1, n), shape.big_person - 1)) | {0}
    claims = Table(Claim)
    claim_people = []
    for c in range(n):
        r = heavy if c == 0 else rng
        date = "1937-06-11T23:35:00" if c == 0 else _edtf(rng)
        earliest, latest = _bounds(date)
        created = when(r=r)
        topic = 1 if c in in_big_topic else (2 if c == n - 1 else other_topics[c % len(other_topics)])
        claims.add(
            date_earliest=earliest,
            date_latest=latest,
            key=HEAVY_CLAIM if c == 0 else f"claim-{c:06d}",
            topic_id=topic,
            statement=_statement(r, c in about_big),
            kind=r.choice(CLAIM_KINDS),
            event_date=date,
            status=r.choice(STATUSES),
            created_by_id=researcher if c == 0 else rng.choice(authors),
            created_at=created,
            updated_at=later(created, r),
            version=1,
        )
        named = {1} if c in about_big else set()
        people_named = MINIMUM["people"] if c == 0 else shape.people
        named |= {r.randrange(2, people_named + 1) for _ in range(r.randint(0, 2))}
        claim_people.extend((c + 1, p) for p in sorted(named))

    citations = Table(Citation)
    claim_rows = claims.rows
    other_sources = range(2, shape.sources + 1)
    for c in range(n):
        r = heavy if c == 0 else rng
        count = HEAVY_CITATIONS if c == 0 else rng.randint(1, 2)
        chosen = [1] if c in cites_big else []
        while len(chosen) < count:
            s = r.choice(range(2, MINIMUM["sources"] + 1) if c == 0 else other_sources)
            if s not in chosen:
                chosen.append(s)
        created_claim = claims.get(claim_rows[c], "created_at")
        for s in chosen:
            cyrillic = r.random() < 0.6
            quote = _text(r, CYRILLIC_WORDS if cyrillic else LATIN_WORDS, 40, 240)
            created = later(created_claim, r)
            citations.add(
                claim_id=c + 1,
                source_id=s,
                locator=r.choice(["p. ", "l. ", "ch. "]) + str(r.randint(1, 700)),
                quote=quote,
                quote_translation=_text(r, LATIN_WORDS, 40, 240) if cyrillic else "",
                stance=r.choice(STANCES),
                created_by_id=claims.get(claim_rows[c], "created_by_id"),
                created_at=created,
                updated_at=later(created, r),
                version=1,
            )
    heavy_citations = list(range(1, HEAVY_CITATIONS + 1))  # the heaviest claim's, written first

    # Grades: each source by 1-4 reviewers, then citation grades until the total; the heaviest
    # claim's citations graded by 3 reviewers each, half of them by the blind persona. The
    # blind persona grades about a third of what is graded, never the big source.
    source_grades = Table(SourceAssessment)
    for s in range(1, shape.sources + 1):
        g = heavy if s <= MINIMUM["sources"] else rng
        graders = g.sample(reviewers, g.randint(1, 4))
        if s == 1:
            graders = list(reviewers[1:5])
        for r in graders:
            created = when(r=g)
            source_grades.add(
                source_id=s,
                reviewer_id=r,
                grade=g.choice(RELIABILITY),
                rationale=_text(g, LATIN_WORDS, 40, 200),
                created_at=created,
                updated_at=later(created, g),
                version=1,
            )
    citation_grades = Table(CitationAssessment)
    graded = set()

    def grade_citation(cit: int, reviewer: int, g: random.Random = rng) -> None:
        if (cit, reviewer) in graded:
            return
        graded.add((cit, reviewer))
        created = when(r=g)
        citation_grades.add(
            citation_id=cit,
            reviewer_id=reviewer,
            grade=g.randint(1, 6),
            rationale=_text(g, CYRILLIC_WORDS if g.random() < 0.4 else LATIN_WORDS, 40, 200),
            outdated=g.random() < 0.05,
            created_at=created,
            updated_at=later(created, g),
            version=1,
        )

    for cit in heavy_citations:
        first = blind if cit % 2 else reviewers[1]
        for r in [first, *heavy.sample(reviewers[2:], 2)]:
            grade_citation(cit, r, heavy)
    total_citations = len(citations.rows)
    while len(source_grades.rows) + len(citation_grades.rows) < shape.grades:
        cit = rng.randint(HEAVY_CITATIONS + 1, total_citations)
        for r in rng.sample(reviewers, rng.randint(1, 3)):
            grade_citation(cit, r)

    # Open disputes on distinct targets (one open per raiser and target), then closed ones.
    disputes = Table(Dispute)
    citation_grade_rows = citation_grades.rows
    source_grade_rows = source_grades.rows
    heavy_grade_ids = [
        i + 1 for i, row in enumerate(citation_grade_rows) if citation_grades.get(row, "citation_id") <= HEAVY_CITATIONS
    ]
    big_source_grade_ids = [
        i + 1 for i, row in enumerate(source_grade_rows) if source_grades.get(row, "source_id") == 1
    ]

    def dispute(target: str, pk: int, state: str, raiser: int, rng: random.Random = rng) -> None:
        created = when(r=rng)
        closed = state != "open"
        decided = state in {"upheld", "rejected"}
        disputes.add(
            uid=uuid.UUID(int=rng.getrandbits(128), version=4),
            raised_by_id=raiser,
            source_assessment_id=pk if target == "source" else None,
            citation_assessment_id=pk if target == "citation" else None,
            claim_id=pk if target == "claim" else None,
            reason=_text(rng, CYRILLIC_WORDS if rng.random() < 0.5 else LATIN_WORDS, 60, 300),
            proposed_reliability=rng.choice(RELIABILITY) if target == "source" else "",
            proposed_credibility=rng.randint(1, 6) if target == "citation" else None,
            proposed_status=rng.choice(STATUSES) if target == "claim" else "",
            state=state,
            resolved_by_id=rng.choice(editors) if decided else None,
            resolution_note=_text(rng, LATIN_WORDS, 30, 120) if decided else "",
            created_at=created,
            closed_at=later(created, rng) if closed else None,
            version=1,
        )

    # The heaviest claim's disputes (open, then two closed) first; the others never touch it.
    heavy_targets = [("claim", 1), *[("citation", g) for g in heavy_grade_ids[:3]], ("source", big_source_grade_ids[0])]
    for kind, pk in heavy_targets:
        dispute(
            kind, pk, "open", heavy.choice(reviewers[1:] if kind != "claim" else authors[1:] + reviewers[1:]), heavy
        )
    for kind, pk in heavy_targets[:2]:
        dispute(kind, pk, heavy.choice(["upheld", "rejected"]), heavy.choice(reviewers[1:]), heavy)
    heavy_disputes = len(disputes.rows)
    targets, seen = [], set(heavy_targets)
    heavy_grades = set(heavy_grade_ids)
    while len(targets) + len(heavy_targets) < shape.open_disputes:
        pick = rng.random()
        target = (
            ("claim", rng.randint(2, n))
            if pick < 0.5
            else (
                ("citation", rng.randint(1, len(citation_grade_rows)))
                if pick < 0.8
                else ("source", rng.randint(1, len(source_grade_rows)))
            )
        )
        if target not in seen and not (target[0] == "citation" and target[1] in heavy_grades):
            seen.add(target)
            targets.append(target)
    for kind, pk in targets:
        raiser = rng.choice(reviewers[1:] if kind != "claim" else authors[1:] + reviewers[1:])
        dispute(kind, pk, "open", raiser)
    for _ in range(shape.closed_disputes - 2):
        kind, pk = rng.choice(targets)
        dispute(kind, pk, rng.choice(["upheld", "rejected", "withdrawn"]), rng.choice(reviewers[1:]))

    # Notes: the heaviest claim's first (threads of replies, the researcher's own among them),
    # then spread over claims, citations, sources, grades and disputes; a tenth are replies.
    notes = Table(Annotation)
    targets_of = {
        "claim_id": None,
        "source_id": None,
        "citation_id": None,
        "source_assessment_id": None,
        "citation_assessment_id": None,
        "dispute_id": None,
    }

    def note(
        target: str, pk: int, parent: int | None = None, author: int | None = None, rng: random.Random = rng
    ) -> int:
        created = when(r=rng)
        values = dict(targets_of, **{target: pk})
        return notes.add(
            uid=uuid.UUID(int=rng.getrandbits(128), version=4),
            author_id=author or rng.choice(authors + reviewers),
            parent_id=parent,
            body=_text(rng, CYRILLIC_WORDS if rng.random() < 0.5 else LATIN_WORDS, 30, 400),
            motivation=rng.choice(MOTIVATIONS),
            quoted_passage="",
            created_at=created,
            updated_at=later(created, rng),
            version=1,
            withdrawn_at=later(created, rng) if rng.random() < 0.03 else None,
            **values,
        )

    root = None
    for i in range(HEAVY_NOTES):
        if i % 3 == 0:
            root = note("claim_id", 1, author=researcher, rng=heavy)
        else:
            note("claim_id", 1, parent=root, rng=heavy)
    n_cit_grades, n_src_grades = len(citation_grade_rows), len(source_grade_rows)
    note("citation_id", 1, rng=heavy)
    note("source_id", 1, rng=heavy)
    note("dispute_id", 1, rng=heavy)
    heavy_notes = len(notes.rows)
    # The other notes and replies go anywhere but on the heaviest claim and what it shows.
    first_grade = max(heavy_grade_ids) + 1
    while len(notes.rows) < shape.notes:
        pick = rng.random()
        if pick < 0.1 and len(notes.rows) > heavy_notes:
            parent = notes.rows[rng.randrange(heavy_notes, len(notes.rows))]
            target = next((c, notes.get(parent, c)) for c in targets_of if notes.get(parent, c))
            note(*target, parent=notes.get(parent, "id"))
            continue
        target = (
            ("claim_id", rng.randint(2, n))
            if pick < 0.55
            else (
                ("citation_id", rng.randint(HEAVY_CITATIONS + 1, total_citations))
                if pick < 0.75
                else (
                    ("source_id", rng.randint(1, shape.sources))
                    if pick < 0.8
                    else (
                        ("citation_assessment_id", rng.randint(first_grade, n_cit_grades))
                        if pick < 0.88
                        else (
                            ("source_assessment_id", rng.randint(1, n_src_grades))
                            if pick < 0.93
                            else ("dispute_id", rng.randint(heavy_disputes + 1, len(disputes.rows)))
                        )
                    )
                )
            )
        )
        note(*target)

    log(f"  {label}: rows made in Python; writing")
    writer = Writer(connection)
    through = Claim.people.through
    m2m_history = apps.get_model("claims", "HistoricalClaim_people")
    with transaction.atomic():
        for table, user_column in [
            (topics, "created_by_id"),
            (people, "created_by_id"),
            (sources, "created_by_id"),
            (claims, "created_by_id"),
            (citations, "created_by_id"),
            (source_grades, "reviewer_id"),
            (citation_grades, "reviewer_id"),
            (disputes, "raised_by_id"),
            (notes, "author_id"),
        ]:
            writer.write(table.model._meta.db_table, table.columns, table.rows)
            if table is claims:
                writer.write(
                    through._meta.db_table,
                    ["id", "claim_id", "person_id"],
                    ((i, c, p) for i, (c, p) in enumerate(claim_people, 1)),
                )
            writer.write(
                table.model.history.model._meta.db_table, _history_columns(table.model), _history(table, user_column)
            )
        # The history of each claim's people, as simple_history records it with the claim's "+" row.
        writer.write(
            m2m_history._meta.db_table,
            ["m2m_history_id", "id", "claim_id", "person_id", "history_id"],
            ((i, i, c, p, c) for i, (c, p) in enumerate(claim_people, 1)),
        )
        if connection.vendor == "postgresql":
            from django.core.management.color import no_style

            recorded = [
                Topic,
                Person,
                Source,
                Claim,
                Citation,
                SourceAssessment,
                CitationAssessment,
                Dispute,
                Annotation,
            ]
            models = [*recorded, *(m.history.model for m in recorded), through, m2m_history]
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does to freshly written tables before long: statistics, the
            # visibility map (index-only scans) and the GIN indexes' pending lists merged (a
            # trigram search would otherwise read every row waiting there).
            cursor.execute("VACUUM ANALYZE")
    return {
        "rows": writer.rows,
        "claims": n,
        "citations": total_citations,
        "people_links": len(claim_people),
        "grades": n_cit_grades + n_src_grades,
        "notes": len(notes.rows),
        "disputes": len(disputes.rows),
    }
