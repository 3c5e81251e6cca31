"""Several stateless app servers, for real (docs/deployment.md, "Several app servers"): two gunicorn
processes on two ports sharing one PostgreSQL database and one Redis, with nginx in front of them.

A learner whose requests land on one server and then the other keeps their session and their exam
attempt; `sync_content` run once reaches every server's pages; a sandbox API deployed through one server
answers through the other. Everything goes over HTTP, as a browser and the balancer send it.
"""

from __future__ import annotations

import json
import re
import time
import uuid

import requests

from .cluster import Browser, text_of

LESSON = "front-door"
LESSON_FILE = "lessons/01-front-door.md"
SENTENCE = "Your team has written a Lambda function"  # the lesson's first words, edited by the cache test


def _first_name_shown(page: requests.Response, name: str) -> bool:
    return page.status_code == 200 and name in page.text and "Log out" in page.text


def test_a_session_made_on_one_server_is_the_same_session_on_the_other(scaleout):
    a, b = scaleout.a.url, scaleout.b.url
    browser = Browser()
    browser.log_in(a, "ada")
    mine = browser.get(f"{b}/progress/")
    assert mine.url.startswith(b) and _first_name_shown(mine, "Ada"), text_of(mine.text)[:500]
    assert "private" in mine.headers["Cache-Control"]  # a signed-in page: no shared cache keeps it
    # Logging out on B ends the session for A too: it is one session, kept in Redis and the database.
    session = browser.cookie("sessionid")
    assert browser.post(f"{b}/accounts/logout/", follow=False).status_code == 302
    replayed = requests.get(f"{a}/progress/", headers={"Cookie": f"sessionid={session}", "X-Forwarded-Proto": "https"},
                            allow_redirects=False, timeout=10)
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/accounts/login/")


def test_static_files_have_the_same_hashed_names_on_both_servers(scaleout):
    page = requests.get(f"{scaleout.a.url}/", timeout=10)
    stylesheet = re.search(r'href="(/static/css/academy\.[0-9a-f]{12}\.css)"', page.text).group(1)
    for server in (scaleout.a, scaleout.b):
        answer = requests.get(f"{server.url}{stylesheet}", headers={"Accept-Encoding": "gzip"}, timeout=10)
        assert answer.status_code == 200, f"{server.name}: {answer.status_code}"
        assert "immutable" in answer.headers["Cache-Control"] and answer.headers.get("Content-Encoding") == "gzip"


def _answer_key(scaleout, attempt_id: int) -> list[dict]:
    """The right form values for each question of the attempt (and a wrong one for a choice question),
    read from the shared database: the test plays a learner who knows every answer."""
    script = f"""
import json
from courseware.models import Attempt, Question
attempt = Attempt.objects.get(pk={attempt_id})
by_id = Question.objects.prefetch_related("choices").in_bulk(attempt.question_ids)
out = []
for qid in attempt.question_ids:
    question, data = by_id[qid], by_id[qid].data
    choices = list(question.choices.all())
    right_ids = [c.id for c in choices if c.correct]
    wrong_ids = [c.id for c in choices if not c.correct]
    wrong = None
    if question.type in ("single", "true_false"):
        right, wrong = {{"choice": right_ids[0]}}, {{"choice": wrong_ids[0]}}
    elif question.type == "multiple":
        right = {{"choices": right_ids}}
    elif question.type == "numeric":
        right = {{"value": repr(data["answer"])}}
    elif question.type == "ordering":
        right = {{f"position-{{i}}": i + 1 for i in range(len(data["items"]))}}
    else:
        right = {{f"match-{{i}}": pair["answer"] for i, pair in enumerate(data["pairs"])}}
    out.append({{"id": qid, "type": question.type, "right": right, "wrong": wrong}})
print(json.dumps(out))
"""
    return json.loads(scaleout.manage("shell", "--no-imports", "-c", script))


def _answered(page: requests.Response) -> str:
    return re.search(r'data-testid="answered-count">(\d+ of \d+) answered', page.text).group(1)


