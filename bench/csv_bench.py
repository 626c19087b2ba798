"""Benchmark of the claims CSV import and export (issue 4).

    .venv/bin/python bench/csv_bench.py [--rows 10000,100000] [--database-url URL] [--keep]

Generates realistic claims (Cyrillic and Latin text, people, EDTF dates, two citations each
from 500 sources), then imports and exports them through the same functions the management
commands call (claims.csv.claims_csv.claims_import / claims_export, and sources_import for
the 500 sources), and downloads the same export from /claims/export.csv (Django's test
client, streamed to a file: the web export must be as fast as the command's). For comparison it imports the same 10k file through django-import-export's
default ModelResource path (row by row, no bulk), which does not import citations or people.

Every phase runs in its own Python process, so that its peak RSS (getrusage ru_maxrss) is its
own. Default database: a throwaway SQLite file in a temporary directory. On PostgreSQL pass
--database-url postgres://USER@HOST:PORT/NAME of a database you created for this; the bench
deletes every claim, topic, person, citation and source in it (never point it at real data).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_SOURCES = 500
N_TOPICS = 20
N_PEOPLE = 300
SEED = 1937

IMPORT_RATE, IMPORT_RSS_MB = 10_000, 300
EXPORT_RATE, EXPORT_RSS_MB = 50_000, 150
TARGET_ROWS = 100_000  # the targets are stated at 100k rows
ISSUE_BASELINE = 750  # rows/s of the default import path where issue 4 set the targets
BASELINE_SAMPLE = 200


# --- Generated data ------------------------------------------------------------------

LATIN_WORDS = (
    "the commission reported that marshal Tukhachevsky was arrested in May and the tribunal "
    "sentenced eight commanders on the night of June eleventh according to the protocol of "
    "interrogation signed by the investigator while the memoirs of witnesses disagree about "
    "the date of the execution and the archive of the military collegium holds a copy of the "
    "verdict with corrections in pencil which suggests a later revision of the text by the "
    "prosecutor general who reviewed the case in nineteen fifty seven"
).split()
CYRILLIC_WORDS = (
    "комиссия установила что маршал Тухачевский был арестован в мае и специальное судебное "
    "присутствие приговорило восемь командиров в ночь на одиннадцатое июня согласно протоколу "
    "допроса подписанному следователем тогда как воспоминания свидетелей расходятся в дате "
    "расстрела а архив военной коллегии хранит копию приговора с правкой карандашом что "
    "указывает на позднейшую редакцию текста генеральным прокурором пересмотревшим дело"
).split()
LATIN_FIRST = [
    "Mikhail",
    "Iona",
    "Ieronim",
    "Avgust",
    "Robert",
    "Boris",
    "Vitovt",
    "Vitaly",
    "Yan",
    "Semyon",
    "Vasily",
    "Kliment",
    "Nikolai",
    "Andrei",
    "Lavrenty",
    "Georgy",
]
LATIN_LAST = [
    "Tukhachevsky",
    "Yakir",
    "Uborevich",
    "Kork",
    "Eideman",
    "Feldman",
    "Putna",
    "Primakov",
    "Gamarnik",
    "Budyonny",
    "Blyukher",
    "Voroshilov",
    "Yezhov",
    "Ulrikh",
    "Vyshinsky",
    "Frinovsky",
    "Shaposhnikov",
    "Belov",
    "Dybenko",
    "Kashirin",
]
CYRILLIC_FIRST = [
    "Михаил",
    "Иона",
    "Иероним",
    "Август",
    "Роберт",
    "Борис",
    "Витовт",
    "Виталий",
    "Ян",
    "Семён",
    "Василий",
    "Климент",
    "Николай",
    "Андрей",
    "Лаврентий",
    "Георгий",
]
CYRILLIC_LAST = [
    "Тухачевский",
    "Якир",
    "Уборевич",
    "Корк",
    "Эйдеман",
    "Фельдман",
    "Путна",
    "Примаков",
    "Гамарник",
    "Будённый",
    "Блюхер",
    "Ворошилов",
    "Ежов",
    "Ульрих",
    "Вышинский",
    "Фриновский",
    "Шапошников",
    "Белов",
    "Дыбенко",
    "Каширин",
]
KINDS = ["fact", "hypothesis", "interpretation", "figure"]
STATUSES = ["open", "supported", "contested", "refuted"]
SOURCE_KINDS = ["official_report", "periodical", "monograph", "memoir", "article", "archival_file"]
SOURCE_LEVELS = ["primary", "secondary", "tertiary"]


def _text(rng: random.Random, words: list[str], low: int, high: int) -> str:
    target = rng.randint(low, high)
    out: list[str] = []
    length = 0
    while length < target:
        word = rng.choice(words)
        out.append(word)
        length += len(word) + 1
    text = " ".join(out)[:target].rstrip()
    return text[0].upper() + text[1:] + "."


def _day(rng: random.Random) -> str:
    return f"{rng.randint(1930, 1941)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _edtf(rng: random.Random) -> str:
    form = rng.random()
    day = _day(rng)
    if form < 0.40:
        return day  # 1937-06-11
    if form < 0.55:
        return day[:7]  # 1937-06
    if form < 0.65:
        return f"{day}/{day[:8]}{min(28, int(day[8:]) + rng.randint(1, 3)):02d}"  # interval
    if form < 0.72:
        return day[:4] + "~"  # approximate year
    if form < 0.77:
        return day[:4] + "?"  # uncertain year
    if form < 0.82:
        return f"[{day},{day[:8]}{min(28, int(day[8:]) + 1):02d}]"  # one of two days
    if form < 0.85:
        return f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
    if form < 0.87:
        return f"../{day[:4]}"  # open start
    return ""  # undated


def _csv_bytes(header: list[str], rows) -> bytes:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _source_rows(rng: random.Random) -> list[list[str]]:
    sources = []
    for i in range(1, N_SOURCES + 1):
        kind = SOURCE_KINDS[i % len(SOURCE_KINDS)]
        cyrillic = i % 2 == 0
        title = _text(rng, CYRILLIC_WORDS if cyrillic else LATIN_WORDS, 20, 80)
        sources.append(
            [
                f"src-{i:04d}",
                kind,
                SOURCE_LEVELS[i % 3],
                title,
                title if cyrillic else "",
                f"{rng.choice(CYRILLIC_LAST if cyrillic else LATIN_LAST)}",
                str(rng.randint(1937, 2020)),
                "RGVA" if kind == "archival_file" else "",
                "ru" if cyrillic else "en",
            ]
        )
    return sources


def _topics_and_people(rng: random.Random) -> tuple[list[str], list[str]]:
    topics = [
        _text(rng, CYRILLIC_WORDS, 15, 40)[:-1] if t % 2 else _text(rng, LATIN_WORDS, 15, 40)[:-1]
        for t in range(N_TOPICS)
    ]
    topics = [f"{title} {t + 1}" for t, title in enumerate(topics)]  # distinct titles
    people = []
    for p in range(N_PEOPLE):
        if p % 2:
            people.append(f"{rng.choice(CYRILLIC_FIRST)} {rng.choice(CYRILLIC_LAST)} {p}")
        else:
            people.append(f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)} {p}")
    return topics, people


def _claim_rows(rng: random.Random, count: int, topics: list[str], people: list[str]) -> list[list[str]]:
    rows = []
    for n in range(1, count + 1):
        words = CYRILLIC_WORDS if rng.random() < 0.6 else LATIN_WORDS
        first, second = rng.sample(range(1, N_SOURCES + 1), 2)
        rows.append(
            [
                f"claim-{n:06d}",
                rng.choice(topics),
                _text(rng, words, 100, 400),
                rng.choice(KINDS),
                _edtf(rng),
                rng.choice(STATUSES),
                " | ".join(rng.sample(people, rng.randint(1, 3))),
                f"src-{first:04d}: p. {rng.randint(1, 700)} | src-{second:04d}: "
                + rng.choice(["l. ", "p. ", "ch. "])
                + str(rng.randint(1, 400)),
            ]
        )
    return rows


def generate(workdir: Path, sizes: list[int]) -> dict:
    rng = random.Random(SEED)
    (workdir / "sources.csv").write_bytes(
        _csv_bytes(
            ["key", "kind", "level", "title", "title_original", "authors", "date", "archive", "language"],
            _source_rows(rng),
        )
    )
    topics, people = _topics_and_people(rng)
    header = ["key", "topic", "statement", "kind", "event_date", "status", "people", "sources"]
    rows = _claim_rows(rng, max(sizes), topics, people)
    files = {}
    for size in sizes:
        path = workdir / f"claims_{size}.csv"
        path.write_bytes(_csv_bytes(header, rows[:size]))
        files[size] = str(path)
    return {"sources": str(workdir / "sources.csv"), "claims": files, "topics": topics}


# --- Phases (each in its own process) ------------------------------------------------


def _rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """Peak RSS of this process: getrusage's ru_maxrss, unless /proc's VmHWM is lower.

    (On Linux ru_maxrss survives exec, so a child of a large parent would report the
    parent's peak; VmHWM belongs to this process's own address space.)
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = min(peak, int(line.split()[1]) / 1024)
    except OSError:
        pass
    return peak


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-throwaway-secret-key-not-for-production")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"  # the web phase's test client
    # The web and admin phases upload the 100,000-row file (about 53 MB): over the default limit.
    os.environ.setdefault("MAX_UPLOAD_MB", "200")
    # The web phases time the requests' own import and export (a background job runs the same
    # functions, in the worker): files this long would otherwise go to the background.
    os.environ.setdefault("CSV_BACKGROUND_ROWS", "1000000")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class QueryCounter:
    """Counts statements without keeping their SQL (CaptureQueriesContext would hold it all)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _actor():
    from claims.models import User

    return User.objects.get(username="bench")


def phase_setup(args) -> dict:
    from django.core.management import call_command

    from claims.csv.sources_csv import sources_import
    from claims.models import User

    call_command("migrate", verbosity=0, interactive=False)
    _reset(sources=True)
    User.objects.filter(username="bench").delete()
    actor = User.objects.create_user("bench", password=None, is_staff=True)
    report = sources_import(actor=actor, data=Path(args.file).read_bytes())
    assert report.ok, report.errors[:5]
    return {"sources": report.created}


def _reset(sources: bool = False) -> None:
    """Delete the claims and what hangs off them (and, if asked, the sources) in SQL."""
    from django.apps import apps
    from django.db import connection, transaction

    names = [
        "ClaimSearch",
        "SearchWord",
        "SearchTerm",
        "TopicSummary",
        "HistoricalClaim_people",
        "HistoricalCitation",
        "HistoricalClaim",
        "HistoricalTopic",
        "HistoricalPerson",
        "Annotation",
        "Dispute",
        "CitationAssessment",
        "Citation",
    ]
    tables = [apps.get_model("claims", n)._meta.db_table for n in names]
    from claims.models import Claim, Person, Topic

    tables += [Claim.people.through._meta.db_table, Claim._meta.db_table, Topic._meta.db_table, Person._meta.db_table]
    if sources:
        tables = [
            apps.get_model("claims", "HistoricalSource")._meta.db_table,
            apps.get_model("claims", "SourceAssessment")._meta.db_table,
        ] + tables
        tables.insert(len(tables), apps.get_model("claims", "Source")._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


def phase_reset(args) -> dict:
    _reset()
    return {}


def phase_import(args) -> dict:
    from django.db import connection

    from claims.csv.claims_csv import claims_import
    from claims.models import Citation, Claim

    actor = _actor()
    before = _rss_now_mb()
    counter = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        data = Path(args.file).read_bytes()  # as the import_claims command does
        report = claims_import(actor=actor, data=data)
        del data
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    if not report.ok:
        raise SystemExit(f"import failed: {report.errors[:5]}")
    rows = len(report.rows)
    return {
        "rows": rows,
        "seconds": seconds,
        "rss_before": before,
        "peak": peak,
        "queries": counter.count,
        "created": report.created,
        "claims": Claim.objects.count(),
        "citations": Citation.objects.count(),
        "claim_history": Claim.history.count(),
        "citation_history": Citation.history.count(),
    }


class _CountingFile:
    """A text sink that keeps nothing: the export is streamed through it to a file."""

    def __init__(self, path: str):
        self.file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed by close())
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return self.file.write(text)

    def close(self):
        self.file.close()


def phase_export(args) -> dict:
    from django.db import connection

    from claims.csv.claims_csv import claims_export

    actor = _actor()
    before = _rss_now_mb()
    counter = QueryCounter()
    out = _CountingFile(args.file)
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        rows = claims_export(out=out, actor=actor)
    out.close()
    seconds = time.perf_counter() - start
    return {
        "rows": rows,
        "seconds": seconds,
        "rss_before": before,
        "peak": _peak_mb(),
        "queries": counter.count,
        "bytes": os.path.getsize(args.file),
    }


def phase_web_export(args) -> dict:
    """A researcher downloads /claims/export.csv (with the claim list's query string in
    --extra), streamed to a file as a browser would save it."""
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(_actor())
    before = _rss_now_mb()
    counter = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(counter), open(args.file, "wb") as out:
        response = client.get("/claims/export.csv" + (f"?{args.extra}" if args.extra else ""), secure=True)
        if response.status_code != 200:
            raise SystemExit(f"web export failed: {response.status_code}")
        for chunk in response.streaming_content:
            out.write(chunk)
        response.close()
    seconds = time.perf_counter() - start
    with open(args.file, "rb") as saved:
        rows = sum(1 for _ in saved) - 1  # (no statement of the bench holds a line break)
    return {
        "rows": rows,
        "seconds": seconds,
        "rss_before": before,
        "peak": _peak_mb(),
        "queries": counter.count,
        "bytes": os.path.getsize(args.file),
    }


def _default_resource():
    """django-import-export's default path: a ModelResource of the claim's own columns."""
    from import_export import fields, resources, widgets

    from claims.models import Claim, Topic

    class ClaimResource(resources.ModelResource):
        topic = fields.Field(
            attribute="topic", column_name="topic", widget=widgets.ForeignKeyWidget(Topic, field="title")
        )

        class Meta:
            model = Claim
            fields = ("key", "topic", "statement", "kind", "event_date", "status")
            import_id_fields = ["key"]

    return ClaimResource


def phase_baseline_export(args) -> dict:
    """The default export path (ModelResource.export, then the dataset as CSV) over the
    claims ours just imported: key, topic, statement, kind, event_date, status only."""
    from claims.models import Claim

    before = _rss_now_mb()
    counter = QueryCounter()
    from django.db import connection

    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        dataset = _default_resource()().export(queryset=Claim.objects.order_by("key"))
        text = dataset.csv
    with open(args.file, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    seconds = time.perf_counter() - start
    return {
        "rows": len(dataset),
        "seconds": seconds,
        "rss_before": before,
        "peak": _peak_mb(),
        "queries": counter.count,
    }


def phase_baseline(args) -> dict:
    import tablib
    from django.db import connection

    from claims.models import Claim, Topic

    ClaimResource = _default_resource()

    def make_topics():
        # The default path cannot create topics from their titles: they are made beforehand.
        Topic.objects.bulk_create(
            [Topic(title=t, slug=f"topic-{i}", created_by=actor) for i, t in enumerate(json.loads(args.extra))]
        )

    actor = _actor()
    text = Path(args.file).read_text(encoding="utf-8")
    dataset = tablib.Dataset().load(text, format="csv")
    del text
    # Statements per row on a sample of new rows, then the sample is deleted again.
    make_topics()
    sample_counter = QueryCounter()
    with connection.execute_wrapper(sample_counter):
        ClaimResource().import_data(dataset.subset(rows=range(BASELINE_SAMPLE)), dry_run=False, raise_errors=False)
    _reset()
    make_topics()
    before = _rss_now_mb()
    resource_ = ClaimResource()
    counter = QueryCounter()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = resource_.import_data(dataset, dry_run=False, raise_errors=False)
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit(f"baseline import failed: {result.base_errors[:3]} {result.invalid_rows[:3]}")
    return {
        "rows": len(dataset),
        "seconds": seconds,
        "rss_before": before,
        "peak": peak,
        "queries": counter.count,
        "sample_queries": sample_counter.count,
        "claims": Claim.objects.count(),
    }


def _words(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def phase_web(args) -> dict:
    """An editor uploads the file on /claims/import/ (the preview), then confirms: two requests."""
    import re

    from django.test import Client

    client = Client()  # requests say secure=True: with DEBUG off the site redirects http to https
    client.force_login(_actor())
    before = _rss_now_mb()
    with open(args.file, "rb") as handle:
        start = time.perf_counter()
        preview = client.post("/claims/import/", {"file": handle, "encoding": ""}, secure=True)
        preview_seconds = time.perf_counter() - start
    page = preview.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    if preview.status_code != 200 or token is None:
        raise SystemExit(f"web preview failed: {preview.status_code} {page[:500]}")
    summary = _words(re.search(r'<p role="status">(.*?)</p>', page, re.S).group(1))
    start = time.perf_counter()
    done = client.post("/claims/import/confirm/", {"token": token.group(1)}, secure=True)
    confirm_seconds = time.perf_counter() - start
    page = done.content.decode()
    outcome = re.search(r'<p role="status">(.*?)</p>', page, re.S)
    if done.status_code != 200 or outcome is None or "Created" not in outcome.group(1):
        raise SystemExit(f"web confirm failed: {done.status_code} {page[:500]}")
    from claims.models import Claim

    return {
        "preview_seconds": preview_seconds,
        "confirm_seconds": confirm_seconds,
        "preview": summary,
        "done": _words(outcome.group(1)),
        "claims": Claim.objects.count(),
        "rss_before": before,
        "peak": _peak_mb(),
    }


def phase_generate(args) -> dict:
    sizes = json.loads(args.extra)
    return generate(Path(args.file), sizes)


def phase_admin(args) -> dict:
    """Staff upload the file on the admin's Import page (django-import-export's preview), then
    confirm: two requests, as in tests/test_exchange_admin.py."""
    import re

    from django.test import Client

    client = Client()
    client.force_login(_actor())
    with open(args.file, "rb") as handle:
        start = time.perf_counter()
        preview = client.post(
            "/admin/claims/claim/import/", {"import_file": handle, "format": "0", "resource": "0"}, secure=True
        )
        preview_seconds = time.perf_counter() - start
    page = preview.content.decode()
    if preview.status_code != 200 or 'action="/admin/claims/claim/process_import/"' not in page:
        raise SystemExit(f"admin preview failed: {preview.status_code} {_words(page)[:500]}")
    form = page[page.index('action="/admin/claims/claim/process_import/"') :]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form[: form.index("</form>")]))
    summary = re.search(r"This import would create[^.]*\.", _words(page)).group(0)
    start = time.perf_counter()
    done = client.post("/admin/claims/claim/process_import/", fields, secure=True, follow=True)
    confirm_seconds = time.perf_counter() - start
    outcome = re.search(r"Imported: [^.]*\.", _words(done.content.decode()))
    if done.status_code != 200 or outcome is None:
        raise SystemExit(f"admin confirm failed: {done.status_code} {_words(done.content.decode())[:500]}")
    from claims.models import Claim

    return {
        "preview_seconds": preview_seconds,
        "confirm_seconds": confirm_seconds,
        "preview": summary,
        "done": outcome.group(0),
        "claims": Claim.objects.count(),
        "peak": _peak_mb(),
    }


PHASES = {
    "generate": phase_generate,
    "setup": phase_setup,
    "reset": phase_reset,
    "import": phase_import,
    "export": phase_export,
    "web_export": phase_web_export,
    "baseline": phase_baseline,
    "baseline_export": phase_baseline_export,
    "web": phase_web,
    "admin": phase_admin,
}


# --- Driver --------------------------------------------------------------------------


def run_phase(name: str, database_url: str, file: str = "", extra: str = "") -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        name,
        "--database-url",
        database_url,
        "--file",
        file,
        "--extra",
        extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"phase {name} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


# An export changes nothing, so it is run several times and its fastest run counted (as
# timeit does): on this shared machine one run can take half again as long as the next.
# Every run's time is printed. (An import is run once: each run needs the database reset.)
EXPORT_RUNS = 3


def _best_of(runs: int, name: str, database_url: str, file: str) -> dict:
    results = [run_phase(name, database_url, file) for _ in range(runs)]
    best = min(results, key=lambda r: r["seconds"])
    return {**best, "runs": [r["seconds"] for r in results], "peak": max(r["peak"] for r in results)}


def _status(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "MISS")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="10000,100000", help="comma-separated row counts (default 10000,100000)")
    parser.add_argument("--database-url", default="", help="default: a throwaway SQLite file in a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (files, database)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", default="", help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def _generate_files(database_url: str, workdir: Path, sizes: list[int]) -> dict:
    """The sources' file and a claims file of each size (and of 10k, the baseline's), printed."""
    t0 = time.perf_counter()
    data = run_phase(
        "generate", database_url, str(workdir), json.dumps(sizes + ([10_000] if 10_000 not in sizes else []))
    )
    data["claims"] = {int(n): path for n, path in data["claims"].items()}
    sizes_mb = {n: os.path.getsize(p) / 2**20 for n, p in data["claims"].items()}
    print(
        f"generated {N_SOURCES} sources and claim files "
        + ", ".join(f"{n:,} rows = {mb:.1f} MB" for n, mb in sorted(sizes_mb.items()))
        + f" in {time.perf_counter() - t0:.1f}s"
    )
    return data


def _measure_size(database_url: str, workdir: Path, data: dict, n: int, results: list) -> dict | None:
    """Import, export and web export of n rows appended to results; returns the baseline's 10k
    export when n is 10,000."""
    run_phase("reset", database_url)
    imp = run_phase("import", database_url, data["claims"][n])
    assert imp["rows"] == n and imp["claims"] == n and imp["citations"] == 2 * n, imp
    assert imp["claim_history"] == n and imp["citation_history"] == 2 * n, imp
    results.append(("import (ours)", imp, IMPORT_RATE, IMPORT_RSS_MB, n))
    exp = _best_of(EXPORT_RUNS, "export", database_url, str(workdir / f"export_{n}.csv"))
    assert exp["rows"] == n, exp
    results.append(("export (ours)", exp, EXPORT_RATE, EXPORT_RSS_MB, n))
    web_exp = _best_of(EXPORT_RUNS, "web_export", database_url, str(workdir / f"web_export_{n}.csv"))
    assert web_exp["rows"] == n, web_exp
    assert Path(workdir / f"web_export_{n}.csv").read_bytes() == Path(workdir / f"export_{n}.csv").read_bytes()
    results.append(("web export /claims/export.csv", web_exp, EXPORT_RATE, EXPORT_RSS_MB, n))
    if n != 10_000:
        return None
    base_export = _best_of(EXPORT_RUNS, "baseline_export", database_url, str(workdir / "baseline_export_10000.csv"))
    assert base_export["rows"] == n, base_export
    return base_export


def _measure(database_url: str, workdir: Path, data: dict, sizes: list[int]) -> dict:
    """Every phase, in order: each size, then the web and admin imports of the largest file,
    then the baseline's import of the 10k file."""
    results: list = []  # (phase, result, target rate, target rss, rows)
    base_export = None
    for n in sizes:
        base_export = _measure_size(database_url, workdir, data, n, results) or base_export
    run_phase("reset", database_url)
    largest = max(sizes)
    web = run_phase("web", database_url, data["claims"][largest])
    assert web["claims"] == largest, web
    run_phase("reset", database_url)
    admin = run_phase("admin", database_url, data["claims"][largest])
    assert admin["claims"] == largest, admin
    run_phase("reset", database_url)
    base = run_phase("baseline", database_url, data["claims"][10_000], json.dumps(data["topics"]))
    results.append(("import (import-export ModelResource)", base, None, None, 10_000))
    if 10_000 in sizes:
        results.append(("export (import-export ModelResource)", base_export, None, None, 10_000))
    run_phase("reset", database_url)
    return {"results": results, "base": base, "base_export": base_export, "web": web, "admin": admin}


