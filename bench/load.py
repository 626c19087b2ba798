"""Load test (issue 5, point 6): researchers at work on gunicorn + PostgreSQL, and no write lost.

    .venv/bin/python bench/load.py                        # 50 clients for 60 s (after a 10 s one-client baseline)
    .venv/bin/python bench/load.py --clients 5 --seconds 10 --baseline-seconds 0
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/annotator_load_me --keep

It creates its own PostgreSQL database (default annotator_load; it refuses `annotator`, and drops
an existing database only if its name starts with annotator_load), migrates it, loads the shipped
seed, creates the accounts (generated passwords), collects the static files into a temporary
STATIC_ROOT, and starts gunicorn with the production settings: a random SECRET_KEY, DEBUG=0,
ALLOWED_HOSTS=127.0.0.1, static files served by whitenoise. Only SECURE_SSL_REDIRECT=0 differs
from a deployment, as in the test suite: there is no TLS on 127.0.0.1.

Each client is one browser: it logs in through /accounts/login/ (the CSRF token from the form),
fetches the stylesheet, then until the time is up chooses an action: 70% a page read (home,
/claims/ with a search, a claim, a source, /disputes/), 20% an annotation on a claim whose body
carries a unique marker, 10% a credibility grade of a citation. Half the accounts (rounded up) are
reviewers, who grade (and revise their own grades, sending the version of their last saved grade
as the form does); researchers may not grade, so they annotate more and the whole mix stays
70/20/10. No think time: each client sends its next request as soon as it has the answer.

A write counts as saved when the server answers what the page does after saving: 302 to the page
of the annotation or the citation. Afterwards, with gunicorn stopped, the database is compared
with what the clients were told: every saved annotation exists exactly once, with its marker,
author and claim; every saved grade appears exactly once in the grade's history and each
reviewer's grade is the last one they were told was saved (lost writes otherwise); no row carries
a marker of this run that no client was told was saved, and no other table changed (phantom
writes otherwise). Target: 0 errors, 0 lost, 0 phantom.

Cookies: with DEBUG off the session and CSRF cookies are `Secure`, and a client that follows the
cookie rules strictly (http.cookiejar, hence requests and httpx) never sends them back over
plain http, so every POST would fail the CSRF check and every page redirect to the login. Browsers
treat a loopback address as a secure context and do send Secure cookies to http://127.0.0.1;
this client does the same: it keeps the cookies itself and sends them all to 127.0.0.1. It sends
an Origin header on POSTs as browsers do (Django checks it against the host). The HSTS header is
ignored, as RFC 6797 says a client must over plain http.
"""

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/annotator_load"
OWN_PREFIX = "annotator_load"  # an existing database of this name may be dropped and made again
HOST = "127.0.0.1"
SEARCHES = ["тухачевский", "Tukhachevskii", "Очищение", "Stalin", "1937", "Yakir", "tribunal", "Abwehr"]
READ_PAGES = ("home", "search", "claim", "source", "disputes")
READ_SHARE, ANNOTATE_SHARE, GRADE_SHARE = 0.70, 0.20, 0.10
REQUEST_TIMEOUT = 60.0  # seconds; longer than gunicorn's 30 s worker timeout
KEEP_ALIVE = 5  # gunicorn --keep-alive; a client opens a new connection after half of that idle
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


# --- The database -------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit(f"--database-url {url!r}: the load test runs on PostgreSQL (postgres://USER@HOST:PORT/NAME).")
    name = database_name(url)
    if not name or "/" in name:
        raise SystemExit(f"--database-url {url!r} names no database.")
    if name == "annotator":
        raise SystemExit(
            "Refusing to run against the database `annotator`: the load test makes, fills and drops "
            f"its own database (default {database_name(DEFAULT_DATABASE_URL)})."
        )


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", parts.query, ""))


def _connect_maintenance(url: str):
    import psycopg

    try:
        return psycopg.connect(_maintenance_url(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL is not reachable at {urlsplit(url).netloc}: {exc}".strip()) from None


def create_database(url: str) -> None:
    from psycopg import errors, sql

    name = database_name(url)
    with _connect_maintenance(url) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            if not name.startswith(OWN_PREFIX):
                raise SystemExit(
                    f"The database {name} exists and is not one the load test made "
                    f"(those start with {OWN_PREFIX}); name a new one."
                )
            try:  # left by --keep or an interrupted run; never forced: it may be another run's
                conn.execute(sql.SQL("drop database {}").format(sql.Identifier(name)))
            except errors.ObjectInUse:
                raise SystemExit(
                    f"The database {name} exists and is in use (another load test?); "
                    "pass --database-url with another name."
                ) from None
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    from psycopg import sql

    with _connect_maintenance(url) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database_name(url))))


