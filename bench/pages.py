"""Benchmark of every page the site serves, at 1k and at 100k claims (issue 11, point 6).

    .venv/bin/python bench/pages.py                      # SQLite, 1k against 100k
    .venv/bin/python bench/pages.py --quick              # 1k against 10k, to iterate
    .venv/bin/python bench/pages.py --only /claims/ --repeat 9
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/annotator_pagebench

Two data sets of the same shape (bench/pages_data.py) are two database aliases of one
process; before each request the default connection is pointed at one or the other, and the
requests of a page alternate between them (1k, 100k, 1k, 100k, ...) so that the machine's
noise falls on both alike. Each page is requested as a researcher and as a blind reviewer
(the admin's as staff), through django.test.Client with DEBUG off; the time is the median of
--repeat requests, the queries are those of the default connection during one request, the
bytes the uncompressed body (a CSV download read to its end).

Targets per page: time at 100k <= 1.3 x time at 1k, <= 300 ms, and <= 200 KB. A download
(export.csv) is timed and shown but not held to a page's targets (INFO).
The data sets are cached (bench/.data/ for SQLite; databases annotator_pagebench_<size>_<hash>
on PostgreSQL) under a hash of the generator and the latest migrations; --regenerate remakes them.
"""

import argparse
import gzip
import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / ".data"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
PG_PREFIX = "annotator_pagebench"

RATIO_TARGET = 1.3
MS_TARGET = 300
BYTES_TARGET = 200 * 1024
# Management commands that keep derived data (search index, counts) in step, if the code has them.
REFRESH_COMMANDS = ("rebuild_search_index", "refresh_counts")
DOWNLOADS = {"claim_export", "source_export"}
SEARCH = "Тухачевский"


def _setup_django() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-throwaway-secret-key-not-for-production")
    os.environ["DJANGO_SETTINGS_MODULE"] = "annotator.settings"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{DATA_DIR / 'placeholder.sqlite3'}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _database(url: str) -> dict:
    from annotator.settings import env_database

    os.environ["PAGEBENCH_DATABASE_URL"] = url
    config = env_database("PAGEBENCH_DATABASE_URL", url)
    # Persistent connections: the time is the page's, not a new connection's for each request.
    config["CONN_MAX_AGE"] = None
    return config


def _configure(args, labels: list[str], key: str) -> dict[str, str]:
    """Point the aliases "small" and "large" (and "default", swapped later) at the data sets."""
    from django.conf import settings
    from django.db import connections

    urls = {}
    if args.database_url:
        parts = urlsplit(args.database_url)
        base = parts.path.lstrip("/")
        if not base.startswith(PG_PREFIX) or parts.scheme not in {"postgres", "postgresql"}:
            raise SystemExit(
                f"--database-url must be postgres://.../{PG_PREFIX}...: the bench creates and drops "
                f"databases whose names start with {PG_PREFIX} and refuses any other ({base!r})."
            )
        for label in labels:
            urls[label] = parts._replace(path=f"/{base}_{label}_{key}").geturl()
    else:
        DATA_DIR.mkdir(exist_ok=True)
        for label in labels:
            urls[label] = f"sqlite:///{DATA_DIR / f'pages-{label}-{key}.sqlite3'}"
    small, large = labels
    settings.DATABASES = {
        "default": _database(urls[small]),
        "small": _database(urls[small]),
        "large": _database(urls[large]),
    }
    # The connection handler reads DATABASES once; django.setup() may have read the placeholder.
    connections.__dict__.pop("settings", None)
    connections._settings = None
    return urls


@contextmanager
def using(alias: str):
    from django.db import connections

    before = connections["default"]
    connections["default"] = connections[alias]
    try:
        yield
    finally:
        connections["default"] = before


# --- data sets -------------------------------------------------------------------------

META = "pagebench_meta"


def _meta(alias: str) -> dict[str, str]:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META} (name varchar(200) PRIMARY KEY, value varchar(200))")
        cursor.execute(f"SELECT name, value FROM {META}")
        return dict(cursor.fetchall())


def _set_meta(alias: str, name: str, value: str) -> None:
    from django.db import connections

    _meta(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"DELETE FROM {META} WHERE name = %s", [name])
        cursor.execute(f"INSERT INTO {META} (name, value) VALUES (%s, %s)", [name, value])