def test_an_exam_attempt_carries_on_whichever_server_answers(scaleout):
    a, b = scaleout.a.url, scaleout.b.url
    browser = Browser()
    browser.log_in(b, "ben")
    started = browser.post(f"{a}/quizzes/final/start/", follow=False)  # the final exam, started on A
    assert started.status_code == 302, text_of(started.text)[:500]
    attempt = started.headers["Location"]
    assert re.fullmatch(r"/attempts/\d+/", attempt), attempt
    page = browser.get(f"{b}{attempt}")  # and read on B
    asked = [int(q) for q in re.findall(rf'action="{attempt}questions/(\d+)/"', page.text)]
    key = _answer_key(scaleout, int(attempt.split("/")[2]))
    assert asked == [q["id"] for q in key] and len(asked) == 20, (asked, key)
    assert _answered(page) == "0 of 20"

    # One answer given wrong on A and corrected on B: the latest answer counts, wherever it was saved.
    changed = next(q for q in key if q["wrong"])
    assert "Answer saved" in browser.post(f"{a}{attempt}questions/{changed['id']}/", changed["wrong"], htmx=True).text
    answered = {changed["id"]}
    for number, question in enumerate(key):
        server = b if question is changed else (a, b)[number % 2]  # every other answer on the other server
        saved = browser.post(f"{server}{attempt}questions/{question['id']}/", question["right"], htmx=True)
        answered.add(question["id"])
        assert saved.status_code == 200 and "Answer saved" in saved.text, (server, question, text_of(saved.text))
        assert f"{len(answered)} of 20 answered" in saved.text, text_of(saved.text)
    assert _answered(browser.get(f"{a}{attempt}")) == "20 of 20"

    result = browser.post(f"{b}{attempt}submit/")  # submitted on B
    assert result.url.endswith(f"{attempt}result/"), result.url
    on_a = browser.get(f"{a}{attempt}result/")  # the result read on A
    for shown in (result, on_a):
        summary = text_of(shown.text)
        assert "100%" in re.search(r'data-testid="score">([^<]+)<', shown.text).group(1)
        assert "20 of 20 points" in summary and "Passed" in summary, summary[:600]
    # A submitted attempt takes no more answers, on either server.
    late = browser.post(f"{a}{attempt}questions/{changed['id']}/", changed["wrong"], htmx=True)
    assert late.headers.get("HX-Redirect") == f"{attempt}result/", (late.status_code, late.headers)
    assert "100%" in browser.get(f"{b}{attempt}result/").text


def _lesson(server) -> str:
    """The lesson page as a visitor who is not signed in sees it (no cookies: the page any cache may keep)."""
    answer = requests.get(f"{server.url}/course/{LESSON}/", timeout=10)
    assert answer.status_code == 200, f"{server.name}: {answer.status_code}"
    return text_of(answer.text)


def test_sync_content_reaches_every_server_at_once(scaleout, balancer):
    readers = (scaleout.a, scaleout.b)
    for server in readers * 2:  # read twice on each: whatever a server keeps, it keeps now
        assert SENTENCE in _lesson(server), f"{LESSON_FILE} no longer begins with {SENTENCE!r}: edit this test"
    lesson = scaleout.content / LESSON_FILE
    marker = f"edited-for-scale-out-{uuid.uuid4().hex[:8]}"
    text = lesson.read_text()
    assert SENTENCE in text
    lesson.write_text(text.replace(SENTENCE, f"Your team ({marker}) has written a Lambda function", 1))
    out = scaleout.manage("sync_content")
    assert f"updated: {LESSON}" in out or LESSON in out, out
    for server in readers:
        shown = _lesson(server)
        assert marker in shown and SENTENCE not in shown, f"{server.name} still shows the old lesson"
    through_balancer = requests.get(f"{balancer.url}/course/{LESSON}/", timeout=10, verify=str(balancer.certificate))
    assert marker in through_balancer.text


def _invoke(server, url: str, path: str) -> requests.Response:
    """``url`` (an invoke URL's path, /sandbox/<key>/<stage>/) then ``path``, called on ``server``."""
    return requests.get(f"{server.url}{url}{path}", timeout=10)


