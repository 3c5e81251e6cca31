"""How fast the guided builder answers when a learner leaves a field or opens a step.

Times the htmx "check" request end to end through Django (form binding, saving the draft, the rules,
the objectives, the diagram, the four exports and the HTML) and the step page itself, on every step,
for a small lab design (target: under 100 ms) and for a 300-route design (target: under 150 ms), on a
throw-away SQLite database.

    .venv/bin/python bench/bench_builder.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench_apigw import build_design  # noqa: E402
from labs import catalog  # noqa: E402
from labs.builder import STEP_IDS  # noqa: E402
from labs.models import LabAttempt  # noqa: E402
from tests.labs_support import post_data  # noqa: E402

TARGETS_MS = {"lab": 100.0, "300 routes": 150.0}


def time_check(client: Client, attempt: LabAttempt, step: str, data: dict, runs: int) -> float:
    url = reverse("labs:check", args=[attempt.pk, step])
    samples = []
    for n in range(runs):
        data = {**data, "page": "bench", "seq": str(n + 1)}
        started = time.perf_counter()
        response = client.post(url, data, HTTP_HX_REQUEST="true")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(samples)


def time_page(client: Client, attempt: LabAttempt, step: str, runs: int) -> float:
    url = reverse("labs:builder", args=[attempt.pk, step])
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-password-123")
    client = Client()
    client.force_login(user)
    cases = [
        ("lab", "lab: http-jwt-cors", "http-jwt-cors", catalog.scenarios()["http-jwt-cors"].reference_solution),
        ("300 routes", "300 routes, REST", "rest-order-service", build_design("rest")),
    ]
    print(f"Builder requests, median of {runs} (targets: lab < 100 ms, 300 routes < 150 ms)")
    print(f"{'design':<22}{'step':<14}{'check':>10}{'page':>10}")
    over = []
    for kind, label, slug, design in cases:
        attempt = LabAttempt.objects.create(user=user, scenario=slug, design=design.to_dict())
        for step in STEP_IDS:
            check = time_check(client, attempt, step, post_data(step, design), runs)
            page = time_page(client, attempt, step, runs)
            print(f"{label:<22}{step:<14}{check:>8.1f}ms{page:>8.1f}ms")
            over += [f"{label} {step} {what} {ms:.0f} ms" for what, ms in (("check", check), ("page", page))
                     if ms >= TARGETS_MS[kind]]
        attempt.delete()
    print("all under target" if not over else "OVER TARGET: " + "; ".join(over))


if __name__ == "__main__":
    main()