# --- Setting up (Django in this process, on the load database) ----------------------------


def production_environment(url: str, static_root: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TRUST_X_FORWARDED_PROTO", "CSRF_TRUSTED_ORIGINS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "annotator.settings",
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "0",  # no TLS on 127.0.0.1 (the test suite does the same)
            "STATIC_ROOT": static_root,
        }
    )
    return env


@dataclass
class Account:
    username: str
    password: str
    reviewer: bool
    grade_versions: dict[int, int] = field(default_factory=dict)  # citation pk -> version of the last saved grade


def setup_database() -> dict[str, float]:
    """Migrate, seed, collect the static files; returns the time each took."""
    from django.core.management import call_command

    times = {}
    for step, options in (("migrate", {"interactive": False}), ("seed", {}), ("collectstatic", {"interactive": False})):
        started = time.perf_counter()
        call_command(step, verbosity=0, stdout=io.StringIO(), **options)
        times[step] = time.perf_counter() - started
    return times


def create_accounts(n: int, run_id: str) -> list[Account]:
    """N accounts, every other one (from the first) a reviewer, with generated passwords."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.auth.password_validation import validate_password
    from django.db import transaction

    from claims.models import User
    from claims.roles import Role

    accounts = [
        Account(
            username=f"load-{'reviewer' if i % 2 == 0 else 'researcher'}-{i + 1:02d}-{run_id}",
            password=secrets.token_urlsafe(18),
            reviewer=i % 2 == 0,
        )
        for i in range(n)
    ]
    # The production hasher takes about half a second a password on purpose; hashlib lets
    # threads hash in parallel.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = list(pool.map(lambda a: make_password(a.password), accounts))
    groups = {role: Group.objects.get(name=role.value) for role in (Role.RESEARCHER, Role.REVIEWER)}
    with transaction.atomic():
        for account, hashed in zip(accounts, hashes):
            user = User(username=account.username)
            user.full_clean(exclude=["password"])
            validate_password(account.password, user)
            user.password = hashed
            user.save()
            user.groups.set([groups[Role.REVIEWER if account.reviewer else Role.RESEARCHER]])
    return accounts


def targets() -> tuple[list[tuple[int, str]], list[str], list[tuple[int, str, int]]]:
    """(claim pk, key), source keys, (citation pk, its claim's key, its version) of the seeded data."""
    from claims.models import Citation, Claim, Source

    claims = list(Claim.objects.order_by("pk").values_list("pk", "key"))
    sources = list(Source.objects.order_by("pk").values_list("key", flat=True))
    citations = list(Citation.objects.order_by("pk").values_list("pk", "claim__key", "version"))
    return claims, sources, citations


def table_counts() -> dict[str, int]:
    """Rows in every table of the claims app (records, grades, annotations and their history)."""
    from django.apps import apps

    return {model._meta.label: model._default_manager.count() for model in apps.get_app_config("claims").get_models()}


# --- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "annotator.wsgi",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "-b",
        f"{HOST}:{port}",
        "--keep-alive",
        str(KEEP_ALIVE),
        "--error-logfile",
        "-",
    ]
    log = log_path.open("wb")
    try:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        log.close()


