"""How fast the guided builder answers when a learner leaves a field (target: well under 100 ms).

Times the htmx "check" request end to end through Django (form binding, saving the draft, the rules,
the objectives, the diagram, the four exports and the HTML), for a small lab design and for a
300-route design, on a throw-away SQLite database.

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
from labs import views  # noqa: E402
from labs.models import LabAttempt  # noqa: E402
from tests.labs_support import post_data  # noqa: E402

TARGET_MS = 100.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-password-123")
    client = Client()
    client.force_login(user)
    cases = [
        ("lab: http-jwt-cors", "http-jwt-cors", views._scenarios()["http-jwt-cors"].reference_solution),
        ("300 routes, REST", "rest-order-service", build_design("rest")),
    ]
    print(f"Builder check request, median of {runs} (target < {TARGET_MS:.0f} ms)")
    print(f"{'design':<22}{'step':<14}{'median':>10}")
    worst = 0.0
    for label, slug, design in cases:
        attempt = LabAttempt.objects.create(user=user, scenario=slug, design=design.to_dict())
        for step in ("api", "routes", "integrations", "stages"):
            median = time_check(client, attempt, step, post_data(step, design), runs)
            worst = max(worst, median)
            print(f"{label:<22}{step:<14}{median:>8.1f}ms")
        attempt.delete()
    print("all under target" if worst < TARGET_MS else f"SLOWEST {worst:.1f} ms is over the target")


if __name__ == "__main__":
    main()
