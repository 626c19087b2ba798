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
from collections import Counter
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


class _Run:
    """What every step of generate() shares: the shape, the two random generators, the clock
    and the accounts."""

    def __init__(self, label: str, n_claims: int):
        self.label = label
        self.n = n_claims
        self.shape = Shape(n_claims)
        self.rng = random.Random(f"{SEED}-{n_claims}")
        # The heaviest claim, the sources it cites and everything on it come from a generator of
        # their own, so that they are the same in every data set: its page then measures the
        # database's size, not a claim that happens to have longer texts or more replies.
        self.heavy = random.Random(f"{SEED}-heavy")
        self.now = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
        self.start = self.now - datetime.timedelta(days=6 * 365)
        self.span = (self.now - self.start).total_seconds()

    def accounts(self, users: dict[str, int]) -> None:
        self.authors = [users[a] for a in AUTHORS]
        self.reviewers = [users[r] for r in REVIEWERS]
        self.editors = [users[e] for e in EDITORS]
        self.researcher, self.blind = users[RESEARCHER], users[BLIND_REVIEWER]

    def when(self, low: float = 0.0, r: random.Random | None = None) -> datetime.datetime:
        return self.start + datetime.timedelta(seconds=low + (r or self.rng).random() * (self.span - low))

    def later(self, moment: datetime.datetime, r: random.Random | None = None) -> datetime.datetime:
        return min(self.now, moment + datetime.timedelta(seconds=(r or self.rng).random() * 90 * 86400))


def _topics(run: _Run) -> Table:
    """The big topic first; a topic named after the data set lets pages.py check routing."""
    from django.utils.text import slugify

    from claims.models import Topic
    from claims.translit import romanize

    rng, label = run.rng, run.label
    topics = Table(Topic)
    titles = ["The military case of 1937 / Дело военных 1937 года", f"Pagebench {label}"]
    titles += [f"{_text(rng, CYRILLIC_WORDS if t % 2 else LATIN_WORDS, 15, 40)[:-1]} {t}" for t in range(2, N_TOPICS)]
    for t, title in enumerate(titles):
        slug = BIG_TOPIC if t == 0 else f"pagebench-{label}" if t == 1 else slugify(romanize(title))[:180]
        topics.add(
            title=title,
            slug=slug,
            description=_text(rng, LATIN_WORDS, 50, 300),
            created_by_id=run.researcher,
            created_at=run.when(),
            version=1,
        )
    return topics


def _people(run: _Run) -> Table:
    from django.utils.text import slugify

    from claims.models import Person
    from claims.translit import romanize

    people = Table(Person)
    people.add(
        name="Mikhail Tukhachevsky",
        name_original="Тухачевский, Михаил Николаевич",
        aliases="Tukhachevskii\nToukhatchevski\nTuchatschewski\nТухачевский М. Н.",
        slug=BIG_PERSON,
        created_by_id=run.researcher,
        created_at=run.when(),
        version=1,
    )
    for p in range(1, run.shape.people):
        r = run.heavy if p < MINIMUM["people"] else run.rng  # (the heaviest claim names only these)
        i = r.randrange(len(LATIN_LAST))
        first = r.randrange(len(LATIN_FIRST))
        name = f"{LATIN_FIRST[first]} {LATIN_LAST[i]} {p}"
        original = f"{CYRILLIC_LAST[i]}, {CYRILLIC_FIRST[first]}"
        people.add(
            name=name,
            name_original=original,
            aliases=f"{romanize(CYRILLIC_LAST[i])}\n{CYRILLIC_LAST[i]} {p}",
            slug=slugify(name),
            created_by_id=r.choice(run.authors),
            created_at=run.when(r=r),
            version=1,
        )
    return people


def _sources(run: _Run) -> Table:
    from claims.models import Source

    sources = Table(Source)
    for s in range(run.shape.sources):
        r = run.heavy if s < MINIMUM["sources"] else run.rng  # (the heaviest claim cites only these)
        kind = "archival_file" if s == 0 else SOURCE_KINDS[s % len(SOURCE_KINDS)]
        cyrillic = s % 2 == 0
        title = _text(r, CYRILLIC_WORDS if cyrillic else LATIN_WORDS, 20, 120)
        date = _edtf(r) if s else "1937-06"
        earliest, latest = _bounds(date)
        created = run.when(r=r)
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
            created_by_id=run.researcher if s == 0 else r.choice(run.authors),
            created_at=created,
            updated_at=run.later(created, r),
            version=1,
            citation_count=0,  # (_count_citations, once the citations are made)
        )
    return sources