def wait_until_answers(server: subprocess.Popen, port: int, log_path: Path, limit: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_tail(log_path)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/accounts/login/")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {limit:.0f} s:\n{log_tail(log_path)}")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: the workers finish what they are doing
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def server_log_problems(path: Path) -> list[str]:
    """gunicorn's own error lines (worker timeouts, crashes, errors outside Django)."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return [
        line for line in text.splitlines() if "[ERROR]" in line or "[CRITICAL]" in line or line.startswith("Traceback")
    ]


# --- A browser ----------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    location: str
    body: str
    headers: dict[str, str]


class Browser:
    """One researcher's browser: a keep-alive connection, its cookies, the CSRF token of the last page.

    The cookies are kept here, not in http.cookiejar: see the module's docstring on Secure cookies.
    """

    def __init__(self, port: int):
        self.port = port
        self.origin = f"http://{HOST}:{port}"
        self.cookies: dict[str, str] = {}
        self.token = ""
        self._conn: http.client.HTTPConnection | None = None
        self._last_used = 0.0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        if self._conn is not None and time.monotonic() - self._last_used > KEEP_ALIVE / 2:
            self.close()  # the server may be closing it just now
        if self._conn is None:
            self._conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        sent = {"Host": f"{HOST}:{self.port}", "User-Agent": "annotator-load/1", "Accept": "text/html"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.origin
        sent.update(headers or {})
        try:
            self._conn.request(method, path, body=body, headers=sent)
            answer = self._conn.getresponse()
            raw = answer.read()
        except BaseException:
            self.close()
            raise
        self._last_used = time.monotonic()
        for header in answer.msg.get_all("Set-Cookie") or []:
            self._store_cookie(header)
        if answer.will_close:
            self.close()
        content_type = answer.getheader("Content-Type", "")
        text = raw.decode("utf-8", "replace") if content_type.startswith("text/html") else ""
        if text:
            match = TOKEN_RE.search(text)
            if match:
                self.token = match.group(1)
        return Response(
            answer.status, answer.getheader("Location", ""), text, {k.lower(): v for k, v in answer.getheaders()}
        )

    def _store_cookie(self, header: str) -> None:
        jar = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            return
        for name, morsel in jar.items():
            # The Secure flag is ignored on purpose (127.0.0.1 is a secure context for browsers).
            if morsel["max-age"] == "0" or morsel["expires"].endswith("1970 00:00:00 GMT"):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


# --- The simulated researchers ------------------------------------------------------------


@dataclass
class Record:
    phase: str  # login, baseline, load
    action: str  # login, static, read, annotate, grade
    seconds: float
    status: int  # 0: no answer
    error: str  # "" when the request did what it should
    page: str = ""  # which page a read was


@dataclass
class Write:
    kind: str  # annotation, grade
    marker: str
    username: str
    target: int  # claim pk (annotation) or citation pk (grade)
    grade: int | None
    outcome: str  # saved, refused (the server said no), unknown (no answer)
    pk: int | None = None  # the annotation's, from the redirect


class Researcher(threading.Thread):
    def __init__(
        self,
        index: int,
        account: Account,
        port: int,
        data,
        run_id: str,
        seed: str,
        phase: str,
        mix: tuple[float, float, float],
        start: threading.Event,
        seconds: float,
        logged_in: threading.Barrier,
    ):
        super().__init__(name=f"researcher-{index}", daemon=True)
        self.index, self.account, self.run_id, self.phase = index, account, run_id, phase
        self.claims, self.sources, self.citations = data
        self.rng = random.Random(f"{seed}-{phase}-{index}")
        self.mix = mix
        self.start_event, self.seconds, self.logged_in = start, seconds, logged_in
        self.browser = Browser(port)
        self.records: list[Record] = []
        self.writes: list[Write] = []
        self.static_encodings: Counter = Counter()
        self.seq = 0

    # One request, timed; returns the response or None when there was no answer.
    def _timed(
        self, phase: str, action: str, method: str, path: str, form=None, headers=None, expect=None, page: str = ""
    ):
        started = time.perf_counter()
        try:
            response = self.browser.request(method, path, form, headers)
        except Exception as exc:  # noqa: BLE001 - every failure is counted by its kind
            self.records.append(Record(phase, action, time.perf_counter() - started, 0, type(exc).__name__, page))
            return None
        error = expect(response) if expect else ""
        self.records.append(Record(phase, action, time.perf_counter() - started, response.status, error, page))
        return response

    def run(self) -> None:
        try:
            ok = self.log_in()
        finally:
            with contextlib.suppress(threading.BrokenBarrierError):
                self.logged_in.wait()
        if not ok:
            return
        self.start_event.wait()
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            draw = self.rng.random()
            if draw < self.mix[0]:
                self.read()
            elif draw < self.mix[0] + self.mix[1]:
                self.annotate()
            else:
                self.grade()
        self.browser.close()

    def log_in(self) -> bool:
        page = self._timed("login", "login", "GET", "/accounts/login/", expect=_expect_status(200))
        if page is None or page.status != 200 or not self.browser.token:
            return False
        form = {
            "csrfmiddlewaretoken": self.browser.token,
            "username": self.account.username,
            "password": self.account.password,
            "next": "",
        }
        done = self._timed("login", "login", "POST", "/accounts/login/", form, expect=_expect_redirect("/"))
        if done is None or done.status != 302 or done.location != "/":
            return False
        home = self._timed("login", "login", "GET", "/", expect=_expect_status(200))
        if home is None or home.status != 200:
            return False
        # A browser with an empty cache fetches the stylesheet: from whitenoise, gzipped.
        match = STYLESHEET_RE.search(home.body)
        if not match:
            self.records.append(Record("login", "static", 0.0, home.status, "no stylesheet link on the home page"))
            return True
        css = self._timed(
            "login",
            "static",
            "GET",
            match.group(1),
            headers={"Accept": "text/css,*/*", "Accept-Encoding": "gzip"},
            expect=_expect_status(200),
        )
        if css is not None and css.status == 200:
            self.static_encodings[css.headers.get("content-encoding", "identity")] += 1
        return True

    def read(self) -> None:
        page = READ_PAGES[self.rng.randrange(len(READ_PAGES))]
        if page == "home":
            path = "/"
        elif page == "search":
            path = "/claims/?" + urlencode({"q": self.rng.choice(SEARCHES)})
        elif page == "claim":
            path = f"/claims/{self.rng.choice(self.claims)[1]}/"
        elif page == "source":
            path = f"/sources/{self.rng.choice(self.sources)}/"
        else:
            path = "/disputes/"
        self._timed(self.phase, "read", "GET", path, expect=_expect_status(200), page=page)

    def _marker(self) -> str:
        self.seq += 1
        return f"lb-{self.run_id}-{self.phase[0]}{self.index:02d}-{self.seq:05d}"

    def annotate(self) -> None:
        claim_pk, key = self.rng.choice(self.claims)
        marker = self._marker()
        form = {
            "csrfmiddlewaretoken": self.browser.token,
            "motivation": "comment",
            "quoted_passage": "",
            "body": f"Checked against the protocol ({marker}); the *date* differs from the memoir.",
        }
        pattern = re.compile(rf"^/claims/{re.escape(quote(key))}/#annotation-(\d+)$")
        response = self._timed(
            self.phase,
            "annotate",
            "POST",
            f"/annotations/on/claim/{claim_pk}/",
            form,
            expect=lambda r: (
                "" if r.status == 302 and pattern.match(r.location) else _describe(r, "the annotation's page")
            ),
        )
        write = Write("annotation", marker, self.account.username, claim_pk, None, _outcome(response))
        if write.outcome == "saved":
            match = pattern.match(response.location)
            if match:
                write.pk = int(match.group(1))
            else:
                write.outcome = "refused"
        self.writes.append(write)

    def grade(self) -> None:
        citation_pk, key, citation_version = self.rng.choice(self.citations)
        marker = self._marker()
        grade = self.rng.randint(1, 6)
        version = self.account.grade_versions.get(citation_pk)
        # As the form sends them: the version of one's own grade (0: none yet) and of the citation read.
        form = {
            "csrfmiddlewaretoken": self.browser.token,
            "grade": str(grade),
            "rationale": f"The witness was present ({marker}); graded {grade}.",
            "version": str(version or 0),
            "target_version": str(citation_version),
        }
        expected = f"/claims/{quote(key)}/#citation-{citation_pk}"
        response = self._timed(
            self.phase,
            "grade",
            "POST",
            f"/citations/{citation_pk}/grade/",
            form,
            expect=lambda r: "" if r.status == 302 and r.location == expected else _describe(r, "the citation's page"),
        )
        outcome = _outcome(response)
        if outcome == "saved" and response.location != expected:
            outcome = "refused"
        if outcome == "saved":
            self.account.grade_versions[citation_pk] = (version or 0) + 1
        self.writes.append(Write("grade", marker, self.account.username, citation_pk, grade, outcome))


def _outcome(response: Response | None) -> str:
    if response is None:
        return "unknown"
    return "saved" if response.status == 302 else "refused"


def _describe(response: Response, wanted: str) -> str:
    if response.status == 302:
        return f"redirected to {response.location.split('?')[0]} instead of {wanted}"
    if response.status == 200:
        return "form shown again (refused)"
    return f"HTTP {response.status}"


def _expect_status(status: int):
    return lambda r: (
        ""
        if r.status == status
        else (f"redirected to {r.location.split('?')[0]}" if r.status in (301, 302) else f"HTTP {r.status}")
    )


def _expect_redirect(location: str):
    return lambda r: (
        ""
        if r.status == 302 and r.location == location
        else (f"redirected to {r.location.split('?')[0]}" if r.status == 302 else f"HTTP {r.status}")
    )


def mix_for(accounts: list[Account]) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(reviewer mix, researcher mix) of read/annotate/grade such that the whole is 70/20/10."""
    reviewers = sum(a.reviewer for a in accounts)
    grade = GRADE_SHARE * len(accounts) / reviewers if reviewers else 0.0
    reviewer = (READ_SHARE, 1 - READ_SHARE - grade, grade)
    researchers = len(accounts) - reviewers
    annotate_left = ANNOTATE_SHARE * len(accounts) - reviewers * reviewer[1]
    researcher = (READ_SHARE, annotate_left / researchers if researchers else 0.0, 0.0)
    return reviewer, researcher