def _pg_admin(config: dict):
    import psycopg

    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _fresh_database(alias: str, label: str) -> None:
    """An empty database for the alias, and the stale caches of the same size removed."""
    from django.db import connections

    config = connections[alias].settings_dict
    connections[alias].close()
    if config["ENGINE"].endswith("sqlite3"):
        for stale in DATA_DIR.glob(f"pages-{label}-*.sqlite3*"):
            stale.unlink()
        return
    name = config["NAME"]
    assert name.startswith(PG_PREFIX), name
    with _pg_admin(config) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{PG_PREFIX}%_{label}_%"]
        ).fetchall()
        for (stale,) in rows:
            if stale.startswith(f"{name.rsplit('_', 2)[0]}_{label}_"):
                admin.execute(f'DROP DATABASE "{stale}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def _exists(alias: str) -> bool:
    from django.db import connections

    config = connections[alias].settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return Path(config["NAME"]).exists()
    with _pg_admin(config) as admin:
        return bool(admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone())


def ensure_data(alias: str, label: str, regenerate: bool) -> str:
    from django.core.management import call_command, get_commands

    from bench import pages_data

    said = []
    complete = _exists(alias) and not regenerate and _meta(alias).get("complete") == "yes"
    if not complete:
        _fresh_database(alias, label)
        start = time.perf_counter()
        with using(alias):  # (a data migration writes through the default connection)
            call_command("migrate", database=alias, verbosity=0, interactive=False)
        migrated = time.perf_counter() - start
        with using(alias):
            counts = pages_data.generate(label, SIZES[label], log=lambda text: print(text, flush=True))
        _set_meta(alias, "complete", "yes")
        said.append(
            f"generated in {time.perf_counter() - start:.0f} s (migrate {migrated:.0f} s): "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
    done = _meta(alias)
    for command in REFRESH_COMMANDS:
        if command in get_commands() and f"ran {command}" not in done:
            start = time.perf_counter()
            with using(alias):
                call_command(command, verbosity=0)
            _set_meta(alias, f"ran {command}", "yes")
            said.append(f"{command} {time.perf_counter() - start:.1f} s")
    return "; ".join(said) or "cached"


# --- pages -----------------------------------------------------------------------------


@dataclass
class Page:
    name: str  # the URL's name, or admin:...
    shown: str  # the path as printed (query strings unencoded)
    paths: dict[str, str] = field(default_factory=dict)  # alias -> path requested

    @property
    def download(self) -> bool:
        return self.name in DOWNLOADS


def _heavy(alias: str) -> dict:
    """The heaviest objects of a data set, which its pages' parameters are filled with."""
    from bench.pages_data import BIG_PERSON, BIG_SOURCE, BIG_TOPIC, HEAVY_CLAIM, RESEARCHER
    from claims.models import (
        Annotation,
        Citation,
        CitationAssessment,
        Claim,
        Dispute,
        Person,
        Source,
        SourceAssessment,
        SourceRelation,
        Topic,
    )

    with using(alias):
        claim = Claim.objects.get(key=HEAVY_CLAIM)
        source = Source.objects.get(key=BIG_SOURCE)
        citation = Citation.objects.filter(claim=claim).order_by("pk")[1]  # not graded by the blind persona
        return {
            "claim": claim,
            "source": source,
            "citation": citation,
            "topic": Topic.objects.get(slug=BIG_TOPIC),
            # Another claim of its topic: the cell of the matrix that rates the citation against it.
            "rival": Claim.objects.filter(topic_id=claim.topic_id).exclude(pk=claim.pk).order_by("pk")[0],
            "person": Person.objects.get(slug=BIG_PERSON),
            "history_id": Claim.history.filter(id=claim.pk).order_by("history_id")[0].history_id,
            "source_grade": SourceAssessment.objects.filter(source=source).order_by("pk")[0],
            "citation_grade": CitationAssessment.objects.filter(citation=citation).order_by("pk")[0],
            "dispute": Dispute.objects.filter(claim=claim, state="open").order_by("pk")[0],
            # One of the copies, translations, … of the big source (its own page lists them all).
            "relation": SourceRelation.objects.select_related("source").filter(derived_from=source).order_by("pk")[0],
            "annotation": Annotation.objects.filter(claim=claim, parent=None, author__username=RESEARCHER).order_by(
                "pk"
            )[0],
        }


NO_JOB = "00000000-0000-4000-8000-000000000000"


def _variants(name: str, h: dict) -> list[tuple[dict, dict]]:
    """(URL kwargs, query) of each variant of a named page; KeyError for a page this bench does not know."""
    from bench.pages_data import BIG_PERSON, BIG_SOURCE, BIG_TOPIC, HEAVY_CLAIM

    claim, source = {"key": HEAVY_CLAIM}, {"key": BIG_SOURCE}
    annotation_targets = {
        "claim": h["claim"].pk,
        "source": h["source"].pk,
        "citation": h["citation"].pk,
        "source-grade": h["source_grade"].pk,
        "citation-grade": h["citation_grade"].pk,
        "dispute": h["dispute"].pk,
    }
    table = {
        "home": [{}],
        "topic_detail": [{"slug": BIG_TOPIC}],
        "claim_list": [
            {},
            ({}, {"page": "500"}),
            ({}, {"q": SEARCH}),
            ({}, {"sort": "evidence"}),
            ({}, {"sort": "evidence", "page": "500"}),
        ],
        "claim_create": [{}],
        "claim_export": [{}],
        "claim_import": [{}],
        "claim_import_confirm": [{}],
        "claim_detail": [claim],
        "claim_edit": [claim],
        "citation_create": [claim],
        "claim_restore": [{**claim, "history_id": h["history_id"]}],
        "citation_edit": [{"pk": h["citation"].pk}],
        "citation_grade": [{"pk": h["citation"].pk}],
        "consistency_cell": [{"pk": h["citation"].pk, "claim_key": h["rival"].key}],
        "source_list": [{}],
        "source_create": [{}],
        "source_relation_create": [source],
        "source_relation_edit": [{"key": h["relation"].source.key, "pk": h["relation"].pk}],
        "source_relation_remove": [{"key": h["relation"].source.key, "pk": h["relation"].pk}],
        "source_export": [{}],
        "source_import": [{}],
        "source_import_confirm": [{}],
        "source_detail": [source],
        "source_edit": [source],
        "source_grade": [source],
        "person_create": [{}],
        "person_detail": [{"slug": BIG_PERSON}],
        "person_edit": [{"slug": BIG_PERSON}],
        # What the source and person fields ask as one types (the claim list's filters, the claim and citation forms).
        "source_suggestions": [({}, {"q": "rgva"}), ({}, {"q": SEARCH})],
        "person_suggestions": [({}, {"q": SEARCH})],
        "annotation_create": [{"kind": k, "pk": pk} for k, pk in annotation_targets.items()],
        "annotation_reply": [{"pk": h["annotation"].pk}],
        "annotation_edit": [{"pk": h["annotation"].pk}],
        "annotation_withdraw": [{"pk": h["annotation"].pk}],
        "dispute_list": [{}],
        "dispute_raise": [
            {"kind": k, "pk": annotation_targets[k]} for k in ("source-grade", "citation-grade", "claim")
        ],
        "dispute_detail": [{"pk": h["dispute"].pk}],
        "dispute_withdraw": [{"pk": h["dispute"].pk}],
        "dispute_resolve": [{"pk": h["dispute"].pk}],
        "login": [{}],
        "logout": [{}],
        "password_change": [{}],
        "password_change_done": [{}],
        # The account page (issue 16): the bench's user holds no tokens; revoking is a POST (GET: 405).
        "account": [{}],
        "api_token_revoke": [{"pk": 1}],
        "job_list": [{}],
        "claims_export_start": [{}],
        # No job exists in the data sets: these answer 404, as for anyone else's job.
        "job_detail": [{"job_id": NO_JOB}],
        "job_progress": [{"job_id": NO_JOB}],
        "job_download": [{"job_id": NO_JOB}],
        # Date conflicts and timelines (issue 13): the big topic's, deep into its conflicts too.
        "conflict_list": [{}, ({}, {"topic": BIG_TOPIC}), ({}, {"topic": BIG_TOPIC, "page": "40"})],
        # (Page 2, full in both sets: the 1k set's big topic has three pages, the last one short.)
        "topic_timeline": [{"slug": BIG_TOPIC}, ({"slug": BIG_TOPIC}, {"page": "2"})],
        "person_timeline": [{"slug": BIG_PERSON}],
        # The competing-hypotheses matrix (issue 14): the big topic's first claims by date.
        "topic_matrix": [{"slug": BIG_TOPIC}],
        "topic_matrix_csv": [{"slug": BIG_TOPIC}],
        # Reviewer agreement (issue 14): the figures refresh_counts stored (bench/agreement.py
        # times their computation, which grows with the grades).
        "agreement": [{}, ({}, {"topic": BIG_TOPIC})],
        "agreement_json": [{}, ({}, {"topic": BIG_TOPIC})],
        # Review queues (issue 14): the first page of a grader's queue, and deep into it.
        "review_queue": [{}, ({}, {"sources": "40", "citations": "40"})],
        "review_adjudicate": [{}],
        # Linked data (issue 16): the heavy claim's ClaimReview and notes, every note's first and last pages.
        "claim_jsonld": [claim],
        "claim_annotations_jsonld": [claim, (claim, {"after": "0"})],
        "annotations_jsonld": [{}, ({}, {"after": "0"}), ({}, {"before": str(2**63 - 1)})],
        "annotation_jsonld": [{"pk": h["annotation"].pk}],
        "user_jsonld": [{"pk": h["annotation"].author_id}],
    }
    return [v if isinstance(v, tuple) else (v, {}) for v in table[name]]


def _url_names() -> list[str]:
    """Every named URL of the URLconf except the admin's, in the URLconf's order."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "app_name", None) == "admin" or pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def _shown(path: str, query: dict) -> tuple[str, str]:
    if not query:
        return path, path
    return path + "?" + urlencode(query), path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def site_pages(heavy: dict[str, dict]) -> tuple[list[Page], list[str]]:
    from django.urls import reverse

    pages, unknown = [], []
    for name in _url_names():
        by_alias = {}
        try:
            for alias, h in heavy.items():
                by_alias[alias] = [(reverse(name, kwargs=kw), q) for kw, q in _variants(name, h)]
        except KeyError:
            unknown.append(name)
            continue
        for i, (path, query) in enumerate(next(iter(by_alias.values()))):
            page = Page(name=name, shown=_shown(path, query)[1])
            for alias, variants in by_alias.items():
                page.paths[alias] = _shown(*variants[i])[0]
            pages.append(page)
    return pages, unknown


def admin_pages(heavy: dict[str, dict]) -> list[Page]:
    """The admin's index, every changelist, the claims searched, and the heaviest records' pages."""
    from django.contrib import admin
    from django.urls import reverse

    pages = [Page("admin:index", "/admin/")]
    for model in admin.site._registry:
        meta = model._meta
        pages.append(
            Page(
                f"admin:{meta.app_label}_{meta.model_name}_changelist",
                reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            )
        )
    search = reverse("admin:claims_claim_changelist")
    pages.append(Page("admin:claims_claim_changelist", f"{search}?q={SEARCH}"))
    pages.append(Page("admin:claims_claim_add", reverse("admin:claims_claim_add")))
    for page in pages:
        for alias in heavy:
            page.paths[alias] = page.shown.replace(f"q={SEARCH}", urlencode({"q": SEARCH}))
    for what in ("claim", "source", "person", "topic"):
        page = Page(f"admin:claims_{what}_change", "")
        for alias, h in heavy.items():
            page.paths[alias] = reverse(f"admin:claims_{what}_change", args=[h[what].pk])
        page.shown = page.paths["large"]
        pages.append(page)
    page = Page("admin:claims_claim_history", "")
    for alias, h in heavy.items():
        page.paths[alias] = reverse("admin:claims_claim_history", args=[h["claim"].pk])
    page.shown = page.paths["large"]
    pages.append(page)
    return pages


# --- measuring -------------------------------------------------------------------------


@dataclass
class Fetch:
    status: int = 0
    ms: float = 0.0
    queries: int = 0
    size: int = 0
    gz: int = 0
    error: str = ""
    location: str = ""


def fetch(client, alias: str, path: str) -> Fetch:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    connections["default"] = connections[alias]
    with CaptureQueriesContext(connections["default"]) as queries:
        start = time.perf_counter()
        try:
            response = client.get(path, secure=True)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            response.close()
        except Exception as exc:  # the client re-raises a view's exception: the page errors
            return Fetch(
                ms=(time.perf_counter() - start) * 1000,
                error=f"{type(exc).__name__}: {exc}"[:160],
                queries=len(queries),
            )
        ms = (time.perf_counter() - start) * 1000
    gz = len(gzip.compress(body, 6)) if len(body) < 5_000_000 else -1  # (not worth the time)
    return Fetch(
        status=response.status_code,
        ms=ms,
        queries=len(queries),
        size=len(body),
        gz=gz,
        location=response.get("Location", ""),
    )


@dataclass
class Row:
    page: Page
    persona: str
    verdict: str
    small: Fetch | None = None
    large: Fetch | None = None
    ms_small: float = 0.0
    ms_large: float = 0.0
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ms_large / self.ms_small if self.ms_small else 0.0


def measure(page: Page, persona: str, clients: dict, repeat: int, max_ms: float) -> Row:
    small = fetch(clients["small"], "small", page.paths["small"])  # warms the templates first
    large = fetch(clients["large"], "large", page.paths["large"])
    for got in (small, large):
        if got.error:
            return Row(page, persona, "ERROR", small, large, note=got.error)
    if small.status != 200 or large.status != 200:
        word = {302: "redirect", 403: "forbidden", 404: "not found", 405: "POST only"}
        status = small.status if small.status == large.status else f"{small.status}/{large.status}"
        text = word.get(small.status, "") if small.status == large.status else "differs between data sets"
        if small.status == 302 and small.location:
            text += f" to {small.location.split('?')[0]}"
        return Row(page, persona, str(status), small, large, note=text)
    smalls, larges = [small.ms], [large.ms]
    if large.ms > max_ms:
        note = f"one request at the large size (over --max-seconds {max_ms / 1000:g})"
        smalls += [fetch(clients["small"], "small", page.paths["small"]).ms for _ in range(repeat)]
        smalls = smalls[1:]
    else:
        note = ""
        smalls, larges = [], []
        for _ in range(repeat):
            small = fetch(clients["small"], "small", page.paths["small"])
            large = fetch(clients["large"], "large", page.paths["large"])
            smalls.append(small.ms)
            larges.append(large.ms)
    row = Row(page, persona, "", small, large, statistics.median(smalls), statistics.median(larges), note)
    misses = []
    if row.ratio > RATIO_TARGET:
        misses.append("ratio")
    if row.ms_large > MS_TARGET:
        misses.append("ms")
    if large.size > BYTES_TARGET:
        misses.append("KB")
    if page.download:
        row.verdict = "INFO"
    else:
        row.verdict = "PASS" if not misses else "MISS " + ",".join(misses)
    return row


def header(small: str, large: str) -> str:
    return (
        f"{'page':<52} {'persona':<9} {'ms ' + small:>8} {'ms ' + large:>9} {'ratio':>6} {'queries':>9} "
        f"{'KB ' + large:>8} {'gzKB':>6}  verdict"
    )


def line(row: Row, sizes: tuple[str, str]) -> str:
    shown = row.page.shown if len(row.page.shown) <= 52 else row.page.shown[:49] + "..."
    if row.ms_small or row.ms_large:
        queries = f"{row.small.queries}/{row.large.queries}"
        return (
            f"{shown:<52} {row.persona:<9} {row.ms_small:>8.1f} {row.ms_large:>9.1f} {row.ratio:>6.2f} "
            f"{queries:>9} {row.large.size / 1024:>8.1f} {row.large.gz / 1024 if row.large.gz >= 0 else float('nan'):>6.1f}  {row.verdict}"
            + (f"  ({row.note})" if row.note else "")
        )
    return f"{shown:<52} {row.persona:<9} {'':>8} {'':>9} {'':>6} {'':>9} {'':>8} {'':>6}  {row.verdict} {row.note}"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="", help=f"postgres://USER@HOST:PORT/{PG_PREFIX}...; default SQLite")
    parser.add_argument("--quick", action="store_true", help="1k against 10k claims instead of 100k")
    parser.add_argument("--only", action="append", default=[], help="time only paths containing this (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per page and size (median; default 5)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=10.0,
        help="a page whose first request at the large size takes longer is timed once (default 10)",
    )
    parser.add_argument("--regenerate", action="store_true", help="remake the cached data sets")
    parser.add_argument("--no-admin", action="store_true", help="leave out the admin's pages")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses a target or errors")
    args = parser.parse_args()
    if args.repeat < 1 or args.max_seconds <= 0:
        parser.error("--repeat must be at least 1 and --max-seconds positive")
    return args


def _clients() -> dict[str, dict]:
    """A logged-in client of each persona on each data set: clients[persona][alias]."""
    from django.test import Client

    from bench import pages_data
    from claims.models import User

    personas = {"research": pages_data.RESEARCHER, "blind": pages_data.BLIND_REVIEWER, "staff": pages_data.STAFF}
    clients: dict[str, dict] = {}
    for short, username in personas.items():
        for alias in ("small", "large"):
            client = Client()
            with using(alias):
                client.force_login(User.objects.get(username=username))
            clients.setdefault(short, {})[alias] = client
    return clients


def _check_routing(clients: dict[str, dict], labels: list[str]) -> None:
    """Each alias must really reach its own data set: a topic only one of them holds."""
    for alias, label in zip(("small", "large"), labels):
        other = labels[1] if label == labels[0] else labels[0]
        own = fetch(clients["research"][alias], alias, f"/topics/pagebench-{label}/").status
        foreign = fetch(clients["research"][alias], alias, f"/topics/pagebench-{other}/").status
        if (own, foreign) != (200, 404):
            raise SystemExit(f"routing check failed on {alias}: its own topic {own}, the other's {foreign}")


def _plan(args, heavy: dict[str, dict]) -> tuple[list[tuple[Page, str]], list[str]]:
    """(page, persona) of each request to time, and the URL names this bench has no parameters for."""
    pages, unknown = site_pages(heavy)
    plan = [(page, persona) for page in pages for persona in ("research", "blind")]
    if not args.no_admin:
        plan += [(page, "staff") for page in admin_pages(heavy)]
    if args.only:
        plan = [(p, who) for p, who in plan if any(o in p.shown or o in p.paths["large"] for o in args.only)]
    return plan, unknown


def _summary(rows: list[Row], unknown: list[str], labels: list[str], total_start: float) -> int:
    """The summary lines; returns how many pages missed."""
    timed = [r for r in rows if r.verdict.startswith(("PASS", "MISS", "ERROR"))]
    passed = sum(r.verdict == "PASS" for r in timed)
    missed = len(timed) - passed + len(unknown)
    others = [r for r in rows if r not in timed]
    print()
    print(
        f"{len(timed) + len(unknown)} pages: {passed} PASS, {missed} MISS"
        f" ({sum(r.verdict == 'ERROR' for r in timed) + len(unknown)} of them ERROR)"
        f"; not timed: {len(others)} ({', '.join(sorted({r.verdict for r in others}))})"
    )
    print(
        f"targets: ms at {labels[1]} <= {RATIO_TARGET} x ms at {labels[0]}, <= {MS_TARGET} ms, "
        f"<= {BYTES_TARGET // 1024} KB (the targets are stated for 100k); INFO = a download, shown only. "
        f"Whole run {time.perf_counter() - total_start:.0f} s."
    )
    return missed


def main() -> int:
    args = _arguments()
    total_start = time.perf_counter()
    _setup_django()
    from django.db import connections

    from bench import pages_data

    labels = ["1k", "10k" if args.quick else "100k"]
    key = pages_data.cache_key()
    _configure(args, labels, key)
    vendor = connections["small"].vendor
    print(
        f"bench/pages.py: {vendor}, data sets {labels[0]} and {labels[1]} (cache {key}), --repeat {args.repeat}, "
        f"--max-seconds {args.max_seconds:g}, python {sys.version.split()[0]}, cpus {os.cpu_count()}",
        flush=True,
    )
    for alias, label in zip(("small", "large"), labels):
        print(f"  {label}: {ensure_data(alias, label, args.regenerate)}", flush=True)

    heavy = {alias: _heavy(alias) for alias in ("small", "large")}
    clients = _clients()
    _check_routing(clients, labels)
    plan, unknown = _plan(args, heavy)

    print(f"\n{header(*labels)}")
    print("-" * len(header(*labels)))
    rows = []
    for page, persona in plan:
        row = measure(page, persona, clients[persona], args.repeat, args.max_seconds * 1000)
        rows.append(row)
        print(line(row, tuple(labels)), flush=True)
    for name in unknown:
        print(f"{name:<52} {'':<9} ERROR: a URL this bench has no parameters for (add it to _variants)")
    missed = _summary(rows, unknown, labels, total_start)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
