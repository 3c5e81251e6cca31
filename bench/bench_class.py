"""Load: a class at once. 300 learners and two instructors on the site together, through gunicorn with
the production settings, all on 127.0.0.1, bounded in time.

Measured on 3 December 2026 (commit 1a09c6c; 2 cores shared with other engineers' work, whose CPU
share is printed with each run), 300 learners, steady phase of 60 s, think 5 s:

    database             settle  req/s  p50/p95 all   quiz answer p95  builder check p95  CPU (of 2)
    SQLite               10 s    66     15/54 ms      51 ms            63 ms              0.95
    PostgreSQL + Redis   10 s    62     48/2895 ms    2998 ms          2330 ms            1.61
    PostgreSQL + Redis   30 s    66     33/140 ms     139 ms           150 ms             1.41
    SQLite (afternoon)   30 s    67     36/159 ms     143 ms           153 ms             1.47
                         (1a09c6c again that afternoon: 146 and 153 ms, 19 ms a request: the machine)
    PostgreSQL + Redis   30 s    66     39/175 ms     108-174 ms       123-158 ms         1.53
                         (two runs at b7d9b8d: quiz answer p95 108 and 174 ms, builder check 123 and 158 ms)
    SQLite, 600 learners (--spawn-rate 5)
                         30 s    98     1.0/4.8 s     4.8 s            4.9 s              1.94 (saturated)

The second run's steady phase began with the logins' queue still draining (a login is about 0.3 s of
CPU); with 30 s to settle it measures the class alone. Before this session's changes (commit 8e0f7c5) a
request cost about 42 ms of CPU and 300 learners on SQLite saturated both cores (43 req/s, p95 3.2 s);
now 12 ms (SQLite) to 15 ms (PostgreSQL). No error and no lost, doubled or unasked row in any run.

    .venv/bin/python bench/bench_class.py [--learners 300] [--seconds 60] [--database sqlite|postgres]
                                          [--think 5] [--spawn-rate 3]

Set-up (not timed): a throw-away database (a SQLite file in a temporary directory, or a fresh
PostgreSQL database on 127.0.0.1:5432, user postgres, dropped afterwards, with Redis as the cache under
a key prefix of its own, deleted afterwards), migrated, the course synced (``sync_content``), the static
files collected into the temporary directory (``bench/_settings.py``: the production settings with that
STATIC_ROOT), two instructors and the demo class of ``--learners`` learners with a realistic record
(``classroom.demo.build_cohort``: bulk-created; the second instructor co-teaches it), each learner with a
design of the REST order lab (its reference solution: a lab-sized design, every step saved) deployed to
a sandbox of their own (``labs.sandboxes.deploy``).

The run: gunicorn (``config/gunicorn.conf.py``: cores x 2 + 1 sync workers, workers recycled after
about 1,000 requests; DJANGO_DEBUG=0, ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0, the requests
carry the load balancer's ``X-Forwarded-Proto: https``) played by locust (``bench/class_locustfile.py``,
headless, one process, FastHttpUser). The class arrives at ``--spawn-rate`` people a second, each
logging in through the real form (CSRF, django-axes on; correct passwords, so nobody is locked out);
once the last one is in, the steady phase lasts ``--seconds``, then every person finishes the request
in hand and the run stops. Between actions each learner thinks 0.5 to 1.5 x ``--think`` seconds, and
does one of: read a lesson (2 in 12), a step of a practice quiz (5 in 12: open it and start, answer
the next question through its htmx form, or submit and read the result), a builder action (3 in 12:
open a step, or the autosave check after a change) or a call to their sandbox's invoke URL with a
Cognito token (2 in 12). The instructors refresh a dashboard page every 0.5 to 1.5 x 5 s, going round
the site dashboard, the cohort's overview, roster, quizzes, item analysis, labs and a learner's page.

It prints, for the arrival and the steady phase, requests per second and per page type the count,
p50/p95/p99/max and errors (any status other than the one the page gives, a non-2xx/3xx above all, or
an answer that does not say it was saved); then counts the rows: attempts, answers and submissions
stored against those the clients were told were saved (none lost, none doubled, none the client never
sent), the learning events each wrote (one each), and each learner's last autosaved builder edit. Exit
status 1 on any error, lost or doubled row. Also whether the target holds: quiz answer and builder
check p95 under 100 ms in the steady phase.

Why locust and not wrk: each learner is a session with state (cookies, CSRF tokens, the questions of
the attempt it started, the builder page token and its edit count) and every answer must be checked and
booked; wrk's Lua would have to do all that. Locust runs in one process (gevent), so it takes part of
one of the two cores: its CPU time is printed with the figures, and the machine's CPU use during the
steady phase too, since the machine is shared.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _server import (  # noqa: E402
    create_postgres_database, drop_postgres_database, free_port, start_gunicorn, stop, wait_until_up,
)

TARGET_MS = 100.0
TARGET_PAGES = ("quiz answer", "builder check")
LAB = "rest-order-service"
LEARNER_PASSWORD = "class-bench-" + uuid.uuid4().hex[:12]
INSTRUCTOR_PASSWORD = "class-bench-" + uuid.uuid4().hex[:12]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60.0, help="the steady phase, once everyone is in")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds after the last login before the steady phase (the logins' queue drains)")
    parser.add_argument("--think", type=float, default=5.0, help="a learner's mean pause between actions (s)")
    parser.add_argument("--instructor-think", type=float, default=5.0, help="an instructor's mean pause (s)")
    parser.add_argument("--spawn-rate", type=float, default=3.0, help="people arriving (logging in) per second")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server (with --database postgres)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="with --database postgres")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (logs, plan, results) and the PostgreSQL database")
    return parser.parse_args()


ARGS = parse_args()
WORK = Path(tempfile.mkdtemp(prefix="bench-class-"))
RUN = uuid.uuid4().hex[:10]
for name in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "CACHE_KEY_PREFIX"):
    os.environ.pop(name, None)  # never the caller's database
os.environ.update({
    "DJANGO_DEBUG": "0", "SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2, "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "_settings", "BENCH_STATIC_ROOT": str(WORK / "static"),
})
if ARGS.database == "postgres":
    os.environ["DATABASE_URL"] = f"{ARGS.postgres.rstrip('/')}/bench_class_{RUN}"
    os.environ["REDIS_URL"] = ARGS.redis_url
    os.environ["CACHE_KEY_PREFIX"] = f"bench-class-{RUN}"
    if not create_postgres_database(os.environ["DATABASE_URL"]):
        raise SystemExit(f"{os.environ['DATABASE_URL']} exists already: not a throw-away database")
else:
    os.environ["SQLITE_PATH"] = str(WORK / "class.sqlite3")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.urls import reverse  # noqa: E402

from classroom.demo import build_cohort  # noqa: E402
from courseware.models import Attempt, LearningEvent, Lesson, LessonProgress, Question, Quiz, Response  # noqa: E402
from courseware.roles import make_instructor  # noqa: E402
from labs import catalog, sandboxes  # noqa: E402
from labs.builder import STEP_IDS  # noqa: E402
from labs.models import LabAttempt, LabSandbox  # noqa: E402


# --- Set-up -----------------------------------------------------------------------------------------------


def set_up(learners: int) -> tuple[dict, dict]:
    """The database of a class: returns the plan for the locustfile and the row counts before the run."""
    clock = Clock()
    call_command("migrate", verbosity=0)
    clock.lap("migrate")
    call_command("collectstatic", "--noinput", verbosity=0)  # first: the lessons' HTML names the hashed files
    clock.lap("collectstatic")
    call_command("sync_content", stdout=io.StringIO())
    clock.lap("sync_content")
    instructors = []
    for n in (1, 2):
        user = User.objects.create_user(f"instructor{n}", password=INSTRUCTOR_PASSWORD, first_name=f"Teacher {n}")
        make_instructor(user)
        instructors.append(user)
    cohort = build_cohort(instructors[0], learners, password=LEARNER_PASSWORD)
    cohort.co_instructors.add(instructors[1])
    clock.lap("the class")
    people = list(User.objects.filter(cohort_memberships__cohort=cohort).order_by("username"))

    scenario = catalog.get(LAB)
    design = scenario.reference_solution
    LabAttempt.objects.bulk_create([
        LabAttempt(user=u, scenario=LAB, title=scenario.title, design=design.to_dict(), steps_saved=list(STEP_IDS))
        for u in people])
    labs = {a.user_id: a for a in LabAttempt.objects.filter(scenario=LAB, user__in=people)}
    for attempt in labs.values():
        sandboxes.deploy(attempt, design)
    clock.lap("lab designs and sandboxes")
    rows = {row.attempt.user_id: row for row in LabSandbox.objects.filter(attempt__in=labs.values()).select_related("attempt")}

    quizzes = list(Quiz.objects.filter(published=True, mode=Quiz.Mode.PRACTICE, lesson__isnull=False)
                   .order_by("slug").values_list("slug", flat=True))
    pk = cohort.pk
    plan = {
        "think": ARGS.think, "instructor_think": ARGS.instructor_think, "steady_seconds": ARGS.seconds,
        "settle_seconds": ARGS.settle,
        "results": str(WORK / "results.json"),
        "learners": [{"username": u.username, "password": LEARNER_PASSWORD, "lab": labs[u.pk].pk,
                      "sandbox": rows[u.pk].key, "token": rows[u.pk].load().sample_token(expires_in_s=10 ** 8)}
                     for u in people],
        "instructors": [{"username": u.username, "password": INSTRUCTOR_PASSWORD} for u in instructors],
        "lessons": list(Lesson.objects.published().values_list("slug", flat=True)),
        "quizzes": quizzes,
        "steps": list(STEP_IDS),
        "sandbox_calls": [["GET", "prod/orders", "", 200], ["GET", "prod/orders", "", 200],
                          ["GET", "prod/orders/o-1001", "", 200],
                          ["POST", "prod/orders", json.dumps({"items": [{"sku": "blue-widget", "qty": 1}]}), 201]],
        "dashboard": {
            "site": reverse("dashboard"),
            "overview": reverse("cohort", args=[pk]),
            "roster": reverse("cohort_roster", args=[pk]),
            "quizzes": reverse("cohort_quizzes", args=[pk]),
            "item analysis": reverse("cohort_item_analysis", args=[pk, quizzes[0]]),
            "labs": reverse("cohort_labs", args=[pk]),
            "learner": reverse("cohort_learner", args=[pk, people[0].pk]),
        },
    }
    clock.lap("the plan")
    print("set-up: " + ", ".join(f"{what} {s:.1f} s" for what, s in clock.laps))
    baseline = {
        "attempt": _max_pk(Attempt), "response": _max_pk(Response), "event": _max_pk(LearningEvent),
        "progress": _max_pk(LessonProgress),
        "counts": {"attempts": Attempt.objects.count(), "responses": Response.objects.count(),
                   "events": LearningEvent.objects.count()},
    }
    return plan, baseline


class Clock:
    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self.last = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        self.laps.append((what, now - self.last))
        self.last = now


def _max_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- The run ----------------------------------------------------------------------------------------------


class CpuSampler(threading.Thread):
    """CPU use twice a second: the whole machine's (from /proc/stat: it is shared), gunicorn's (master
    and workers, recycled ones included), locust's, the PostgreSQL backends serving the run's database
    and redis-server (shared, but the run is its main user)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, ...]] = []  # time, busy, total (s), gunicorn, locust, postgres, redis
        self.done = threading.Event()
        self.server = self.client = None
        self.backends: dict[int, float] = {}  # PostgreSQL backend pid -> its CPU seconds when last seen

    def run(self) -> None:
        import psutil

        ticks = os.sysconf("SC_CLK_TCK")
        database = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1] if ARGS.database == "postgres" else None
        redis_pid = next((p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "redis-server"), None)
        while not self.done.is_set():
            with open("/proc/stat") as f:
                values = [int(v) for v in f.readline().split()[1:]]
            idle = values[3] + values[4]
            if database:
                for proc in psutil.process_iter(["name", "cmdline", "cpu_times"]):
                    if proc.info["name"] == "postgres" and database in " ".join(proc.info["cmdline"] or []):
                        t = proc.info["cpu_times"]
                        self.backends[proc.pid] = t.user + t.system
            self.samples.append((time.time(), (sum(values) - idle) / ticks, sum(values) / ticks,
                                 _tree_cpu(self.server), _tree_cpu(self.client), sum(self.backends.values()),
                                 _tree_cpu(redis_pid) if database else 0.0))
            self.done.wait(0.5)

    def use(self, start: float, end: float) -> dict[str, float] | None:
        """Between two instants, in cores: the machine's busy share and each part's."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return None
        first, last = inside[0], inside[-1]
        wall = last[0] - first[0]
        use = {"machine": (last[1] - first[1]) / (last[2] - first[2]) * (os.cpu_count() or 1)}
        for index, name in enumerate(("gunicorn", "locust", "postgres", "redis"), start=3):
            use[name] = (last[index] - first[index]) / wall
        use["rest"] = max(0.0, use["machine"] - sum(use[n] for n in ("gunicorn", "locust", "postgres", "redis")))
        return use


def _tree_cpu(pid: int | None) -> float:
    """CPU seconds of a process, its live children and the children it has reaped."""
    if pid is None:
        return 0.0
    import psutil

    try:
        parent = psutil.Process(pid)
        t = parent.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in parent.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0.0


def play(plan: dict) -> dict:
    port = free_port()
    plan["origin"] = f"https://127.0.0.1:{port}"
    (WORK / "plan.json").write_text(json.dumps(plan))
    connections.close_all()
    people = len(plan["learners"]) + len(plan["instructors"])
    arrival = people / ARGS.spawn_rate
    cpu, client = CpuSampler(), None
    load_before = os.getloadavg()[0]
    with open(WORK / "access.log", "wb") as out, open(WORK / "error.log", "wb") as err:
        server = start_gunicorn("_timing_wsgi:application", port, stdout=out, stderr=err,
                                env={"BENCH_TIMING_LOG": str(WORK / "timing.log")})
        try:
            wait_until_up(server, port, "/healthz")
            warm_up(port, plan)
            cpu.server = server.pid
            cpu.start()
            started = time.time()
            with open(WORK / "locust.log", "wb") as log:
                locust = client = subprocess.Popen(
                    [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "class_locustfile.py"), "--headless",
                     "--users", str(people), "--spawn-rate", str(ARGS.spawn_rate),
                     # a backstop: the locustfile ends the run --seconds after the last person is in
                     "--run-time", f"{math.ceil(3 * arrival + ARGS.settle + ARGS.seconds + 120)}s",
                     "--stop-timeout", "30", "--host", f"http://127.0.0.1:{port}", "--only-summary",
                     "--loglevel", "WARNING"],
                    cwd=ROOT, env={**os.environ, "BENCH_CLASS_PLAN": str(WORK / "plan.json")}, stdout=log,
                    stderr=subprocess.STDOUT)
                cpu.client = locust.pid
                locust.wait()
            ended = time.time()
        finally:
            cpu.done.set()
            if client is not None and client.poll() is None:  # interrupted
                client.terminate()
                client.wait()
            stop(server)
    results_file = Path(plan["results"])
    if not results_file.exists():
        raise SystemExit("locust wrote no results:\n" + (WORK / "locust.log").read_text()[-3000:])
    results = json.loads(results_file.read_text())
    results.update(started=started, ended=ended, cpu=cpu, port=port, load_before=load_before)
    return results


def warm_up(port: int, plan: dict) -> None:
    """A server is up before the class comes in: every worker has served the public pages once (its
    imports, templates and the lab catalogue loaded). Not measured."""
    import http.client

    workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
    paths = ["/", "/accounts/login/", "/course/", f"/course/{plan['lessons'][0]}/", "/quizzes/",
             f"/quizzes/{plan['quizzes'][0]}/", "/labs/", f"/labs/{LAB}/"]
    for _ in range(3 * workers):
        for path in paths:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            conn.close()


# --- The figures ------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


ORDER = ["login page", "login", "home", "lesson", "quiz page", "quiz start", "quiz attempt page", "quiz answer",
         "quiz submit", "quiz result", "builder page", "builder check", "sandbox call"]


def table(records: list, seconds: float) -> dict[str, dict]:
    by_name: dict[str, list] = defaultdict(list)
    for record in records:
        by_name[record[0]].append(record)
    names = sorted(by_name, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))
    print(f"  {'page type':<26}{'count':>7}{'/s':>7}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'errors':>8}")
    figures = {}
    for name in names:
        rows = by_name[name]
        times = sorted(r[2] for r in rows if r[3])  # answered (a failure to connect has no time worth showing)
        errors = sum(1 for r in rows if r[4])
        figures[name] = {"count": len(rows), "p50": percentile(times, 50), "p95": percentile(times, 95),
                         "p99": percentile(times, 99), "max": times[-1] if times else float("nan"), "errors": errors}
        f = figures[name]
        print(f"  {name:<26}{len(rows):>7}{len(rows) / seconds:>7.1f}{f['p50']:>6.0f}ms{f['p95']:>6.0f}ms"
              f"{f['p99']:>6.0f}ms{f['max']:>6.0f}ms{errors:>8}")
    times = sorted(r[2] for r in records if r[3])
    print(f"  {'all':<26}{len(records):>7}{len(records) / seconds:>7.1f}{percentile(times, 50):>6.0f}ms"
          f"{percentile(times, 95):>6.0f}ms{percentile(times, 99):>6.0f}ms{(times[-1] if times else 0):>6.0f}ms"
          f"{sum(1 for r in records if r[4]):>8}")
    return figures


PAGE_TYPES = [(method, re.compile(pattern), name) for method, pattern, name in [
    ("GET", r"/accounts/login/", "login page"), ("POST", r"/accounts/login/", "login"), ("GET", r"/", "home"),
    ("GET", r"/course/[-\w]+/", "lesson"), ("GET", r"/quizzes/[-\w]+/", "quiz page"),
    ("POST", r"/quizzes/[-\w]+/start/", "quiz start"), ("GET", r"/attempts/\d+/", "quiz attempt page"),
    ("POST", r"/attempts/\d+/questions/\d+/", "quiz answer"), ("POST", r"/attempts/\d+/submit/", "quiz submit"),
    ("GET", r"/attempts/\d+/result/", "quiz result"), ("GET", r"/labs/designs/\d+/[-\w]+/", "builder page"),
    ("POST", r"/labs/designs/\d+/[-\w]+/check/", "builder check"), (None, r"/sandbox/.*", "sandbox call")]]


def page_type(method: str, path: str, dashboard: dict[str, str]) -> str:
    for wanted, pattern, name in PAGE_TYPES:
        if wanted in (None, method) and pattern.fullmatch(path):
            return name
    return dashboard.get(path, path)


def inside_workers(plan: dict, records: list, start: float, end: float, phase: str) -> None:
    """What the workers saw of a phase (``_timing_wsgi``), against what the clients saw."""
    dashboard = {path: f"dashboard: {name}" for name, path in plan["dashboard"].items()}
    worker: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for line in (WORK / "timing.log").read_text().splitlines():
        started, method, path, wall, cpu, _pid = line.split(" ")
        if start <= float(started) <= end:
            worker[page_type(method, path, dashboard)].append((float(wall), float(cpu)))
    client: dict[str, list[float]] = defaultdict(list)
    for record in records:
        if record[3]:
            client[record[0]].append(record[2])
    print(f"\nWhere the time goes ({phase} phase, ms). Mean time the client saw = waiting for a free worker + "
          "waiting inside\nthe worker (database, locks, a core busy with another process) + the worker's CPU; "
          "then p95 inside the worker:")
    print(f"  {'page type':<26}{'client':>8}{'= queue':>9}{'+ wait':>8}{'+ CPU':>7}   {'wall p95':>9}{'CPU p95':>9}")
    for name in sorted(client, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        inside = worker.get(name)
        if not inside:
            continue
        mean_client = sum(client[name]) / len(client[name])
        walls, cpus = sorted(w for w, _ in inside), sorted(c for _, c in inside)
        mean_wall, mean_cpu = sum(walls) / len(walls), sum(cpus) / len(cpus)
        print(f"  {name:<26}{mean_client:>8.0f}{mean_client - mean_wall:>9.0f}{mean_wall - mean_cpu:>8.0f}"
              f"{mean_cpu:>7.0f}   {percentile(walls, 95):>9.0f}{percentile(cpus, 95):>9.0f}")
    boots = [line for line in (WORK / "error.log").read_text(errors="replace").splitlines() if "Booting worker" in line]
    stamps = []
    for line in boots:
        try:
            stamps.append(datetime.strptime(line[1:26], "%Y-%m-%d %H:%M:%S %z").timestamp())
        except ValueError:
            pass
    print(f"  workers recycled (max_requests) during the {phase} phase: {sum(1 for t in stamps if start <= t <= end)}")


def report(results: dict, baseline: dict, plan: dict) -> list[str]:
    """Print the figures; return the problems (errors, lost or doubled rows)."""
    problems: list[str] = []
    records = results["records"]
    steady_start, stop_at = results["steady_start"], results["stop"]
    workers = os.environ.get("WEB_CONCURRENCY") or str((os.cpu_count() or 1) * 2 + 1)
    cache = f"redis (prefix {os.environ['CACHE_KEY_PREFIX']})" if os.environ.get("REDIS_URL") else "local memory per worker"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"\n{time.strftime('%Y-%m-%d %H:%M')}, commit {commit or '?'}, {os.cpu_count()} cores (load average before "
          f"the run {results['load_before']:.1f})")
    print(f"A class at once: {len(plan['learners'])} learners + {len(plan['instructors'])} instructors; "
          f"think {ARGS.think:g} s (learners), {ARGS.instructor_think:g} s (instructors); arriving {ARGS.spawn_rate:g}/s")
    print(f"gunicorn {workers} sync workers on {os.cpu_count()} cores; database {connection.vendor}, cache {cache}; "
          f"locust {len(records)} requests")
    if steady_start is None:
        problems.append(f"only {results['logged_in']} of {len(plan['learners']) + len(plan['instructors'])} "
                        "people logged in before the backstop ended the run")
        steady_start = stop_at
    arrival = [r for r in records if r[1] < steady_start]
    steady = [r for r in records if r[1] >= steady_start]
    cpu = results["cpu"]
    for title, rows, start, end in ((f"Arrival: the class logs in (and {ARGS.settle:g} s more)", arrival,
                                     results["started"], steady_start),
                                    ("Steady: everyone in", steady, steady_start, stop_at)):
        seconds = max(end - start, 1e-9)
        use = cpu.use(start, end)
        print(f"\n{title}: {seconds:.1f} s, {len(rows)} requests, {len(rows) / seconds:.1f} requests/s")
        if use:
            ours = (f", postgres (this database) {use['postgres']:.2f}, redis-server {use['redis']:.2f}"
                    if ARGS.database == "postgres" else "")
            print(f"  CPU in cores (of {os.cpu_count()}): machine {use['machine']:.2f}, gunicorn {use['gunicorn']:.2f} "
                  f"({1000 * use['gunicorn'] * seconds / max(len(rows), 1):.0f} ms a request){ours}, locust "
                  f"{use['locust']:.2f}, everything else (other engineers' work) {use['rest']:.2f}")
        figures = table(rows, seconds)
        if rows is steady:
            steady_figures = figures
            if use and use["rest"] > 0.25:
                print(f"  NOTE: other work on the machine took {use['rest']:.2f} of its {os.cpu_count()} cores during "
                      "this phase; the times above are partly theirs")

    inside_workers(plan, arrival, results["started"], steady_start, "arrival")
    inside_workers(plan, steady, steady_start, stop_at, "steady")

    failures = Counter((r[0], r[4]) for r in records if r[4])
    if failures:
        print("\nErrors by type:")
        for (name, text), n in failures.most_common():
            print(f"  {n:>6}  {name}: {text}")
        problems.append(f"{sum(failures.values())} failed requests")
    else:
        print("\nErrors: none")

    problems += count_rows(results["books"], baseline, plan)

    print("\nTarget: quiz answer and builder check p95 under 100 ms at lab size under the class load (steady phase)")
    for name in TARGET_PAGES:
        f = steady_figures.get(name)
        if f is None:
            print(f"  {name:<14} not measured")
        else:
            print(f"  {name:<14} p95 {f['p95']:.0f} ms: {'met' if f['p95'] < TARGET_MS else 'MISSED'}")
    return problems


def count_rows(books: dict, baseline: dict, plan: dict) -> list[str]:
    """The rows of the run against what the clients were told; returns the problems.

    acked: the server told the client it was saved; stored: rows the run wrote; lost: acked, not stored;
    doubled: stored twice; unasked: stored though no client sent it; in flight: sent as the run stopped
    (or answered with an error), stored, never acknowledged - not a fault."""
    problems = []
    print("\nRows after the run, against what the clients were told:")
    print(f"  {'':<30}{'acked':>7}{'stored':>8}{'lost':>6}{'doubled':>9}{'unasked':>9}{'in flight':>11}")

    def row(what: str, acked: int, stored: int, lost: int, doubled: int, unasked: int, in_flight: int) -> None:
        bad = lost or doubled or unasked
        print(f"  {what:<30}{acked:>7}{stored:>8}{lost:>6}{doubled:>9}{unasked:>9}{in_flight:>11}"
              + ("   <- WRONG" if bad else ""))
        if bad:
            problems.append(f"{what}: {lost} lost, {doubled} doubled, {unasked} never sent")

    def line(what: str, acked: set, stored: set, sent: set, doubled: int = 0, stored_n: int | None = None) -> None:
        extra = stored - acked
        row(what, len(acked), len(stored) if stored_n is None else stored_n, len(acked - stored), doubled,
            len(extra - sent), len(extra & sent))

    # Quiz attempts: a client knows the attempt's number from the redirect, not before: an attempt it
    # never heard of counts as in flight as long as some start went unanswered.
    started = {a for b in books.values() for a in b["started"]}
    unanswered_starts = sum(b["started_sent"] for b in books.values()) - sum(len(b["started"]) for b in books.values())
    attempts = set(Attempt.objects.filter(pk__gt=baseline["attempt"]).values_list("pk", flat=True))
    unheard = attempts - started
    line("quiz attempts started", started, attempts, set(sorted(unheard)[:max(0, unanswered_starts)]))

    acked = [tuple(x) for b in books.values() for x in b["answers"]]
    sent = {tuple(x) for b in books.values() for x in b["answers_sent"]}
    rows = list(Response.objects.filter(pk__gt=baseline["response"]).values_list("attempt_id", "question_id"))
    line("quiz answers", set(acked), set(rows), sent, doubled=(len(rows) - len(set(rows))) + (len(acked) - len(set(acked))),
         stored_n=len(rows))

    submitted = set(Attempt.objects.filter(pk__in=attempts, submitted_at__isnull=False).values_list("pk", flat=True))
    line("quiz submissions", {a for b in books.values() for a in b["submitted"]}, submitted,
         {a for b in books.values() for a in b["submitted_sent"]})

    # One learning event for each: an answer, an attempt started, an attempt submitted.
    keys = dict(Question.objects.values_list("key", "pk"))
    events = list(LearningEvent.objects.filter(pk__gt=baseline["event"])
                  .values_list("verb", "object_type", "object_id", "result", "actor_id"))
    written = Counter()
    for verb, kind, object_id, result, _actor in events:
        if verb == "answered":
            written[("answered", result.get("attempt"), keys.get(object_id))] += 1
        elif verb == "attempted":
            written[("attempted", result.get("attempt"))] += 1
        elif verb == "completed" and kind == "quiz":
            written[("completed", result.get("attempt"))] += 1
    expected = ({("answered", a, q) for a, q in rows} | {("attempted", a) for a in attempts}
                | {("completed", a) for a in submitted})
    line("their learning events", expected, set(written), set(), doubled=sum(n - 1 for n in written.values() if n > 1),
         stored_n=sum(written.values()))

    # A lesson's first view makes its progress row and one "experienced" event.
    views = Counter((actor, object_id) for verb, kind, object_id, _result, actor in events
                    if verb == "experienced" and kind == "lesson")
    firsts = set(LessonProgress.objects.filter(pk__gt=baseline["progress"]).values_list("user_id", "lesson__slug"))
    line("first views of a lesson", firsts, set(views), set(), doubled=sum(n - 1 for n in views.values() if n > 1),
         stored_n=sum(views.values()))

    # The builder: each learner's design stored as of the last edit the server acknowledged (or of the
    # one after it, sent as the run stopped).
    stored_edit = {pk: [token, seq] for pk, token, seq in
                   LabAttempt.objects.filter(scenario=LAB).values_list("pk", "save_token", "save_seq")}
    acked_n = lost = in_flight = unasked = 0
    for learner in plan["learners"]:
        book = books.get(learner["username"]) or {}
        stored, acked, sent = stored_edit[learner["lab"]], book.get("builder"), book.get("builder_sent")
        acked_n += acked is not None
        if stored == acked or (acked is None and stored == ["", 0]):
            continue
        if stored == sent:
            in_flight += 1
        elif acked is not None:
            lost += 1
        else:
            unasked += 1
    row("last builder edit of each", acked_n, sum(1 for e in stored_edit.values() if e != ["", 0]), lost, 0,
        unasked, in_flight)

    # The sandbox: each order a learner placed is in their sandbox's table.
    tables = {row.key: set(row.state.get("state", {}).get("tables", {}).get("Orders", {}))
              for row in LabSandbox.objects.filter(attempt__scenario=LAB)}
    placed, found = set(), set()
    for learner in plan["learners"]:
        book = books.get(learner["username"]) or {}
        ids = {json.dumps({"S": i}) for i in book.get("orders", [])}
        placed |= {(learner["sandbox"], i) for i in ids}
        found |= {(learner["sandbox"], i) for i in tables[learner["sandbox"]] - SEED_ORDERS}
    orders_sent = sum((books.get(l["username"]) or {}).get("orders_sent", 0) for l in plan["learners"])
    line("sandbox orders placed", placed, found, set(sorted(found - placed)[:max(0, orders_sent - len(placed))]))

    lessons_read = sum(len(b["lessons"]) for b in books.values())
    sandbox_ok = sum(b["sandbox_ok"] for b in books.values())
    by_verb = Counter(e[0] for e in events)
    print(f"  lessons read {lessons_read}, sandbox calls answered {sandbox_ok}; events written in the run: "
          + ", ".join(f"{verb} {n}" for verb, n in by_verb.most_common()))
    print(f"  rows now: attempts {Attempt.objects.count()} (before {baseline['counts']['attempts']}), responses "
          f"{Response.objects.count()} (before {baseline['counts']['responses']}), events "
          f"{LearningEvent.objects.count()} (before {baseline['counts']['events']})")
    return problems


SEED_ORDERS = {json.dumps({"S": "o-1001"}), json.dumps({"S": "o-1002"})}  # the lab's function starts with these


def clean_up() -> None:
    connections.close_all()
    if ARGS.database == "postgres" and ARGS.keep:
        print(f"kept {os.environ['DATABASE_URL']} and the Redis keys {os.environ['CACHE_KEY_PREFIX']}:*")
    elif ARGS.database == "postgres":
        drop_postgres_database(os.environ["DATABASE_URL"])
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        keys = list(client.scan_iter(f"{os.environ['CACHE_KEY_PREFIX']}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
    if ARGS.keep:
        print(f"kept {WORK}")
    else:
        shutil.rmtree(WORK, ignore_errors=True)


def main() -> int:
    began = time.perf_counter()
    problems = ["did not finish"]
    try:
        plan, baseline = set_up(ARGS.learners)
        setup_s = time.perf_counter() - began
        print(f"set-up {setup_s:.1f} s: {ARGS.database}, the course, {len(plan['learners'])} learners with their "
              f"record, {len(plan['learners'])} lab designs deployed to sandboxes")
        results = play(plan)
        problems = report(results, baseline, plan)
        if problems and (WORK / "error.log").exists():
            tail = (WORK / "error.log").read_text(errors="replace").splitlines()
            errors = [line for line in tail if "ERROR" in line or "Traceback" in line or "Error" in line]
            if errors:
                print("\ngunicorn's error log (last lines with an error):\n  " + "\n  ".join(errors[-15:]))
    finally:
        clean_up()
        print(f"\nwall time {time.perf_counter() - began:.0f} s")
    print("OK: no error, no lost or doubled row" if not problems else "PROBLEMS: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
