"""The pages a class leans on, each as a ratio of a bare Django view measured in the same run.

gunicorn with the production settings (``config/gunicorn.conf.py``, ``--workers``, DEBUG off, the
manifest static storage) serves the site plus ``/bare/`` (a view that answers "ok" through every
middleware, ``bench/invoke_wsgi.py``); wrk calls each URL with ``--connections`` connections for
``--seconds``, in ``--rounds`` interleaved rounds, and the median ratio of each to the bare view of its
own round is printed with its p50 and p99. The machine is shared and noisy: compare ratios, not rates.

    signed-in bare     the bare view once the session and the user are loaded     (for reading)
    anonymous lesson   /course/stages-deployments/ (the longest page), no cookie  target >= 0.6
    signed-in lesson   the same page for a learner with progress and bookmarks    target >= 0.3
    quiz answer        an exam answer saved (htmx POST), its status line back     (p95 < 100 ms:
    builder check      a lab design's step autosaved and checked (htmx POST)       bench_class.py)
    sandbox invoke     the REST order lab's /orders through the invoke URL        target >= 0.5
                       (one learner's sandbox: every request to it applies in turn)
    invoke, N sandboxes  the same, spread over 8 learners' sandboxes (a class)    target >= 0.5

SQLite (a throw-away file) by default; ``DATABASE_URL=postgres://...`` (created when missing, dropped
after) with ``REDIS_URL`` measures the several-app-servers set-up.

    .venv/bin/python bench/bench_pages.py [--seconds 5] [--rounds 3] [--connections 32] [--workers 2] [--only invoke]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _server import (create_postgres_database, drop_postgres_database, free_port, start_gunicorn,  # noqa: E402
                     stop, wait_until_up)

STATIC = tempfile.mkdtemp(prefix="bench-static-")
os.environ.update({
    "DJANGO_DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "BENCH_STATIC_ROOT": STATIC,
    "DJANGO_SETTINGS_MODULE": "_settings", "SANDBOX_REQUESTS_PER_10S": "100000000",
})
os.environ.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex * 2)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("CACHE_KEY_PREFIX", f"bench-{uuid.uuid4().hex[:8]}")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
CREATED_DB = create_postgres_database(os.environ.get("DATABASE_URL", ""))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from courseware import quizzes  # noqa: E402
from courseware.models import Bookmark, Lesson, LessonProgress, Quiz  # noqa: E402
from labs.apigw.model import Design  # noqa: E402
from labs.models import LabAttempt  # noqa: E402
from labs.apigw.scenarios import load_scenario  # noqa: E402
from _sandbox import deployed_sandbox  # noqa: E402
from tests.classroom_support import right_answer  # noqa: E402
from tests.labs_support import post_data  # noqa: E402

LESSON = "stages-deployments"
#: How many learners' sandboxes the "invoke, N sandboxes" line spreads its requests over.
CLASS_SANDBOXES = 8
HTTPS = {"X-Forwarded-Proto": "https"}


class Target:
    """One URL (or, with ``spread``, GETs of several URLs in turn, each with headers of its own)."""

    def __init__(self, name: str, path: str, *, headers: dict | None = None, body: dict | None = None,
                 ratio: float | None = None, p95_ms: float | None = None,
                 spread: list[tuple[str, dict[str, str]]] | None = None) -> None:
        self.name, self.path, self.headers, self.body = name, path, {**HTTPS, **(headers or {})}, body
        self.ratio, self.p95_ms, self.spread = ratio, p95_ms, spread


def signed_in(user: User) -> tuple[Client, dict[str, str]]:
    """A client logged in as `user` and the headers a browser of theirs sends (session, CSRF)."""
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    client.get(reverse("lesson", args=[LESSON]))  # sets the CSRF cookie
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    return client, {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                    "X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME], "Referer": "https://127.0.0.1/",
                    "HX-Request": "true"}


def prepare() -> list[Target]:
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # before the sync: lessons link hashed names
    call_command("sync_content", verbosity=0)
    learner = User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}", password="bench-password-123")
    lessons = list(Lesson.objects.published().in_course_order())
    for lesson in lessons[:5]:  # a learner some way into the course, with bookmarks on the page
        LessonProgress.objects.create(user=learner, lesson=lesson, completed_at=django.utils.timezone.now())
    page = Lesson.objects.get(slug=LESSON)
    Bookmark.objects.create(user=learner, lesson=page, anchor=page.toc[0]["id"])
    client, browser = signed_in(learner)

    exam = Quiz.objects.get(mode=Quiz.Mode.EXAM)
    attempt = quizzes.start_attempt(exam, learner)
    question = quizzes.questions_of(attempt)[0]
    answer_url = reverse("attempt_answer", args=[attempt.pk, question.pk])
    answer = right_answer(question)
    assert client.post(answer_url, answer, headers={"HX-Request": "true"}).status_code == 200

    lab = LabAttempt.objects.create(user=learner, scenario="rest-order-service",
                                    design=load_scenario(ROOT / "labs/scenarios/rest-order-service.yaml")
                                    .reference_solution.to_dict())
    step = "routes"
    check_url = reverse("labs:check", args=[lab.pk, step])
    check = {**post_data(step, Design.from_dict(lab.design)), "page": "bench", "seq": "1"}
    assert client.post(check_url, check, headers={"HX-Request": "true"}).status_code == 200

    row, token = deployed_sandbox(learner, scenario="")
    # A class: each of several learners calls their own sandbox (one learner's loop is limited per learner)
    others = [deployed_sandbox(User.objects.create_user(f"bench-{uuid.uuid4().hex[:8]}"), scenario="")
              for _ in range(CLASS_SANDBOXES)]
    spread = [(f"/sandbox/{r.key}/prod/orders", {**HTTPS, "Host": "127.0.0.1", **t}) for r, t in others]

    lesson_url = reverse("lesson", args=[LESSON])
    reader = {k: v for k, v in browser.items() if k in ("Cookie",)}
    return [
        Target("bare view", "/bare/"),
        # Not a page: what being signed in costs (session and user loaded), so the signed-in lesson's own
        # share can be read off too.
        Target("signed-in bare", "/bare/signed-in/", headers=reader),
        Target("anonymous lesson", lesson_url, ratio=0.6),
        Target("signed-in lesson", lesson_url, headers=reader, ratio=0.3),
        Target("quiz answer", answer_url, headers=browser, body=answer, p95_ms=100),
        Target("builder check", check_url, headers=browser, body=check, p95_ms=100),
        Target("sandbox invoke", f"/sandbox/{row.key}/prod/orders", headers=token, ratio=0.5),
        Target(f"invoke, {CLASS_SANDBOXES} sandboxes", spread[0][0], ratio=0.5, spread=spread),
    ]


def lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(port: int, target: Target, seconds: float, connections: int) -> dict:
    """wrk against one URL: requests/s and latency percentiles. A POST's `seq` goes up by one a
    request, as a browser's autosaves do (the builder refuses an older one)."""
    script = Path(tempfile.mkdtemp()) / "target.lua"
    if target.spread:
        rows = ",\n".join("  {" + lua(path) + ", {" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in headers.items())
                          + "}}" for path, headers in target.spread)
        script.write_text(f"local calls = {{\n{rows}\n}}\nlocal i = 0\n"
                          "request = function() i = i % #calls + 1\n"
                          '  return wrk.format("GET", calls[i][1], calls[i][2]) end\n')
    elif target.body is None:
        script.write_text(f'request = function() return wrk.format("GET", "{target.path}") end\n')
    else:
        body = urlencode(target.body, doseq=True).replace("seq=1", "seq=SEQ")
        script.write_text(
            "local n = 1000\n"
            f'local body = "{body}"\n'
            "request = function() n = n + 1\n"
            f'  return wrk.format("POST", "{target.path}", nil, (body:gsub("SEQ", tostring(n)))) end\n')
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--latency",
               "-s", str(script)]
    headers = {**target.headers, "Host": "127.0.0.1"}
    if target.body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{target.name} answered non-2xx:\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"), "p99": ms("99")}