def run_phase(
    phase: str, accounts: list[Account], port: int, data, run_id: str, seed: str, seconds: float
) -> tuple[list[Researcher], float, float]:
    """Log every client in, then let them work for `seconds`; returns them, login time, work time."""
    reviewer_mix, researcher_mix = mix_for(accounts)
    start = threading.Event()
    logged_in = threading.Barrier(len(accounts) + 1)
    clients = [
        Researcher(
            i,
            a,
            port,
            data,
            run_id,
            seed,
            phase,
            reviewer_mix if a.reviewer else researcher_mix,
            start,
            seconds,
            logged_in,
        )
        for i, a in enumerate(accounts)
    ]
    began = time.perf_counter()
    for client in clients:
        client.start()
    logged_in.wait()
    login_seconds = time.perf_counter() - began
    began = time.perf_counter()
    start.set()
    for client in clients:
        client.join()
    return clients, login_seconds, time.perf_counter() - began


# --- Checking the database against what the clients were told ------------------------------


MARKER_RE = re.compile(r"lb-[0-9a-f]+-[a-z]\d+-\d+")


def verify(writes: list[Write], run_id: str, before: dict[str, int]) -> dict:
    from claims.models import User

    tag = f"lb-{run_id}-"
    lost: list[str] = []
    phantom: list[str] = []
    usernames = dict(User.objects.values_list("pk", "username"))
    grade_writes = [w for w in writes if w.kind == "grade"]
    _check_annotations(writes, tag, usernames, lost, phantom)
    _check_grade_history(grade_writes, tag, usernames, lost, phantom)
    _check_last_grades(grade_writes, usernames, lost, phantom)
    _check_nothing_else(tag, before, phantom)
    return {"lost": lost, "phantom": phantom}