def _relations(run: _Run) -> Table:
    """Source genealogy: a third of the sources derive from an earlier one (a copy, translation,
    quotation, reliance or summary), so chains several links long form; the big source is the
    original of many. Each derives from an earlier source, so there is no circle."""
    from claims.models import SourceRelation

    relations = Table(SourceRelation)
    kinds = SourceRelation.Kind.values
    for s in range(1, run.shape.sources):
        r = run.heavy if s < MINIMUM["sources"] else run.rng
        if s % 3:
            continue
        derived_from = 0 if s % 9 == 0 else r.randrange(s)
        created = run.when(r=r)
        relations.add(
            source_id=s + 1,
            derived_from_id=derived_from + 1,
            kind=kinds[s % len(kinds)],
            note="",
            created_by_id=r.choice(run.authors),
            created_at=created,
            version=1,
        )
    return relations


def _claims(run: _Run) -> tuple[Table, list[tuple[int, int]], set[int]]:
    """The claims, the people each names, and which of them cite the big source. Index 0 is the
    heaviest claim; the big topic, source and person hold a fixed number of randomly placed
    claims each."""
    from claims.grading import NO_SUPPORT_RANK
    from claims.models import Claim

    rng, n, shape = run.rng, run.n, run.shape
    in_big_topic = set(rng.sample(range(1, n), shape.big_topic - 1)) | {0}
    other_topics = list(range(3, N_TOPICS + 1))  # ids: 1 is the big topic, 2 the routing check
    cites_big = set(rng.sample(range(1, n), shape.big_source - 1)) | {0}
    about_big = set(rng.sample(range(1, n), shape.big_person - 1)) | {0}
    claims = Table(Claim)
    claim_people = []
    for c in range(n):
        r = run.heavy if c == 0 else rng
        date = "1937-06-11T23:35:00" if c == 0 else _edtf(rng)
        earliest, latest = _bounds(date)
        created = run.when(r=r)
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
            evidence_rank=NO_SUPPORT_RANK,  # (refresh_counts works it out from the grades written later)
            created_by_id=run.researcher if c == 0 else rng.choice(run.authors),
            created_at=created,
            updated_at=run.later(created, r),
            version=1,
        )
        named = {1} if c in about_big else set()
        people_named = MINIMUM["people"] if c == 0 else shape.people
        named |= {r.randrange(2, people_named + 1) for _ in range(r.randint(0, 2))}
        claim_people.extend((c + 1, p) for p in sorted(named))
    return claims, claim_people, cites_big


def _citations(run: _Run, claims: Table, cites_big: set[int]) -> Table:
    """1 or 2 citations a claim (the heaviest claim's 30, written first)."""
    from claims.models import Citation

    rng = run.rng
    citations = Table(Citation)
    claim_rows = claims.rows
    other_sources = range(2, run.shape.sources + 1)
    for c in range(run.n):
        r = run.heavy if c == 0 else rng
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
            created = run.later(created_claim, r)
            citations.add(
                claim_id=c + 1,
                source_id=s,
                locator=r.choice(["p. ", "l. ", "ch. "]) + str(r.randint(1, 700)),
                quote=quote,
                quote_translation=_text(r, LATIN_WORDS, 40, 240) if cyrillic else "",
                stance=r.choice(STANCES),
                created_by_id=claims.get(claim_rows[c], "created_by_id"),
                created_at=created,
                updated_at=run.later(created, r),
                version=1,
            )
    return citations


def _count_citations(sources: Table, citations: Table) -> None:
    """Each source's Source.citation_count, as the services keep it (the review queue's order)."""
    counts = Counter(citations.get(row, "source_id") for row in citations.rows)
    at = sources.columns.index("citation_count")
    sources.rows = [(*row[:at], counts[n], *row[at + 1 :]) for n, row in enumerate(sources.rows, 1)]


# Grades: each source by 1-4 reviewers, then citation grades until the total; the heaviest
# claim's citations graded by 3 reviewers each, half of them by the blind persona. The blind
# persona grades about a third of what is graded, never the big source.


def _source_grades(run: _Run) -> Table:
    from claims.models import SourceAssessment

    reviewers = run.reviewers
    source_grades = Table(SourceAssessment)
    for s in range(1, run.shape.sources + 1):
        g = run.heavy if s <= MINIMUM["sources"] else run.rng
        graders = g.sample(reviewers, g.randint(1, 4))
        if s == 1:
            graders = list(reviewers[1:5])
        for r in graders:
            created = run.when(r=g)
            source_grades.add(
                source_id=s,
                reviewer_id=r,
                grade=g.choice(RELIABILITY),
                rationale=_text(g, LATIN_WORDS, 40, 200),
                created_at=created,
                updated_at=run.later(created, g),
                version=1,
            )
    return source_grades