def _print_table(results: list) -> None:
    print()
    header = f"{'phase':<38} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'RSS before':>10} {'peak RSS':>9} {'SQL/1000 rows':>13}  {'target':<26} result"
    print(header)
    print("-" * len(header))
    for name, r, rate_target, rss_target, n in results:
        rate = r["rows"] / r["seconds"]
        at_target_size = n >= TARGET_ROWS
        if rate_target is not None:
            target = f">= {rate_target:,} rows/s, <= {rss_target} MB" + ("" if at_target_size else " (at 100k)")
            ok = (
                f"rows/s {_status(rate >= rate_target)}, RSS {_status(r['peak'] <= rss_target)}"
                if at_target_size
                else ""
            )
        else:
            target, ok = "baseline (no people, citations)", ""
        print(
            f"{name:<38} {r['rows']:>8,} {r['seconds']:>8.2f} {rate:>9,.0f} {r['rss_before']:>8.0f}MB "
            f"{r['peak']:>7.0f}MB {1000 * r['queries'] / r['rows']:>13.1f}  {target:<26} {ok}"
        )


def _print_against_baseline(results: list, base: dict, base_export: dict | None, sizes: list[int]) -> None:
    """Each export's runs, the baseline's figures, ours against the baseline at 10k."""
    print()
    for name, r, *_, n in results:
        if "runs" in r:
            print(
                f"{name}, {n:,} rows: the fastest of {len(r['runs'])} runs above; each run: "
                + ", ".join(f"{seconds:.2f} s" for seconds in r["runs"])
            )
    base_rate = base["rows"] / base["seconds"]
    print(
        f"baseline: django-import-export ModelResource.import_data (row by row, instance.save(), "
        f"simple_history signal) = {base_rate:,.0f} rows/s on the 10k file, "
        f"{base['sample_queries'] / BASELINE_SAMPLE:.1f} SQL statements a row (sample of {BASELINE_SAMPLE} rows), "
        f"{base['queries'] / base['rows']:.1f} a row over the whole run."
    )
    print(
        "          It imports key, topic, statement, kind, event_date, status only: no people, no citations, "
        "no date bounds (clean() is not called), topics must exist. It does less work than ours."
    )
    if 10_000 not in sizes:
        return
    ours10 = next(r for name, r, *_, n in results if name == "import (ours)" and n == 10_000)
    ours_rate = ours10["rows"] / ours10["seconds"]
    print(
        f"ratio ours/baseline, 10k import: {ours_rate:,.0f} / {base_rate:,.0f} = {ours_rate / base_rate:.1f}x "
        f"(ours also writes {ours10['citations']:,} citations, people and their history)"
    )
    assert base_export is not None
    ours_export = next(r for name, r, *_, n in results if name == "export (ours)" and n == 10_000)
    base_export_rate = base_export["rows"] / base_export["seconds"]
    print(
        f"ratio ours/baseline, 10k export: {ours_export['rows'] / ours_export['seconds']:,.0f} / "
        f"{base_export_rate:,.0f} = {ours_export['rows'] / ours_export['seconds'] / base_export_rate:.1f}x "
        f"(ours also writes people, sources, grades, disputes, annotations and the update time)"
    )