def test_a_sandbox_deployed_through_one_server_answers_through_the_other(scaleout):
    from labs import catalog

    from ..labs_support import post_data

    a, b = scaleout.a.url, scaleout.b.url
    browser = Browser()
    browser.log_in(a, "chen")
    # A troubleshooting lab: starting it on A deploys the team's release in the learner's sandbox.
    sandbox = browser.post(f"{a}/labs/troubleshoot-stage-variable/start/")
    assert re.search(r"/labs/designs/\d+/sandbox/$", sandbox.url), sandbox.url
    design = sandbox.url.split("/labs/designs/")[1].split("/")[0]
    shown = re.findall(r'<code class="invoke-url text-break">https://[^/<]+(/sandbox/[\w-]+/(\w+)/)</code>', sandbox.text)
    urls = {stage: path for path, stage in shown}
    assert set(urls) == {"prod", "test"}, urls

    def prices(server, stage: str) -> dict:
        answer = _invoke(server, urls[stage], "prices")
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json", answer.text
        assert "Set-Cookie" not in answer.headers
        return answer.json()

    # The team's release, called through B: prod runs the next version, the bug the lab is about.
    assert prices(scaleout.b, "prod")["version"] == 2
    assert prices(scaleout.a, "test")["version"] == 2

    # The fix saved on B (prod's stage variable points at the live alias), deployed through A.
    fixed = post_data("stages", catalog.scenarios()["troubleshoot-stage-variable"].reference_solution)
    assert fixed["stages-1-name"] == "prod" and fixed["stages-1-variables"] == "lambdaAlias=live", fixed
    saved = browser.post(f"{b}/labs/designs/{design}/stages/", {**fixed, "stay": "1"}, follow=False)
    assert saved.status_code == 302, text_of(saved.text)[:500]
    deployed = browser.post(f"{a}/labs/designs/{design}/sandbox/deploy/")
    assert "Deployed as" in text_of(deployed.text), text_of(deployed.text)[:800]

    # B serves the new deployment at once, though it served the old one a moment ago.
    answer = prices(scaleout.b, "prod")
    assert answer == {"version": 1, "prices": {"blue-widget": 10.0, "red-widget": 12.5}, "currency": "EUR"}
    assert prices(scaleout.b, "test")["version"] == 2  # test still tries the next version
    assert prices(scaleout.a, "prod")["version"] == 1
    # The calls made through both servers are in the one execution log, read on B.
    log = browser.get(f"{b}/labs/designs/{design}/sandbox/")
    assert log.status_code == 200 and "/prices" in log.text


def _requests_in(servers, marker: str, expected: int) -> list[int]:
    """How many requests with ``marker`` each server's gunicorn access log shows, once they add up to
    ``expected`` (a worker writes its log line just after the answer: wait for it, boundedly)."""
    deadline = time.monotonic() + 5
    while True:
        counts = [server.log_text().count(marker) for server in servers]
        if sum(counts) >= expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.1)


def test_nginx_shares_a_learners_requests_between_the_servers(scaleout, balancer):
    browser = Browser(verify=str(balancer.certificate))
    browser.log_in(balancer.url, "dina")
    marker = f"probe-{uuid.uuid4().hex[:8]}"
    for _ in range(6):
        page = browser.get(f"{balancer.url}/progress/?{marker}")
        assert _first_name_shown(page, "Dina"), text_of(page.text)[:500]
    # Round robin: the six requests were answered by both servers (their gunicorn access logs say so).
    on_a, on_b = _requests_in((scaleout.a, scaleout.b), marker, 6)
    assert on_a + on_b == 6 and on_a >= 2 and on_b >= 2, (on_a, on_b)
    health = requests.get(f"{balancer.url}/healthz", timeout=10, verify=str(balancer.certificate))
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "up", "cache": "up"}
    # A visitor who typed http:// is sent to the same page over HTTPS, by nginx itself.
    typed = requests.get(f"{balancer.http_url}/course/?x=1", allow_redirects=False, timeout=10)
    assert typed.status_code == 301 and typed.headers["Location"] == "https://127.0.0.1/course/?x=1"


def test_a_server_can_stop_while_learners_carry_on_through_the_other(scaleout, balancer):
    browser = Browser(verify=str(balancer.certificate))
    browser.log_in(balancer.url, "ada")
    scaleout.b.stop()  # a restart for a release, or a crash
    try:
        marker = f"alone-{uuid.uuid4().hex[:8]}"
        for _ in range(4):
            page = browser.get(f"{balancer.url}/progress/?{marker}")
            assert _first_name_shown(page, "Ada"), f"{page.status_code}: {text_of(page.text)[:300]}"
        assert _requests_in((scaleout.a, scaleout.b), marker, 4) == [4, 0]
    finally:
        scaleout.start_b()
    page = browser.get(f"{scaleout.b.url}/progress/")
    assert _first_name_shown(page, "Ada")
