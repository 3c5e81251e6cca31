"""Sandbox requests per second through the invoke URL, against a bare Django view in the same run.

Both go through the whole Django stack (every middleware, the URL resolver) with Django's test client,
in production mode (DEBUG off: no query logging), so the ratio shows what the sandbox adds: the row
lock, reading and writing its state, the gateway's pipeline, the execution log and the per-learner rate
limit. The request is the reference solution of the REST order lab with a Cognito token: authorizer,
throttling, a Lambda proxy integration, a 200. Target: at least half a bare view's rate. Also prints the
time to deploy a 300-route design to a sandbox from the web side (target under 200 ms) and the queries
one invoke-URL request makes.

SQLite (a throw-away file) by default; ``DATABASE_URL=postgres://...`` (the database is created when
missing) and ``REDIS_URL`` measure the several-app-servers set-up.

``--server`` measures the same two URLs the way callers meet them: served by gunicorn with the
production settings (``config/gunicorn.conf.py``, sync workers) and called over HTTP by ``--clients``
threads at once, each request on a new connection, as curl makes it. The HTTP server's own work (the
socket, parsing, the worker) is then in both rates, as it is for every real caller.

    .venv/bin/python bench/bench_invoke.py [--seconds 3] [--server [--clients 4]]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex * 2)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["SANDBOX_REQUESTS_PER_10S"] = "100000000"  # the real-time limit would stop the benchmark


from _server import create_postgres_database, free_port, start_gunicorn, stop, wait_until_up  # noqa: E402

create_postgres_database(os.environ.get("DATABASE_URL", ""))  # a missing database is created

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

from _sandbox import deployed_sandbox, unthrottled_design  # noqa: E402
from bench_apigw import build_design  # noqa: E402
from labs import sandboxes  # noqa: E402
from labs.apigw.gateway.deployment import RESOLVED  # noqa: E402
from labs.models import LabAttempt, LabSandbox  # noqa: E402

urlpatterns = [path("bare/", lambda request: HttpResponse("ok")), path("", include("config.urls"))]


def rate(client: Client, url: str, seconds: float, headers: dict[str, str] | None = None, key: str = "") -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = client.get(url, secure=True, headers=headers)
        assert response.status_code == 200, (response.status_code, response.content[:200])
        count += 1
        if key and count % 4_000 == 0:  # before the account's burst of 5,000 runs out; not timed
            paused = time.perf_counter()
            refill(key)
            started += time.perf_counter() - paused
    return count / (time.perf_counter() - started)


def refill(key: str) -> None:
    """A minute of virtual time: the account's token bucket (burst 5,000) is full again for the next round."""
    row = LabSandbox.objects.get(key=key)
    sb = row.load()
    sb.advance(60_000)
    row.store(sb)