def _print_machine(database_url: str, results: list, base: dict) -> None:
    """The issue set its targets on SQLite on a machine where the default import path ran about
    ISSUE_BASELINE rows/s: how fast this machine ran against that, and the figures scaled."""
    base_rate = base["rows"] / base["seconds"]
    if not database_url.startswith("sqlite"):
        speed = None
    else:
        speed = base_rate / ISSUE_BASELINE
    scaled = speed and ", ".join(
        f"{name.split()[0]} {n:,} = {r['rows'] / r['seconds'] / speed:,.0f} rows/s"
        for name, r, *_, n in results
        if name.endswith("(ours)") and n >= TARGET_ROWS
    )
    if speed and scaled:
        print(
            f"machine: the default import path ran {base_rate:,.0f} rows/s here against the ~{ISSUE_BASELINE} "
            f"the issue measured when it set the targets ({speed:.2f}x its speed); ours scaled to that "
            f"machine: {scaled} (information only: the PASS/MISS above are the figures as measured)"
        )


def _print_imports(results: list, web: dict, admin: dict, largest: int) -> None:
    """Our imports' statements, and the largest file imported on the web page and the admin's."""
    for name, r, *_, n in results:
        if name == "import (ours)":
            print(
                f"ours, {n:,} rows: {r['queries']} SQL statements ({1000 * r['queries'] / n:.1f} per 1000 rows); "
                f"history rows: {r['claim_history']:,} claims, {r['citation_history']:,} citations"
            )
    print(
        f"web, {largest:,} rows as an editor on /claims/import/: preview {web['preview_seconds']:.1f} s "
        f'("{web["preview"]}"), confirm {web["confirm_seconds"]:.1f} s ("{web["done"]}"), '
        f"peak RSS {web['peak']:.0f} MB"
    )
    print(
        f"admin, {largest:,} rows as staff on the admin's Import: preview {admin['preview_seconds']:.1f} s "
        f'("{admin["preview"]}"), confirm {admin["confirm_seconds"]:.1f} s ("{admin["done"]}"), '
        f"peak RSS {admin['peak']:.0f} MB"
    )
    print(
        "SQL statements are counted through Django's execute wrapper: an executemany of up to 1000 rows "
        "counts once; the bulk rows (COPY on PostgreSQL, INSERTs on SQLite's writing thread) are not seen by it."
    )


def main() -> None:
    args = _arguments()
    if args.phase:
        if args.phase != "generate":
            _setup_django(args.database_url)
        print(json.dumps(PHASES[args.phase](args)))
        return

    sizes = sorted({int(n) for n in args.rows.split(",") if n.strip()})
    tmp = tempfile.mkdtemp(prefix="csv_bench_")
    workdir = Path(tmp)
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    shown_url = database_url.split("@")[-1] if "@" in database_url else database_url
    print(f"database: {shown_url}   python: {sys.version.split()[0]}   cpus: {os.cpu_count()}")
    data = _generate_files(database_url, workdir, sizes)
    setup = run_phase("setup", database_url, data["sources"])
    print(f"migrated; imported {setup['sources']} sources through sources_import")

    measured = _measure(database_url, workdir, data, sizes)
    results, base = measured["results"], measured["base"]
    _print_table(results)
    _print_against_baseline(results, base, measured["base_export"], sizes)
    _print_machine(database_url, results, base)
    _print_imports(results, measured["web"], measured["admin"], max(sizes))
    if args.keep:
        print(f"kept {workdir}")
    else:
        for path in sorted(workdir.iterdir()):
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