def _grade_citation(run: _Run, grades: Table, graded: set, cit: int, reviewer: int, g: random.Random) -> None:
    if (cit, reviewer) in graded:
        return
    graded.add((cit, reviewer))
    created = run.when(r=g)
    grades.add(
        citation_id=cit,
        reviewer_id=reviewer,
        grade=g.randint(1, 6),
        rationale=_text(g, CYRILLIC_WORDS if g.random() < 0.4 else LATIN_WORDS, 40, 200),
        outdated=g.random() < 0.05,
        created_at=created,
        updated_at=run.later(created, g),
        version=1,
    )


def _citation_grades(run: _Run, total_citations: int, source_grades: int) -> Table:
    """The heaviest claim's citations' grades first, then others until the total of grades."""
    from claims.models import CitationAssessment

    rng, reviewers = run.rng, run.reviewers
    citation_grades = Table(CitationAssessment)
    graded: set[tuple[int, int]] = set()
    for cit in range(1, HEAVY_CITATIONS + 1):  # the heaviest claim's, written first
        first = run.blind if cit % 2 else reviewers[1]
        for r in [first, *run.heavy.sample(reviewers[2:], 2)]:
            _grade_citation(run, citation_grades, graded, cit, r, run.heavy)
    while source_grades + len(citation_grades.rows) < run.shape.grades:
        cit = rng.randint(HEAVY_CITATIONS + 1, total_citations)
        for r in rng.sample(reviewers, rng.randint(1, 3)):
            _grade_citation(run, citation_grades, graded, cit, r, rng)
    return citation_grades


def _heavy_grade_ids(citation_grades: Table) -> list[int]:
    """The ids of the grades of the heaviest claim's citations."""
    return [
        i + 1
        for i, row in enumerate(citation_grades.rows)
        if citation_grades.get(row, "citation_id") <= HEAVY_CITATIONS
    ]


def _dispute(run: _Run, disputes: Table, target: str, pk: int, state: str, raiser: int, rng: random.Random) -> None:
    created = run.when(r=rng)
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
        consistency_rating_id=None,  # (the data set has no consistency ratings)
        proposed_consistency="",
        state=state,
        resolved_by_id=rng.choice(run.editors) if decided else None,
        resolution_note=_text(rng, LATIN_WORDS, 30, 120) if decided else "",
        created_at=created,
        closed_at=run.later(created, rng) if closed else None,
        version=1,
    )


def _heavy_disputes(run: _Run, disputes: Table, source_grades: Table, heavy_grade_ids: list[int]) -> list:
    """The heaviest claim's disputes (open, then two closed); returns their targets."""
    heavy, reviewers = run.heavy, run.reviewers
    big_source_grade_ids = [
        i + 1 for i, row in enumerate(source_grades.rows) if source_grades.get(row, "source_id") == 1
    ]
    heavy_targets = [("claim", 1), *[("citation", g) for g in heavy_grade_ids[:3]], ("source", big_source_grade_ids[0])]
    for kind, pk in heavy_targets:
        raiser = heavy.choice(reviewers[1:] if kind != "claim" else run.authors[1:] + reviewers[1:])
        _dispute(run, disputes, kind, pk, "open", raiser, heavy)
    for kind, pk in heavy_targets[:2]:
        _dispute(run, disputes, kind, pk, heavy.choice(["upheld", "rejected"]), heavy.choice(reviewers[1:]), heavy)
    return heavy_targets


def _dispute_targets(run: _Run, heavy_targets: list, heavy_grade_ids: list[int], grades: tuple[int, int]) -> list:
    """Distinct targets of the other open disputes (never the heaviest claim's grades)."""
    rng = run.rng
    n_cit_grades, n_src_grades = grades
    targets, seen = [], set(heavy_targets)
    heavy_grades = set(heavy_grade_ids)
    while len(targets) + len(heavy_targets) < run.shape.open_disputes:
        pick = rng.random()
        if pick < 0.5:
            target = ("claim", rng.randint(2, run.n))
        elif pick < 0.8:
            target = ("citation", rng.randint(1, n_cit_grades))
        else:
            target = ("source", rng.randint(1, n_src_grades))
        if target not in seen and not (target[0] == "citation" and target[1] in heavy_grades):
            seen.add(target)
            targets.append(target)
    return targets