def _told(write: Write) -> str:
    return "nothing (no answer)" if write.outcome == "unknown" else "it was not saved"


def _check_annotations(writes: list[Write], tag: str, usernames: dict, lost: list[str], phantom: list[str]) -> None:
    """Annotations: each saved one exactly once, as told; none that nobody was told was saved."""
    from claims.models import Annotation

    told = {w.marker: w for w in writes if w.kind == "annotation"}
    rows = defaultdict(list)
    for pk, body, author_id, claim_id in Annotation.objects.filter(body__contains=tag).values_list(
        "pk", "body", "author_id", "claim_id"
    ):
        rows[MARKER_RE.search(body).group(0)].append((pk, usernames.get(author_id), claim_id))
    for marker, write in told.items():
        found = rows.get(marker, [])
        if write.outcome == "saved":
            if (write.pk, write.username, write.target) not in found:
                lost.append(f"annotation {marker} (told saved as #{write.pk}) is not in the database as told")
            extra = len(found) - (1 if (write.pk, write.username, write.target) in found else 0)
            if extra:
                phantom.append(f"annotation {marker}: {extra} more row(s) than the one saved")
        elif found:
            phantom.append(f"annotation {marker}: {len(found)} row(s), but the client was told {_told(write)}")
    for marker in rows.keys() - told.keys():
        phantom.append(f"annotation {marker}: no client sent it")


def _check_grade_history(
    grade_writes: list[Write], tag: str, usernames: dict, lost: list[str], phantom: list[str]
) -> None:
    """Grades: each saved grade once in the history; none that nobody was told was saved."""
    from claims.models import CitationAssessment

    told_grades = {w.marker: w for w in grade_writes}
    history = defaultdict(list)
    for citation_id, reviewer_id, grade, rationale in CitationAssessment.history.filter(
        rationale__contains=tag
    ).values_list("citation_id", "reviewer_id", "grade", "rationale"):
        history[MARKER_RE.search(rationale).group(0)].append((usernames.get(reviewer_id), citation_id, grade))
    for marker, write in told_grades.items():
        found = history.get(marker, [])
        as_told = (write.username, write.target, write.grade)
        if write.outcome == "saved":
            if as_told not in found:
                lost.append(
                    f"grade {marker} ({write.username}, citation {write.target}: {write.grade}) "
                    "is not in the grade's history"
                )
            if len(found) > 1:
                phantom.append(f"grade {marker}: saved {len(found)} times")
        elif found:
            phantom.append(f"grade {marker}: in the history, but the client was told {_told(write)}")
    for marker in history.keys() - told_grades.keys():
        phantom.append(f"grade {marker}: in the history, but no client sent it")


