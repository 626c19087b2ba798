"""Benchmark of the claim list's search at 1k and 100k claims (issue 11, point 2).

    .venv/bin/python bench/search_bench.py [--rows 1000,100000] [--database-url URL]

For each size: a fresh database (default: a throwaway SQLite file; on PostgreSQL pass the URL
of a database made for this: it is flushed), 500 sources and the generated claims of
bench/csv_bench.py imported through claims_import (so through the import's index writing),
with one person named on 8% of the claims (8,000 of 100,000). Then `/claims/?q=Тухачевский`
and a few other searches are requested as a researcher (Django's test client, the whole
view and template), each the best of 5, with the SQL statements they ran; and the query
plans of the search's statements are printed. Targets: <= 300 ms at 100k, <= 1.3x the time
at 1k, the same number of statements.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import csv_bench  # noqa: E402  (its generated data)

URLS = [
    "/claims/?q=Тухачевский",
    "/claims/?q=тухачевского",
    "/claims/?q=Tukhachevsky&sort=date",
    "/claims/?q=Tukh",
    "/claims/?q=chevsk",
    "/claims/?q=маршал+арестован",
    "/claims/?q=Тухачевский&page=200",
]
TARGET_MS, TARGET_RATIO = 300, 1.3
NAMED = "Тухачевский, Михаил Николаевич"


def _without_him(text: str) -> str:
    return text.replace("Тухачевский", "Каменев").replace("Tukhachevsky", "Kamenev")


def make_files(workdir: Path, rows: int) -> tuple[Path, Path]:
    """csv_bench's files, with the one man (whom its generated texts, names and titles use
    freely) named on 8% of the claims and nowhere else."""
    import csv
    import io

    info = csv_bench.generate(workdir, [rows])
    rng = random.Random(11)
    for path in (Path(info["sources"]), Path(info["claims"][rows])):
        table = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header, body = table[0], [[_without_him(cell) for cell in row] for row in table[1:]]
        if path.name.startswith("claims"):
            people = header.index("people")
            for n in rng.sample(range(len(body)), len(body) * 8 // 100):
                body[n][people] = NAMED
        path.write_bytes(csv_bench._csv_bytes(header, body))
    return Path(info["sources"]), Path(info["claims"][rows])


def phase(args) -> dict:
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # (the test client speaks http, as in the test suite)
    csv_bench._setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claims.csv.claims_csv import claims_import
    from claims.csv.sources_csv import sources_import
    from claims.models import Claim, User
    from claims.roles import Role
    from claims.search import query
    from claims.selectors.lists import ClaimFilters, claim_search

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    actor = User.objects.create_user("bench", password=None, is_staff=True, is_superuser=True)
    assert sources_import(actor=actor, data=Path(args.sources).read_bytes()).ok
    started = time.perf_counter()
    report = claims_import(actor=actor, data=Path(args.claims).read_bytes())
    imported = time.perf_counter() - started
    assert report.ok, report.errors[:3]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    from django.contrib.auth.models import Group

    reader = User.objects.create_user("reader", password=None)
    reader.groups.add(Group.objects.get_or_create(name=Role.RESEARCHER.value)[0])  # (flush emptied it)
    client = Client()
    client.force_login(reader)
    out = {"claims": Claim.objects.count(), "import_s": round(imported, 2), "urls": {}}
    for url in URLS:
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        count = response.content.decode().split('class="result-count" role="status">')[1].split(" claim")[0].strip()
        out["urls"][url] = {"ms": round(min(times) * 1000, 1), "queries": len(captured), "found": count}
    match = query.parse("Тухачевский")
    ordered = claim_search(filters=ClaimFilters(q="Тухачевский", sort="relevance"), match=match)
    ids = ordered.values_list("pk", flat=True)[:25]
    plans = {}
    for label, qs in [("count", ordered.order_by()), ("page of ids by relevance", ids)]:
        sql, params = qs.query.sql_with_params()
        if label == "count":
            sql, params = f"SELECT COUNT(*) FROM ({sql}) counted", params
        with connection.cursor() as cursor:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
            cursor.execute(explain + sql, params)
            plans[label] = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    out["plans"] = plans
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,100000")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sources", help=argparse.SUPPRESS)
    parser.add_argument("--claims", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args)))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="search_bench_") as tmp:
        for rows in [int(r) for r in args.rows.split(",")]:
            workdir = Path(tmp) / str(rows)
            workdir.mkdir()
            sources, claims = make_files(workdir, rows)
            url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--phase",
                    "--database-url",
                    url,
                    "--sources",
                    str(sources),
                    "--claims",
                    str(claims),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                sys.exit(done.stderr)
            results[rows] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{rows:,} claims (imported in {results[rows]['import_s']} s):")
            for page, figures in results[rows]["urls"].items():
                print(f"  {page:45} {figures['ms']:8.1f} ms  {figures['queries']:3} queries  {figures['found']} found")
            for label, plan in results[rows]["plans"].items():
                print(f"  plan of the {label}:")
                for line in plan:
                    print(f"      {line}")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = results[sizes[0]]["urls"], results[sizes[-1]]["urls"]
        for page in URLS:
            ratio = large[page]["ms"] / small[page]["ms"]
            verdict = "PASS" if large[page]["ms"] <= TARGET_MS and ratio <= TARGET_RATIO else "MISS"
            same = "same queries" if large[page]["queries"] == small[page]["queries"] else "QUERIES DIFFER"
            print(
                f"{page:45} {large[page]['ms']:7.1f} ms at {sizes[-1]:,}, {ratio:4.2f}x {sizes[0]:,}: "
                f"{verdict} (<= {TARGET_MS} ms, <= {TARGET_RATIO}x), {same}"
            )


if __name__ == "__main__":
    main()