def _disputes(run: _Run, source_grades: Table, citation_grades: Table) -> tuple[Table, int]:
    """Open disputes on distinct targets (one open per raiser and target), then closed ones;
    returns them and how many of them are the heaviest claim's (the first)."""
    from claims.models import Dispute

    rng, reviewers = run.rng, run.reviewers
    disputes = Table(Dispute)
    heavy_grade_ids = _heavy_grade_ids(citation_grades)
    heavy_targets = _heavy_disputes(run, disputes, source_grades, heavy_grade_ids)
    heavy_disputes = len(disputes.rows)
    grades = (len(citation_grades.rows), len(source_grades.rows))
    targets = _dispute_targets(run, heavy_targets, heavy_grade_ids, grades)
    for kind, pk in targets:
        raiser = rng.choice(reviewers[1:] if kind != "claim" else run.authors[1:] + reviewers[1:])
        _dispute(run, disputes, kind, pk, "open", raiser, rng)
    for _ in range(run.shape.closed_disputes - 2):
        kind, pk = rng.choice(targets)
        _dispute(
            run, disputes, kind, pk, rng.choice(["upheld", "rejected", "withdrawn"]), rng.choice(reviewers[1:]), rng
        )
    return disputes, heavy_disputes


NOTE_TARGETS = ("claim_id", "source_id", "citation_id", "source_assessment_id", "citation_assessment_id", "dispute_id")


def _note(
    run: _Run, notes: Table, target: str, pk: int, parent: int | None = None, author: int | None = None, rng=None
) -> int:
    rng = rng or run.rng
    created = run.when(r=rng)
    values = dict(dict.fromkeys(NOTE_TARGETS), **{target: pk})
    return notes.add(
        uid=uuid.UUID(int=rng.getrandbits(128), version=4),
        author_id=author or rng.choice(run.authors + run.reviewers),
        parent_id=parent,
        body=_text(rng, CYRILLIC_WORDS if rng.random() < 0.5 else LATIN_WORDS, 30, 400),
        motivation=rng.choice(MOTIVATIONS),
        quoted_passage="",
        created_at=created,
        updated_at=run.later(created, rng),
        version=1,
        withdrawn_at=run.later(created, rng) if rng.random() < 0.03 else None,
        consistency_rating_id=None,
        **values,
    )


def _heavy_notes(run: _Run, notes: Table) -> None:
    """The heaviest claim's notes (threads of replies, the researcher's own among them), and one
    on its first citation, the big source and its first dispute."""
    heavy = run.heavy
    root = None
    for i in range(HEAVY_NOTES):
        if i % 3 == 0:
            root = _note(run, notes, "claim_id", 1, author=run.researcher, rng=heavy)
        else:
            _note(run, notes, "claim_id", 1, parent=root, rng=heavy)
    _note(run, notes, "citation_id", 1, rng=heavy)
    _note(run, notes, "source_id", 1, rng=heavy)
    _note(run, notes, "dispute_id", 1, rng=heavy)


def _note_target(run: _Run, pick: float, sizes: dict[str, int]) -> tuple[str, int]:
    """Where a note that is not a reply goes: anywhere but on the heaviest claim and what it shows."""
    rng = run.rng
    if pick < 0.55:
        return "claim_id", rng.randint(2, run.n)
    if pick < 0.75:
        return "citation_id", rng.randint(HEAVY_CITATIONS + 1, sizes["citations"])
    if pick < 0.8:
        return "source_id", rng.randint(1, run.shape.sources)
    if pick < 0.88:
        return "citation_assessment_id", rng.randint(sizes["first_grade"], sizes["citation_grades"])
    if pick < 0.93:
        return "source_assessment_id", rng.randint(1, sizes["source_grades"])
    return "dispute_id", rng.randint(sizes["heavy_disputes"] + 1, sizes["disputes"])


def _notes(run: _Run, sizes: dict[str, int]) -> Table:
    """The heaviest claim's notes first, then spread over claims, citations, sources, grades and
    disputes; a tenth are replies."""
    from claims.models import Annotation

    rng = run.rng
    notes = Table(Annotation)
    _heavy_notes(run, notes)
    heavy_notes = len(notes.rows)
    while len(notes.rows) < run.shape.notes:
        pick = rng.random()
        if pick < 0.1 and len(notes.rows) > heavy_notes:
            parent = notes.rows[rng.randrange(heavy_notes, len(notes.rows))]
            target = next((c, notes.get(parent, c)) for c in NOTE_TARGETS if notes.get(parent, c))
            _note(run, notes, *target, parent=notes.get(parent, "id"))
            continue
        _note(run, notes, *_note_target(run, pick, sizes))
    return notes


