"""Sandbox requests per second through the invoke URL, against a bare Django view in the same run.

Both go through the whole Django stack (every middleware, the URL resolver) with Django's test client
on a throw-away SQLite database, so the ratio shows what the sandbox adds: the row lock, loading and
storing its state, the gateway's pipeline and the execution log. Target: at least half a bare view's
rate. Also prints the time to deploy a 300-route design to a sandbox from the web side.

    .venv/bin/python bench/bench_invoke.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
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
os.environ["SANDBOX_REQUESTS_PER_10S"] = "100000000"  # the real-time limit would stop the benchmark

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from bench_apigw import build_design  # noqa: E402
from labs import catalog, sandboxes  # noqa: E402
from labs.models import LabAttempt, LabSandbox  # noqa: E402

urlpatterns = [path("bare/", lambda request: HttpResponse("ok")), path("", include("config.urls"))]


def rate(client: Client, url: str, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.get(url)
        assert response.status_code < 500, response.status_code
        count += 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="bench-password-123")
    design = catalog.scenarios()["rest-order-service"].reference_solution
    attempt = LabAttempt.objects.create(user=user, scenario="rest-order-service", design=design.to_dict())
    sandboxes.deploy(attempt, design)
    key = LabSandbox.objects.get(attempt=attempt).key
    big = LabAttempt.objects.create(user=user, scenario="", design=build_design("rest").to_dict())
    started = time.perf_counter()
    sandboxes.deploy(big, build_design("rest"))
    deploy_ms = (time.perf_counter() - started) * 1000
    client = Client()
    with override_settings(ROOT_URLCONF=__name__):
        rate(client, "/bare/", 0.3)  # warm up
        bare = rate(client, "/bare/", seconds)
        sandbox = rate(client, f"/sandbox/{key}/prod/orders", seconds)
    print(f"bare Django view         {bare:8.0f} requests/s")
    print(f"sandbox invoke URL       {sandbox:8.0f} requests/s   ratio {sandbox / bare:.2f} (target >= 0.50)")
    print(f"deploy 300 routes (web)  {deploy_ms:8.1f} ms           (target < 200 ms)")


if __name__ == "__main__":
    main()