def deploy_ms(user: User, runs: int = 5) -> float:
    """Median time of the web side's deploy of a 300-route design into a fresh sandbox, by a process that
    hasn't resolved the design before."""
    times = []
    for _ in range(runs):
        design = build_design("rest")
        attempt = LabAttempt.objects.create(user=user, scenario="", design=design.to_dict())
        RESOLVED.clear()
        started = time.perf_counter()
        sandboxes.deploy(attempt, design)
        times.append((time.perf_counter() - started) * 1000)
        attempt.delete()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3, help="bare/sandbox pairs, interleaved; the median ratio is shown")
    parser.add_argument("--server", action="store_true", help="through gunicorn over HTTP (see above)")
    parser.add_argument("--clients", type=int, default=4, help="with --server: callers at once")
    parser.add_argument("--sandboxes", type=int, default=1,
                        help="with --server: spread the calls over this many learners' sandboxes (a class)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}", password="bench-password-123")
    design = unthrottled_design()
    row, token = deployed_sandbox(user, design)
    url = f"/sandbox/{row.key}/prod/orders"
    if args.server:
        keys = [row.key]
        for n in range(1, args.sandboxes):  # more learners, each calling their own sandbox
            other = LabAttempt.objects.create(user=User.objects.create_user(f"{user.username}-{n}"),
                                              scenario="rest-order-service", design=design.to_dict())
            sandboxes.deploy(other, design)
            keys.append(LabSandbox.objects.get(attempt=other).key)
        return serve_and_measure([f"/sandbox/{k}/prod/orders" for k in keys], token, keys, args)
    client = Client()
    with override_settings(ROOT_URLCONF=__name__):
        rate(client, "/bare/", 0.3)  # warm up both
        rate(client, url, 0.3, token, row.key)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, secure=True, headers=token)
        statements = [q["sql"] for q in queries.captured_queries]  # read now: the next request clears the log
        pairs = []
        for _ in range(args.rounds):
            refill(row.key)
            pairs.append((rate(client, "/bare/", args.seconds), rate(client, url, args.seconds, token, row.key)))
    bare, sandbox = sorted(pairs, key=lambda p: p[1] / p[0])[len(pairs) // 2]
    print(f"database {connection.vendor}, cache {'redis' if os.environ.get('REDIS_URL') else 'local memory'}")
    print(f"bare Django view         {bare:8.0f} requests/s")
    print(f"sandbox invoke URL       {sandbox:8.0f} requests/s   ratio {sandbox / bare:.2f} (target >= 0.50); "
          f"all rounds: {', '.join(f'{s / b:.2f}' for b, s in pairs)}")
    print(f"queries per request      {len(statements):8d}            "
          + ", ".join(sql.split(" ", 1)[0] for sql in statements))
    print(f"deploy 300 routes (web)  {deploy_ms(user):8.1f} ms           (target < 200 ms)")


def http_rate(port: int, urls: list[str], seconds: float, clients: int, headers: dict[str, str]) -> float:
    """Requests per second answered 200 by the server, ``clients`` callers at once (caller i calls
    ``urls[i % len(urls)]``), a connection each."""
    import http.client
    import threading

    headers = {**headers, "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    counts, failures = [0] * clients, []
    deadline = time.perf_counter() + seconds

    def caller(i: int) -> None:
        while time.perf_counter() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", urls[i % len(urls)], headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return
                counts[i] += 1
            except OSError as error:
                failures.append(repr(error))
                return
            finally:
                conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, f"{urls[0]} answered {failures[:3]}"
    return sum(counts) / (time.perf_counter() - started)


def wrk_rate(port: int, urls: list[str], seconds: float, clients: int, headers: dict[str, str]) -> float:
    """The same with wrk (a load generator in its own process, so the callers don't share our GIL),
    going round ``urls``."""
    import re
    import subprocess

    script = Path(tempfile.mkdtemp()) / "urls.lua"
    paths = ", ".join(f'"{u}"' for u in urls)
    script.write_text(f"local paths = {{{paths}}}\nlocal n = 0\n"
                      "request = function() n = n % #paths + 1; return wrk.format(nil, paths[n]) end\n")
    command = ["wrk", "-t", "1", "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "-s", str(script),
               "-H", "X-Forwarded-Proto: https"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    if os.environ.get("BENCH_VERBOSE"):
        print(out)
    if "Non-2xx" in out:
        raise AssertionError(f"{urls[0]} answered non-2xx: {out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def serve_and_measure(urls: list[str], token: dict[str, str], keys: list[str], args: argparse.Namespace) -> None:
    port = free_port()
    # no recycling: a bare round's thousands of requests would otherwise restart every worker
    # (max_requests) and the next round would pay for the boots
    server = start_gunicorn("invoke_wsgi:application", port, args=["--access-logfile", "/dev/null", "--max-requests", "0"])
    try:
        wait_until_up(server, port, "/bare/", headers={"X-Forwarded-Proto": "https"})  # up when /bare/ answers
        http_rate(port, urls, 0.5, args.clients, token)  # warm every worker's caches
        measure = wrk_rate if shutil.which("wrk") else http_rate
        pairs = []
        for _ in range(args.rounds):
            for key in keys:
                refill(key)
            pairs.append((measure(port, ["/bare/"], args.seconds, args.clients, {}),
                          measure(port, urls, args.seconds, args.clients, token)))
    finally:
        stop(server)
    bare, sandbox = sorted(pairs, key=lambda p: p[1] / p[0])[len(pairs) // 2]
    workers = os.environ.get("WEB_CONCURRENCY", "cores x 2 + 1")
    print(f"gunicorn ({workers} sync workers), {args.clients} callers over HTTP to {len(urls)} sandbox(es) "
          f"({'wrk' if shutil.which('wrk') else 'Python threads'}); database {connection.vendor}, "
          f"cache {'redis' if os.environ.get('REDIS_URL') else 'local memory (per worker)'}")
    print(f"bare Django view         {bare:8.0f} requests/s")
    print(f"sandbox invoke URL       {sandbox:8.0f} requests/s   ratio {sandbox / bare:.2f} (target >= 0.50); "
          f"all rounds: {', '.join(f'{s / b:.2f}' for b, s in pairs)}")


if __name__ == "__main__":
    main()
