"""How the instructor dashboard scales with the size of a cohort.

Builds the demo class (classroom.demo: realistic progress, quiz answers, lab checks, predictions and
deployments) at each size in turn, then times each page end to end through Django (the median of
--runs requests: queries, Python and template) and the two CSV exports (time, and the peak of Python
memory while streaming, measured with tracemalloc in a separate run). Targets: every page under
300 ms at 1,000 learners, cost growing no faster than the number of learners.

    .venv/bin/python bench/bench_dashboard.py [--sizes 100,1000,10000] [--runs 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty db> .venv/bin/python bench/bench_dashboard.py

Without DATABASE_URL it uses a throw-away SQLite file; with it, the database must be empty (it is
migrated and filled here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from classroom.demo import build_cohort  # noqa: E402
from classroom.models import Cohort  # noqa: E402
from courseware.models import Attempt, LearningEvent, Response  # noqa: E402
from courseware.roles import make_instructor  # noqa: E402

TARGET_MS = 300.0


def pages(cohort: Cohort) -> dict[str, str]:
    learner = (Attempt.objects.filter(user__cohort_memberships__cohort=cohort, submitted_at__isnull=False)
               .order_by("user__username").values_list("user_id", flat=True).first())
    pk = cohort.pk
    return {
        "overview": reverse("cohort", args=[pk]),
        "roster": reverse("cohort_roster", args=[pk]),
        "roster, sorted and filtered": reverse("cohort_roster", args=[pk]) + "?sort=-lessons_done&status=on-track",
        "roster, search": reverse("cohort_roster", args=[pk]) + "?q=silva",
        "learner page": reverse("cohort_learner", args=[pk, learner]),
        "quizzes": reverse("cohort_quizzes", args=[pk]),
        "item analysis (front door)": reverse("cohort_item_analysis", args=[pk, "front-door"]),
        "item analysis (final, all)": reverse("cohort_item_analysis", args=[pk, "final"]) + "?attempts=all",
        "labs": reverse("cohort_labs", args=[pk]),
    }


def time_page(client: Client, url: str, runs: int) -> tuple[float, int]:
    samples, queries = [], 0
    for n in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    return statistics.median(samples), queries


def time_export(client: Client, url: str) -> tuple[float, float, int, int]:
    """(seconds, peak MiB of Python memory, bytes, rows) for one streamed export."""
    started = time.perf_counter()
    size = rows = 0
    for chunk in client.get(url).streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    tracemalloc.start()
    for _ in client.get(url).streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, size, rows


def analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    vendor = connection.vendor
    print(f"Dashboard benchmark on {vendor} ({connection.settings_dict['NAME']}), median of {args.runs} requests")
    call_command("migrate", verbosity=0)
    call_command("sync_content", verbosity=0)
    owner, _ = User.objects.get_or_create(username="bench-instructor")
    make_instructor(owner)
    client = Client()
    client.force_login(owner)
    results: dict[int, dict[str, float]] = {}
    for n in sizes:
        started = time.perf_counter()
        cohort = build_cohort(owner, n, password="bench", prefix="bench", seed=12)
        analyse()
        built = time.perf_counter() - started
        print(f"\nN = {n:,} learners (grown in {built:.0f} s): {Attempt.objects.count():,} attempts, "
              f"{Response.objects.count():,} answers, {LearningEvent.objects.count():,} learning events")
        results[n] = {}
        for name, url in pages(cohort).items():
            client.get(url)  # warm: templates compiled, connection open
            ms, queries = time_page(client, url, args.runs)
            results[n][name] = ms
            flag = "" if n > 1000 or ms < TARGET_MS else f"  over the {TARGET_MS:.0f} ms target"
            print(f"  {name:<30} {ms:8.1f} ms  {queries:2d} queries{flag}")
        for name, url in (("gradebook.csv", reverse("cohort_gradebook_csv", args=[cohort.pk])),
                          ("responses.csv", reverse("cohort_responses_csv", args=[cohort.pk]))):
            seconds, peak, size, rows = time_export(client, url)
            results[n][name] = seconds * 1000
            print(f"  {name:<30} {seconds * 1000:8.1f} ms  {rows - 1:,} rows, {size / 2**20:.1f} MiB, "
                  f"peak Python memory {peak:.1f} MiB")
    if len(sizes) > 1:
        print("\nGrowth from the smallest to the largest cohort (time ratio / learner ratio; 1.0 = linear):")
        small, large = sizes[0], sizes[-1]
        for name in results[small]:
            ratio = results[large][name] / results[small][name]
            print(f"  {name:<30} x{ratio:6.1f} for x{large / small:.0f} learners ({ratio / (large / small):.2f})")


if __name__ == "__main__":
    main()