def settle(port: int, limit_s: float = 15.0) -> None:
    """Wait until the workers have drained what the last wrk left queued (its connections' requests
    still in the backlog would otherwise be timed as part of the next URL's round)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=limit_s)
        try:
            conn.request("GET", "/bare/", headers={**HTTPS, "Host": "127.0.0.1"})
            conn.getresponse().read()
        finally:
            conn.close()
        if time.monotonic() - started < 0.02:
            return


def measure(port: int, target: Target, seconds: float, connections: int) -> dict:
    settle(port)
    figures = wrk(port, target, seconds, connections)
    if not figures["rate"]:
        raise SystemExit(f"{target.name}: no request answered in {seconds:g} s; try a longer --seconds")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="measure only the lines whose name contains this (and the bare view)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    try:
        targets = [t for t in prepare() if t.name == "bare view" or args.only in t.name]
        port = free_port()
        server = start_gunicorn("invoke_wsgi:application", port, env={"WEB_CONCURRENCY": str(args.workers)},
                                args=["--access-logfile", "/dev/null", "--max-requests", "0"])
        try:
            wait_until_up(server, port, "/bare/", headers=HTTPS)
            for target in targets:  # warm every worker: kept pages, fragments, resolved deployments
                settle(port)
                wrk(port, target, 2, args.connections)
            rounds = [{t.name: measure(port, t, args.seconds, args.connections) for t in targets}
                      for _ in range(args.rounds)]
        finally:
            stop(server)
    finally:
        connection.close()
        drop_postgres_database(os.environ.get("DATABASE_URL", "") if CREATED_DB else "")
        shutil.rmtree(STATIC, ignore_errors=True)  # the collected static files, and a SQLite run's database
        if os.environ.get("SQLITE_PATH", "").endswith("/bench.sqlite3"):
            shutil.rmtree(Path(os.environ["SQLITE_PATH"]).parent, ignore_errors=True)
    print(f"gunicorn {args.workers} sync workers, wrk {args.connections} connections, {args.seconds:g} s x "
          f"{args.rounds} rounds; database {connection.vendor}, "
          f"cache {'redis' if os.environ.get('REDIS_URL') else 'local memory (per worker)'}")
    print(f"{'':18} {'requests/s':>10} {'ratio':>6} {'ms/req':>7} {'p50 ms':>7} {'p99 ms':>7}  target")
    for target in targets:
        ratios = [r[target.name]["rate"] / r["bare view"]["rate"] for r in rounds]
        ratio = statistics.median(ratios)
        middle = sorted(rounds, key=lambda r: r[target.name]["rate"] / r["bare view"]["rate"])[len(rounds) // 2]
        figures = middle[target.name]
        # The work one request costs a worker: with every worker busy, workers / rate. Latency at this
        # many connections is mostly waiting in line; the p95 target is judged under a class's load
        # (bench/bench_class.py), where requests do not all arrive at once.
        service_ms = 1000 * args.workers / figures["rate"]
        goal = ""
        if target.ratio is not None:
            goal = f">= {target.ratio} of bare: {'met' if ratio >= target.ratio else 'NOT met'}"
        elif target.p95_ms is not None:
            goal = f"p95 < {target.p95_ms:g} ms under a class's load: bench_class.py"
        print(f"{target.name:18} {figures['rate']:10.0f} {ratio:6.2f} {service_ms:7.1f} {figures['p50']:7.1f} "
              f"{figures['p99']:7.1f}  {goal}   (rounds: {', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