def _check_last_grades(grade_writes: list[Write], usernames: dict, lost: list[str], phantom: list[str]) -> None:
    """Each reviewer's grade of a citation is the last one they were told was saved."""
    from claims.models import CitationAssessment

    last_saved = {}
    for write in grade_writes:  # in each client's order; one client per account
        if write.outcome == "saved":
            last_saved[(write.username, write.target)] = write
    bench_reviewers = {w.username for w in grade_writes}
    final = {
        (usernames.get(r), c): (g, MARKER_RE.search(rationale or ""))
        for r, c, g, rationale in CitationAssessment.objects.filter(reviewer__username__in=bench_reviewers).values_list(
            "reviewer_id", "citation_id", "grade", "rationale"
        )
    }
    for pair, write in last_saved.items():
        grade, marker = final.get(pair, (None, None))
        if grade != write.grade or marker is None or marker.group(0) != write.marker:
            lost.append(
                f"{pair[0]}'s grade of citation {pair[1]} is "
                f"{'missing' if grade is None else f'{grade} ({marker.group(0) if marker else marker})'}, "
                f"not the last one saved: {write.grade} ({write.marker})"
            )
    for pair in final.keys() - last_saved.keys():
        phantom.append(f"{pair[0]} has a grade of citation {pair[1]} that no client was told was saved")


def _check_nothing_else(tag: str, before: dict[str, int], phantom: list[str]) -> None:
    """Nothing else written: each table grew by the rows carrying this run's markers, no more."""
    from claims.models import Annotation, CitationAssessment

    after = table_counts()
    marked = {
        Annotation._meta.label: Annotation.objects.filter(body__contains=tag).count(),
        Annotation.history.model._meta.label: Annotation.history.filter(body__contains=tag).count(),
        CitationAssessment._meta.label: CitationAssessment.objects.filter(rationale__contains=tag).count(),
        CitationAssessment.history.model._meta.label: CitationAssessment.history.filter(
            rationale__contains=tag
        ).count(),
    }
    for label, count in sorted(after.items()):
        grew = count - before.get(label, 0)
        if grew != marked.get(label, 0):
            phantom.append(f"{label}: {grew:+d} rows, {marked.get(label, 0)} of them from this run's clients")


# --- Figures ------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def latency_row(name: str, records: list[Record], total: int) -> str:
    values = sorted(r.seconds * 1000 for r in records)
    share = f"{len(values) / total:6.1%}" if total else "     -"
    return (
        f"  {name:<10} {len(values):>8,} {share} {percentile(values, 50):>9.1f} "
        f"{percentile(values, 95):>9.1f} {percentile(values, 99):>9.1f}"
    )


def phase_figures(records: list[Record], seconds: float) -> dict:
    values = sorted(r.seconds * 1000 for r in records)
    return {
        "requests": len(values),
        "seconds": seconds,
        "rps": len(values) / seconds if seconds else 0.0,
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
    }