# --- writing the data set ------------------------------------------------------------------


def _write_tables(writer: Writer, tables: list[tuple[Table, str]], claim_people: list[tuple[int, int]]) -> None:
    """Each table and its history; the claims' people after the claims."""
    from claims.models import Claim

    through = Claim.people.through
    for table, user_column in tables:
        writer.write(table.model._meta.db_table, table.columns, table.rows)
        if table.model is Claim:
            writer.write(
                through._meta.db_table,
                ["id", "claim_id", "person_id"],
                ((i, c, p) for i, (c, p) in enumerate(claim_people, 1)),
            )
        writer.write(
            table.model.history.model._meta.db_table, _history_columns(table.model), _history(table, user_column)
        )


def _reset_sequences(connection, tables: list[tuple[Table, str]]) -> None:
    """PostgreSQL: the id sequences moved past the rows written with their ids."""
    from django.apps import apps
    from django.core.management.color import no_style

    from claims.models import Claim

    recorded = [table.model for table, _ in tables]
    m2m_history = apps.get_model("claims", "HistoricalClaim_people")
    models = [*recorded, *(m.history.model for m in recorded), Claim.people.through, m2m_history]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _write(connection, tables: list[tuple[Table, str]], claim_people: list[tuple[int, int]]) -> int:
    """Every row in one transaction (then, on PostgreSQL, VACUUM ANALYZE); returns how many."""
    from django.apps import apps
    from django.db import transaction

    writer = Writer(connection)
    m2m_history = apps.get_model("claims", "HistoricalClaim_people")
    with transaction.atomic():
        _write_tables(writer, tables, claim_people)
        # The history of each claim's people, as simple_history records it with the claim's "+" row.
        writer.write(
            m2m_history._meta.db_table,
            ["m2m_history_id", "id", "claim_id", "person_id", "history_id"],
            ((i, i, c, p, c) for i, (c, p) in enumerate(claim_people, 1)),
        )
        if connection.vendor == "postgresql":
            _reset_sequences(connection, tables)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does to freshly written tables before long: statistics, the
            # visibility map (index-only scans) and the GIN indexes' pending lists merged (a
            # trigram search would otherwise read every row waiting there).
            cursor.execute("VACUUM ANALYZE")
    return writer.rows


# --- the whole data set ----------------------------------------------------------------


def generate(label: str, n_claims: int, log=print) -> dict[str, int]:
    """Write a data set of n_claims claims into the (empty, migrated) default database."""
    from django.db import connection, transaction

    run = _Run(label, n_claims)
    with transaction.atomic():
        run.accounts(_users(label))
    topics, people, sources = _topics(run), _people(run), _sources(run)
    relations = _relations(run)
    claims, claim_people, cites_big = _claims(run)
    citations = _citations(run, claims, cites_big)
    _count_citations(sources, citations)
    source_grades = _source_grades(run)
    citation_grades = _citation_grades(run, len(citations.rows), len(source_grades.rows))
    disputes, heavy_disputes = _disputes(run, source_grades, citation_grades)
    sizes = {
        "citations": len(citations.rows),
        "citation_grades": len(citation_grades.rows),
        "source_grades": len(source_grades.rows),
        "first_grade": max(_heavy_grade_ids(citation_grades)) + 1,
        "heavy_disputes": heavy_disputes,
        "disputes": len(disputes.rows),
    }
    notes = _notes(run, sizes)

    log(f"  {label}: rows made in Python; writing")
    tables = [
        (topics, "created_by_id"),
        (people, "created_by_id"),
        (sources, "created_by_id"),
        (relations, "created_by_id"),
        (claims, "created_by_id"),
        (citations, "created_by_id"),
        (source_grades, "reviewer_id"),
        (citation_grades, "reviewer_id"),
        (disputes, "raised_by_id"),
        (notes, "author_id"),
    ]
    rows = _write(connection, tables, claim_people)
    return {
        "rows": rows,
        "claims": n_claims,
        "citations": len(citations.rows),
        "people_links": len(claim_people),
        "grades": len(citation_grades.rows) + len(source_grades.rows),
        "notes": len(notes.rows),
        "disputes": len(disputes.rows),
    }
