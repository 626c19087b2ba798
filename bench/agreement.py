"""Benchmark of reviewer agreement (/agreement/, /agreement.json) at 2,000, 20,000 and 200,000 grades (issue 14, point 1).

    .venv/bin/python bench/agreement.py [--grades 2000,20000,200000] [--database-url URL]

An aggregate reads every grade it is made of, so computing it costs more with every grade: the
background job (services.agreement_figures_refresh, every scope at once) pays that, and the
pages read what it stored. This measures both. For each size: a fresh database (default: a
throwaway SQLite file; on PostgreSQL pass the URL of a database made for this: it is flushed),
12 reviewers, two topics of 10 claims, and the grades in bulk: half of them of sources, half of
citations, each source or citation graded by 3 reviewers (a true grade give or take a step, now
and then F or 6, a few citation grades outdated). Then, each the best of 5 (the job: of 3) with
its SQL statements: the job, the selector computing one scope now (aggregates, and with the
breakdown), `/agreement.json`, `/agreement/` as a blind reviewer and as an editor, and a
topic's. Last, the time at the largest size against the smallest (the ratio) and whether the
statements are the same: the pages' should stay about 1x with the same statements; the job's
and the selector's grow with the grades. Not part of `make test`."""

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

import csv_bench  # noqa: E402  (its Django setup)

REVIEWERS, PER_UNIT, CLAIMS_PER_TOPIC = 12, 3, 10
TOPIC = "topic-1"


def seed(grades: int) -> None:
    from django.contrib.auth.models import Group

    from claims import services
    from claims.models import Citation, CitationAssessment, Source, SourceAssessment, User
    from claims.roles import Role

    rng = random.Random(14)
    actor = User.objects.create_user("bench", password=None, is_staff=True, is_superuser=True)
    group = Group.objects.get_or_create(name=Role.REVIEWER.value)[0]  # (flush emptied it)
    reviewers = [User.objects.create_user(f"reviewer_{i}", password=None) for i in range(REVIEWERS)]
    group.user_set.add(*reviewers)
    claims = [
        services.claim_create(actor=actor, key=f"claim-{t}-{c}", topic=topic, statement=f"Claim {c} of topic {t}.")
        for t, topic in enumerate(services.topic_create(actor=actor, title=f"Topic {t}") for t in (1, 2))
        for c in range(CLAIMS_PER_TOPIC)
    ]
    units = grades // 2 // PER_UNIT
    sources = Source.objects.bulk_create(
        Source(key=f"source-{i}", kind=Source.Kind.MONOGRAPH, level=Source.Level.SECONDARY, title=f"Book {i}")
        for i in range(units)
    )
    citations = Citation.objects.bulk_create(
        Citation(claim=claims[i % len(claims)], source=sources[i], locator=f"p. {i}") for i in range(units)
    )

    def graded(unit: int) -> list[tuple[User, int]]:
        truth = rng.randint(1, 5)
        return [(r, min(5, max(1, truth + rng.choice((-1, 0, 0, 0, 1))))) for r in rng.sample(reviewers, PER_UNIT)]

    SourceAssessment.objects.bulk_create(
        SourceAssessment(source=s, reviewer=r, grade="F" if rng.random() < 0.03 else "ABCDE"[v - 1], rationale="Bench.")
        for s in sources
        for r, v in graded(s.pk)
    )
    CitationAssessment.objects.bulk_create(
        CitationAssessment(
            citation=c,
            reviewer=r,
            grade=6 if rng.random() < 0.03 else v,
            outdated=rng.random() < 0.02,
            rationale="Bench.",
        )
        for c in citations
        for r, v in graded(c.pk)
    )


def best_of(times: int, call) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    spent = []
    for _ in range(times):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            spent.append(time.perf_counter() - started)
    return round(min(spent) * 1000, 1), len(captured)


def phase(args) -> dict:
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # (the test client speaks http, as in the test suite)
    csv_bench._setup_django(args.database_url)
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from claims.models import CitationAssessment, SourceAssessment, User
    from claims.roles import Role
    from claims.selectors import agreement

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    started = time.perf_counter()
    seed(args.grades)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    editor = User.objects.create_user("editor", password=None)
    editor.groups.add(Group.objects.get_or_create(name=Role.EDITOR.value)[0])
    clients = {}
    for name, user in (("reviewer", User.objects.get(username="reviewer_0")), ("editor", editor)):
        clients[name] = Client()
        clients[name].force_login(user)

    def get(who: str, url: str):
        def call():
            response = clients[who].get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    from claims import services

    refreshed = best_of(3, services.agreement_figures_refresh)
    timed = {
        "selector, aggregates": agreement.agreement,
        "selector, with the breakdown": lambda: agreement.agreement(breakdown=True),
        "/agreement.json": get("reviewer", "/agreement.json"),
        "/agreement/ (blind reviewer)": get("reviewer", "/agreement/"),
        "/agreement/ (editor)": get("editor", "/agreement/"),
        f"/agreement/?topic={TOPIC} (editor)": get("editor", f"/agreement/?topic={TOPIC}"),
    }
    out = {
        "grades": SourceAssessment.objects.count() + CitationAssessment.objects.count(),
        "seed_s": round(seeded, 1),
        "figures": json.loads(clients["reviewer"].get("/agreement.json").content),
        "timed": {"job: every scope computed and stored": {"ms": refreshed[0], "queries": refreshed[1]}},
    }
    for label, call in timed.items():
        ms, queries = best_of(5, call)
        out["timed"][label] = {"ms": ms, "queries": queries}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grades", default="2000,20000,200000")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        args.grades = int(args.grades)
        print(json.dumps(phase(args)))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="agreement_bench_") as tmp:
        for grades in [int(g) for g in args.grades.split(",")]:
            url = args.database_url or f"sqlite:///{Path(tmp) / f'bench-{grades}.sqlite3'}"
            done = subprocess.run(
                [sys.executable, __file__, "--phase", "--grades", str(grades), "--database-url", url],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                sys.exit(done.stderr)
            results[grades] = result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{result['grades']:,} grades (seeded in {result['seed_s']} s):")
            for scale, figures in result["figures"].items():
                print(f"  {scale:22} {figures}")
            for label, figures in result["timed"].items():
                print(f"  {label:40} {figures['ms']:8.1f} ms  {figures['queries']:3} queries")
    sizes = sorted(results)
    if len(sizes) > 1:
        small, large = results[sizes[0]]["timed"], results[sizes[-1]]["timed"]
        grew = results[sizes[-1]]["grades"] / results[sizes[0]]["grades"]
        print(f"{sizes[-1]:,} against {sizes[0]:,} grades ({grew:.1f}x the grades):")
        for label in small:
            same = "same queries" if large[label]["queries"] == small[label]["queries"] else "QUERIES DIFFER"
            ratio = large[label]["ms"] / small[label]["ms"]
            print(f"  {label:40} {small[label]['ms']:8.1f} -> {large[label]['ms']:8.1f} ms  {ratio:5.2f}x  {same}")


if __name__ == "__main__":
    main()
