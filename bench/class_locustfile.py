"""A class in session, for ``bench/bench_class.py`` (which writes the plan this file reads and reads back
what it records): each learner logs in through the real form, then, with a think time between actions,
reads lessons, works through practice quizzes (starts one, answers its questions one by one through
the page's own forms as htmx sends them, submits, reads the result), edits their lab design in the
builder (opens a step, then the autosave check on each change) and calls their sandbox API by its invoke
URL; two instructors refresh the cohort's dashboard pages.

Every request goes through the "load balancer" the way production sees it: ``X-Forwarded-Proto:
https`` (so the secure cookies, HSTS and the HTTPS CSRF checks are all live) and, on a POST, the Origin
and Referer a browser sends. Every request is recorded (page type, start, milliseconds, status, what
went wrong), and so is every write the server acknowledged (attempt started, answer saved, attempt
submitted, builder edit saved), so that the rows can be counted afterwards.

Not meant to be run by hand: ``BENCH_CLASS_PLAN`` names the plan (JSON), which names the results file.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

from _forms import Forms, an_answer, builder_edit, form_values

PLAN = json.loads(Path(os.environ["BENCH_CLASS_PLAN"]).read_text())
ORIGIN = PLAN["origin"]  # https://127.0.0.1:<port>: what the browser believes it talks to
BASE_HEADERS = {"X-Forwarded-Proto": "https", "Accept": "text/html,application/xhtml+xml"}
HTMX = {"HX-Request": "true"}
FORM = "application/x-www-form-urlencoded"

RECORDS: list[tuple] = []  # (page type, start epoch s, ms, status, failure or "")
BOOKS: dict[str, dict] = {}  # username -> what the server acknowledged to that learner
STATE = {"logged_in": 0, "failed": 0, "steady_start": None, "stop": None, "quit_scheduled": False}
LEARNERS = iter(PLAN["learners"])
INSTRUCTORS = iter(PLAN["instructors"])
ANSWER_SAVED = "<fieldset disabled>"  # a practice answer is locked (and its feedback shown) once saved


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, start_time=None,
            **_kwargs):
    status = getattr(response, "status_code", 0) or 0
    RECORDS.append((name, start_time or time.time() - response_time / 1000, response_time, status,
                    "" if exception is None else _failure_text(exception, status)))


def _failure_text(exception, status: int) -> str:
    text = str(exception)
    if not status:
        return f"no answer: {type(exception).__name__}: {text[:80]}"
    return text[:160]


@events.test_stop.add_listener
def _stopped(**_kwargs):
    STATE["stop"] = STATE["stop"] or time.time()


@events.quitting.add_listener
def _write(**_kwargs):
    STATE["stop"] = STATE["stop"] or time.time()
    Path(PLAN["results"]).write_text(json.dumps({
        "records": RECORDS, "books": BOOKS, "steady_start": STATE["steady_start"], "stop": STATE["stop"],
        "client_cpu_s": time.process_time(), "logged_in": STATE["logged_in"], "failed": STATE["failed"],
    }))


def _logged_in(environment, *, failed: bool = False) -> None:
    """The class is in once every learner and instructor has logged in (or failed to: an error of the
    run). The steady phase starts ``settle_seconds`` later (the queue the logins built up has drained)
    and lasts ``steady_seconds``; then the run ends (``--run-time`` is only a backstop)."""
    STATE["failed" if failed else "logged_in"] += 1
    people = len(PLAN["learners"]) + len(PLAN["instructors"])
    if STATE["logged_in"] + STATE["failed"] == people and not STATE["quit_scheduled"]:
        STATE["quit_scheduled"] = True
        STATE["steady_start"] = time.time() + PLAN["settle_seconds"]

        def finish():
            STATE["stop"] = time.time()
            environment.runner.quit()

        gevent.spawn_later(PLAN["settle_seconds"] + PLAN["steady_seconds"], finish)


_ATTEMPT = re.compile(r"^/attempts/(\d+)/")
_QUESTION = re.compile(r"^/attempts/(\d+)/questions/(\d+)/$")
_BUILDER_FORM = re.compile(r'<form[^>]*class="builder-form".*?</form>', re.S)


# --- The people in the room -------------------------------------------------------------------------------


class Person(FastHttpUser):
    abstract = True
    network_timeout = 120.0
    connection_timeout = 120.0
    me: dict

    def think(self) -> float:
        mean = self.mean_think
        return random.uniform(0.5 * mean, 1.5 * mean)

    wait_time = think

    def send(self, method: str, path: str, name: str, *, data: list[tuple[str, str]] | None = None,
             headers: dict[str, str] | None = None, expect: tuple[int, ...] = (200,), check=None, referer: str = ""):
        """One request, recorded under ``name``; a failure is a status outside ``expect`` or ``check``'s
        complaint. Returns the response when it passed, else None."""
        all_headers = {**BASE_HEADERS, **(headers or {})}
        body = None
        if method == "POST":
            all_headers.update({"Origin": ORIGIN, "Referer": ORIGIN + (referer or path), "Content-Type": FORM})
            body = urlencode(data or [])
        with self.client.request(method, path, name=name, data=body, headers=all_headers, allow_redirects=False,
                                 catch_response=True) as response:
            status = response.status_code or 0
            if status not in expect:
                response.failure(f"HTTP {status}" if status >= 400 or not status else
                                 f"HTTP {status}, expected {'/'.join(map(str, expect))}"
                                 + (f" (to {response.headers.get('Location', '')})" if 300 <= status < 400 else ""))
                return None
            problem = check(response) if check else ""
            if problem:
                response.failure(problem)
                return None
            response.success()
            return response

    def log_in(self) -> None:
        # The browser talks HTTPS to the load balancer, so it sends the site's Secure cookies (session,
        # CSRF); here the hop is plain HTTP, which the cookie jar would otherwise refuse them on.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        page = self.send("GET", "/accounts/login/", "login page")
        if page is None:
            _logged_in(self.environment, failed=True)
            raise StopUser()
        form = next((f for f in Forms(page.text).forms if any(x["name"] == "password" for x in f["fields"])), None)
        data = [p for p in form_values(form) if p[0] not in ("username", "password")]
        data += [("username", self.me["username"]), ("password", self.me["password"])]
        done = self.send("POST", "/accounts/login/", "login", data=data, expect=(302,),
                         check=lambda r: "" if urlsplit(r.headers.get("Location", "")).path == "/" else
                         f"login went to {r.headers.get('Location', '')}")
        if done is None:
            _logged_in(self.environment, failed=True)
            raise StopUser()
        self.send("GET", "/", "home")
        _logged_in(self.environment)


class Learner(Person):
    mean_think = PLAN["think"]

    def on_start(self) -> None:
        self.me = next(LEARNERS, None)
        if self.me is None:
            raise StopUser()
        self.rng = random.Random(self.me["username"])
        self.book = BOOKS.setdefault(self.me["username"], {
            "started_sent": 0, "started": [], "answers_sent": [], "answers": [], "submitted_sent": [],
            "submitted": [], "builder_sent": None, "builder": None, "lessons": [], "sandbox_ok": 0,
            "orders_sent": 0, "orders": []})
        self.quiz = None  # {"attempt": pk, "questions": [form, ...]} while one is open
        self.quizzes = itertools.cycle(self.rng.sample(PLAN["quizzes"], len(PLAN["quizzes"])))
        self.builder = None  # {"step", "form", "seq", "checks"} while a builder step is open
        self.log_in()

    # Reading a lesson.
    @task(2)
    def read_lesson(self) -> None:
        slug = self.rng.choice(PLAN["lessons"])
        if self.send("GET", f"/course/{slug}/", "lesson"):
            self.book["lessons"].append(slug)

    # A practice quiz, one step per action: open it and start, answer a question, submit and read the result.
    @task(5)
    def quiz_step(self) -> None:
        if self.quiz is None:
            self.start_quiz()
        elif self.quiz["questions"]:
            self.answer()
        else:
            self.submit()

    def start_quiz(self) -> None:
        slug = next(self.quizzes)
        page = self.send("GET", f"/quizzes/{slug}/", "quiz page")
        if page is None:
            return
        start = next((f for f in Forms(page.text).forms if f["action"] == f"/quizzes/{slug}/start/"), None)
        if start is None:
            self.send_failure("quiz page", "no start form")
            return
        self.book["started_sent"] += 1
        started = self.send("POST", start["action"], "quiz start", data=form_values(start), expect=(302,),
                            referer=f"/quizzes/{slug}/",
                            check=lambda r: "" if _ATTEMPT.match(r.headers.get("Location", "")) else
                            f"start went to {r.headers.get('Location', '')}")
        if started is None:
            return
        attempt = int(_ATTEMPT.match(started.headers["Location"]).group(1))
        self.book["started"].append(attempt)
        page = self.send("GET", f"/attempts/{attempt}/", "quiz attempt page")
        if page is None:
            return
        questions = []
        for form in Forms(page.text).forms:
            match = _QUESTION.match(form["action"])
            if match and int(match.group(1)) == attempt and not form["locked"]:
                questions.append(form)
        submit = next((f for f in Forms(page.text).forms if f["action"] == f"/attempts/{attempt}/submit/"), None)
        self.quiz = {"attempt": attempt, "questions": questions, "submit": submit}

    def answer(self) -> None:
        form = self.quiz["questions"].pop(0)
        attempt, question = map(int, _QUESTION.match(form["action"]).groups())
        self.book["answers_sent"].append([attempt, question])
        saved = self.send("POST", form["action"], "quiz answer", data=an_answer(form, self.rng),
                          headers={**HTMX, "HX-Target": f"q-{question}", "HX-Current-URL": f"{ORIGIN}/attempts/{attempt}/"},
                          referer=f"/attempts/{attempt}/",
                          check=lambda r: "" if f'id="q-{question}"' in r.text and ANSWER_SAVED in r.text else
                          "answer not saved: " + _alert(r.text))
        if saved is not None:
            self.book["answers"].append([attempt, question])

    def submit(self) -> None:
        attempt, form = self.quiz["attempt"], self.quiz["submit"]
        self.quiz = None
        self.book["submitted_sent"].append(attempt)
        done = self.send("POST", form["action"], "quiz submit", data=form_values(form), expect=(302,),
                         referer=f"/attempts/{attempt}/",
                         check=lambda r: "" if r.headers.get("Location", "") == f"/attempts/{attempt}/result/" else
                         f"submit went to {r.headers.get('Location', '')}")
        if done is not None:
            self.book["submitted"].append(attempt)
            self.send("GET", f"/attempts/{attempt}/result/", "quiz result")

    # The lab: open a step of the builder, then change fields in it (each change: the autosave check).
    @task(3)
    def builder_step(self) -> None:
        if self.builder is None or self.builder["checks"] >= self.rng.randint(3, 8):
            self.open_step()
        else:
            self.check()

    def open_step(self) -> None:
        step = self.rng.choice(PLAN["steps"])
        page = self.send("GET", f"/labs/designs/{self.me['lab']}/{step}/", "builder page")
        self.builder = None
        if page is None:
            return
        found = _BUILDER_FORM.search(page.text)
        if not found:
            self.send_failure("builder page", "no builder form")
            return
        self.builder = {"step": step, "form": Forms(found.group(0)).forms[0], "seq": 0, "checks": 0}

    def check(self) -> None:
        builder = self.builder
        builder["seq"] += 1
        builder["checks"] += 1
        data = builder_edit(form_values(builder["form"]), builder["seq"])
        token = next(v for k, v in data if k == "page")
        self.book["builder_sent"] = [token, builder["seq"]]
        path = f"/labs/designs/{self.me['lab']}/{builder['step']}/"
        done = self.send("POST", path + "check/", "builder check", data=data, referer=path,
                         headers={**HTMX, "HX-Target": "step-findings", "HX-Current-URL": ORIGIN + path},
                         check=lambda r: "" if 'id="step-findings"' in r.text else "no findings in the answer")
        if done is not None:
            self.book["builder"] = [token, builder["seq"]]

    # The sandbox: the learner's own API by its invoke URL, as curl calls it: list the orders, read one,
    # place one (the gateway's Lambda proxy keeps it in the sandbox's table).
    @task(2)
    def call_sandbox(self) -> None:
        method, path, body, status = self.rng.choice(PLAN["sandbox_calls"])
        url = f"/sandbox/{self.me['sandbox']}/{path}"
        headers = {**BASE_HEADERS, "Authorization": self.me["token"], "Accept": "application/json"}
        if method == "POST":
            headers["Content-Type"] = "application/json"
            self.book["orders_sent"] += 1
        with self.client.request(method, url, name="sandbox call", data=body or None, headers=headers,
                                 allow_redirects=False, catch_response=True) as response:
            if response.status_code != status:
                response.failure(f"HTTP {response.status_code or 0}" + ("" if response.status_code >= 400 or not
                                 response.status_code else f", expected {status}"))
                return
            response.success()
            self.book["sandbox_ok"] += 1
            if method == "POST":
                self.book["orders"].append(json.loads(response.text)["id"])

    def send_failure(self, name: str, text: str) -> None:
        self.environment.events.request.fire(request_type="CHECK", name=name, response_time=0, response_length=0,
                                             exception=Exception(text), start_time=time.time())


def _alert(html: str) -> str:
    match = re.search(r'role="alert">([^<]{0,120})', html)
    return match.group(1).strip() if match else html[:120].replace("\n", " ")


class Instructor(Person):
    fixed_count = len(PLAN["instructors"])
    mean_think = PLAN["instructor_think"]

    def on_start(self) -> None:
        self.me = next(INSTRUCTORS, None)
        if self.me is None:
            raise StopUser()
        self.pages = itertools.cycle(PLAN["dashboard"].items())
        for _ in range(random.randrange(len(PLAN["dashboard"]))):  # the two don't look at the same page together
            next(self.pages)
        self.log_in()

    @task
    def refresh(self) -> None:
        name, path = next(self.pages)
        self.send("GET", path, f"dashboard: {name}")