# --- Main ---------------------------------------------------------------------------------


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50, help="concurrent researchers (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long they work (default %(default)s)")
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=10.0,
        help="one client alone first, for the ratios (default %(default)s; 0: none)",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help="default %(default)s")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default %(default)s)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default %(default)s)")
    parser.add_argument("--seed", default="1937", help="random seed of the clients' choices (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the database (and print where it is)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.baseline_seconds < 0:
        parser.error("--clients must be at least 1 and --seconds more than 0")
    return args


@dataclass
class Measured:
    """What the clients did: all of them (the baseline's and the crowd's), the crowd, and the
    load phase's requests and figures."""

    clients: list[Researcher]
    crowd: list[Researcher]
    baseline: dict | None
    login_seconds: float
    seconds: float
    records: list[Record] = field(init=False)
    writes: list[Write] = field(init=False)
    load: list[Record] = field(init=False)
    figures: dict = field(init=False)

    def __post_init__(self) -> None:
        self.records = [r for c in self.clients for r in c.records]
        self.writes = [w for c in self.clients for w in c.writes]
        self.load = [r for r in self.records if r.phase == "load"]
        self.figures = phase_figures(self.load, self.seconds)


def _prepare(args, run_id: str, server: subprocess.Popen, port: int, log_path: Path, times: dict) -> tuple:
    """The accounts made while gunicorn starts, what the clients work on, the tables' counts
    before; prints the setup. Returns (accounts, data, before)."""
    from django.db import connections

    started = time.perf_counter()
    accounts = create_accounts(args.clients, run_id)  # while gunicorn starts
    times["accounts"] = time.perf_counter() - started
    data = targets()
    before = table_counts()
    connections.close_all()
    times["gunicorn ready"] = wait_until_answers(server, port, log_path) + times["accounts"]
    reviewers = sum(a.reviewer for a in accounts)
    print(
        f"Load: {args.clients} clients ({reviewers} reviewers, {args.clients - reviewers} researchers) "
        f"for {args.seconds:g} s; gunicorn {args.workers} workers x {args.threads} threads (gthread) "
        f"on {HOST}:{port}, PostgreSQL database {database_name(args.database_url)}, DEBUG=0, static files by whitenoise"
    )
    print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return accounts, data, before


def _phases(args, accounts: list[Account], port: int, data, run_id: str) -> Measured:
    """One client alone first (unless --baseline-seconds 0), then all of them."""
    clients: list[Researcher] = []
    baseline = None
    if args.baseline_seconds:
        alone, _, seconds = run_phase("baseline", accounts[:1], port, data, run_id, args.seed, args.baseline_seconds)
        clients += alone
        baseline = phase_figures([r for c in alone for r in c.records if r.phase == "baseline"], seconds)
    crowd, login_seconds, seconds = run_phase("load", accounts, port, data, run_id, args.seed, args.seconds)
    clients += crowd
    return Measured(clients, crowd, baseline, login_seconds, seconds)


def _errors(records: list[Record], failed_logins: int, problems: list[str]) -> Counter:
    errors = Counter(f"{r.phase} {r.action}: {r.error}" for r in records if r.error)
    if failed_logins:
        errors[f"django-axes recorded {failed_logins} failed login(s)"] += failed_logins
    for line in problems:
        errors[f"gunicorn log: {line[:120]}"] += 1
    return errors


def _print_clients(args, measured: Measured, failed_logins: int) -> Counter:
    """The logins and the stylesheet's requests; returns the stylesheet's encodings."""
    logins = [r for c in measured.crowd for r in c.records if r.action == "login"]
    print(
        f"logins: {args.clients} clients logged in within {measured.login_seconds:.1f} s "
        f"({len(logins)} requests: login page, POST, home); django-axes failed attempts: {failed_logins}"
    )
    statics: Counter = Counter()
    for c in measured.clients:
        statics.update(c.static_encodings)
    print(
        f"static: {sum(statics.values())} GET of the stylesheet, 200 from whitenoise, Content-Encoding "
        + ", ".join(f"{k} x{v}" for k, v in sorted(statics.items()))
    )
    return statics


def _print_latencies(measured: Measured) -> None:
    load, figures = measured.load, measured.figures
    print(f"requests: {figures['requests']:,} in {measured.seconds:.1f} s = {figures['rps']:.1f} requests/s")
    print(f"  {'kind':<10} {'count':>8} {'share':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    print(latency_row("read", [r for r in load if r.action == "read"], len(load)))
    for page in READ_PAGES:
        print(latency_row(f"  {page}", [r for r in load if r.action == "read" and r.page == page], len(load)))
    for action in ("annotate", "grade"):
        print(latency_row(action, [r for r in load if r.action == action], len(load)))
    print(latency_row("all", load, len(load)))
    per_client = sorted(sum(1 for r in c.records if r.phase == "load") for c in measured.crowd)
    print(
        f"requests per client: fewest {per_client[0]:,}, median {per_client[len(per_client) // 2]:,}, "
        f"most {per_client[-1]:,}"
    )


def _print_baseline(args, baseline: dict, figures: dict) -> None:
    print(
        f"baseline, one client alone for {baseline['seconds']:.1f} s: {baseline['requests']:,} requests "
        f"= {baseline['rps']:.1f} requests/s, p50 {baseline['p50_ms']:.1f} ms, "
        f"p95 {baseline['p95_ms']:.1f} ms, p99 {baseline['p99_ms']:.1f} ms"
    )
    print(
        f"against it: {figures['rps'] / baseline['rps']:.1f}x the requests/s with "
        f"{args.clients} clients; p50 latency {figures['p50_ms'] / baseline['p50_ms']:.1f}x, "
        f"p99 {figures['p99_ms'] / baseline['p99_ms']:.1f}x"
    )


def _print_writes(writes: list[Write]) -> Counter:
    """What the clients were told of their writes; returns the count of each (kind, outcome)."""
    outcomes = Counter((w.kind, w.outcome) for w in writes)
    revisions = sum(1 for w in writes if w.kind == "grade" and w.outcome == "saved") - len(
        {(w.username, w.target) for w in writes if w.kind == "grade" and w.outcome == "saved"}
    )
    print(
        f"writes told saved: {outcomes['annotation', 'saved']:,} annotations, "
        f"{outcomes['grade', 'saved']:,} grades ({revisions:,} of them revisions of the reviewer's own grade); "
        f"refused: {outcomes['annotation', 'refused'] + outcomes['grade', 'refused']}, "
        f"no answer: {outcomes['annotation', 'unknown'] + outcomes['grade', 'unknown']}"
    )
    return outcomes


def _print_problems(errors: Counter, lost: list[str], phantom: list[str]) -> None:
    print(f"errors: {sum(errors.values())}")
    for kind, count in errors.most_common():
        print(f"  {count:>6} {kind}")
    print(f"lost writes: {len(lost)}")
    for line in lost[:20]:
        print(f"  {line}")
    print(f"phantom writes: {len(phantom)}")
    for line in phantom[:20]:
        print(f"  {line}")


def _write_json(
    path: Path, args, measured: Measured, errors: Counter, checked: dict, outcomes, statics, passed
) -> None:
    lost, phantom = checked["lost"], checked["phantom"]
    path.write_text(
        json.dumps(
            {
                **measured.figures,
                "clients": args.clients,
                "baseline": measured.baseline,
                "errors": sum(errors.values()),
                "errors_by_kind": dict(errors),
                "lost": len(lost),
                "phantom": len(phantom),
                "lost_detail": lost,
                "phantom_detail": phantom,
                "writes": {f"{k} {o}": n for (k, o), n in outcomes.items()},
                "static_encodings": dict(statics),
                "passed": passed,
            },
            indent=2,
        )
    )


def _load_test(args, run_id: str, server: subprocess.Popen, port: int, log_path: Path, times: dict) -> int:
    """The clients at work, the database checked, the figures printed; returns the exit status."""
    from axes.models import AccessAttempt
    from django.db import connections

    accounts, data, before = _prepare(args, run_id, server, port, log_path, times)
    measured = _phases(args, accounts, port, data, run_id)
    stop_gunicorn(server)

    failed_logins = AccessAttempt.objects.count()
    problems = server_log_problems(log_path)
    checked = verify(measured.writes, run_id, before)
    connections.close_all()
    errors = _errors(measured.records, failed_logins, problems)

    statics = _print_clients(args, measured, failed_logins)
    _print_latencies(measured)
    if measured.baseline:
        _print_baseline(args, measured.baseline, measured.figures)
    outcomes = _print_writes(measured.writes)
    _print_problems(errors, checked["lost"], checked["phantom"])
    passed = (
        sum(errors.values()) == 0
        and not checked["lost"]
        and not checked["phantom"]
        and measured.figures["requests"] > 0
    )
    print(f"{'PASS' if passed else 'FAIL'} (target: 0 errors, 0 lost, 0 phantom writes)")
    if problems:
        print("gunicorn's log ends:\n" + log_tail(log_path))
    if args.json:
        _write_json(args.json, args, measured, errors, checked, outcomes, statics, passed)
    return 0 if passed else 1


def _clean_up(args, server: subprocess.Popen | None, static_root: str) -> None:
    """gunicorn stopped, the static files removed, the database dropped unless --keep."""
    if server is not None:
        stop_gunicorn(server)
    shutil.rmtree(static_root, ignore_errors=True)
    if args.keep:
        print(f"kept the database {database_name(args.database_url)} ({args.database_url})")
    else:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have started
            pass
        drop_database(args.database_url)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    check_database_url(args.database_url)
    run_id = secrets.token_hex(3)
    static_root = tempfile.mkdtemp(prefix="annotator-load-static-")
    log_path = Path(static_root) / "gunicorn.log"
    env = production_environment(args.database_url, static_root)
    create_database(args.database_url)
    server = None
    try:
        os.environ.clear()
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

        times = setup_database()
        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads, log_path)
        return _load_test(args, run_id, server, port, log_path, times)
    finally:
        _clean_up(args, server, static_root)


if __name__ == "__main__":
    sys.exit(main())
