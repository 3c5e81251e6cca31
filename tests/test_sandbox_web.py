"""The sandbox on the site (issue 10): deploy, call by the console and by the invoke URL, read the
trace, predict, load-test; a sandbox is its learner's, expires, and is rate-limited."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courseware.models import LearningEvent
from labs import catalog
from labs.builder import STEP_IDS
from labs.models import LabAttempt, LabSandbox, SandboxCall

from .labs_support import post_data
from .test_labs import builder, start


def solved(client, slug: str) -> LabAttempt:
    attempt = start(client, slug)
    solution = catalog.scenarios()[slug].reference_solution
    for step in STEP_IDS:
        client.post(builder(attempt, step), {**post_data(step, solution), "stay": "1"})
    return LabAttempt.objects.get(pk=attempt.pk)


def deploy(client, attempt, **extra):
    return client.post(reverse("labs:sandbox_deploy", args=[attempt.pk]), extra)


def console(client, attempt, **fields):
    data = {"stage": "prod", "method": "GET", "path": "/", **fields}
    return client.post(reverse("labs:sandbox_send", args=[attempt.pk]), data)


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_a_design_with_errors_is_not_deployed(learner_client, course):
    attempt = start(learner_client, "rest-order-service")
    response = deploy(learner_client, attempt)
    assert response.status_code == 302
    assert not LabSandbox.objects.filter(attempt=attempt).exists()
    page = learner_client.get(reverse("labs:sandbox", args=[attempt.pk])).content.decode()
    assert "rule error" in page


def test_deploy_then_call_through_the_console_shows_the_trace(learner_client, learner, course):
    attempt = solved(learner_client, "rest-order-service")
    assert deploy(learner_client, attempt).status_code == 302
    sandbox = LabSandbox.objects.get(attempt=attempt)
    assert LearningEvent.objects.filter(actor=learner, verb="deployed", object_type="deployment").exists()
    response = console(learner_client, attempt, path="/orders", predict_status="401", predict_step="authorization")
    assert response.status_code == 302
    call = SandboxCall.objects.get(sandbox=sandbox)
    assert call.status == 401 and call.prediction["correct"] is True
    page = learner_client.get(response.url).content.decode()
    assert "The request&#x27;s path through API Gateway" in page or "path through API Gateway" in page
    assert "authorization" in page and "Your prediction was right" in page
    assert LearningEvent.objects.filter(actor=learner, verb="predicted").get().result["actual_status"] == 401


def test_a_sample_token_gets_through_the_authorizer(learner_client, course):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    console(learner_client, attempt, path="/orders", sample_token="on")
    call = SandboxCall.objects.latest("id")
    assert call.status == 200, call.trace
    assert call.request["headers"]["Authorization"] == "(sample token)"  # no token kept in the log


def test_the_invoke_url_answers_any_http_client_without_a_session(learner_client, client, course, fresh_cache):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    response = Client().get(f"/sandbox/{sandbox.key}/prod/orders")
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response["x-amzn-ErrorType"] == "UnauthorizedException"
    assert "Set-Cookie" not in response.headers
    missing = Client().get(f"/sandbox/{sandbox.key}/prod/no-such-route")
    assert missing.status_code == 403 and missing.json() == {"message": "Missing Authentication Token"}
    assert SandboxCall.objects.filter(sandbox=sandbox, source="url").count() == 2


def test_what_a_learners_api_answers_can_run_nothing_on_the_sites_origin(learner_client, course, fresh_cache):
    """A learner's API may answer with anything (a MOCK can send HTML and script) from the site's own
    origin: every invoke URL answer forbids it to run, load or frame anything, whatever the design set."""
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    token = sandbox.load().sample_token()
    answers = [Client().get(f"/sandbox/{sandbox.key}/prod/orders", headers={"Authorization": token}),
               Client().get(f"/sandbox/{sandbox.key}/prod/orders"), Client().get("/sandbox/not-a-key/prod/")]
    assert [a.status_code for a in answers] == [200, 401, 404]
    for answer in answers:
        policy = answer["Content-Security-Policy"]
        assert "default-src 'none'" in policy and policy.endswith("sandbox") and "frame-ancestors 'none'" in policy
        assert answer["X-Frame-Options"] == "DENY" and answer["X-Content-Type-Options"] == "nosniff"


def test_the_invoke_url_ignores_the_site_session(learner_client, course, fresh_cache):
    """Called from the learner's own browser, the session cookie goes along; it is not read, touched or
    answered with a cookie (the invoke URL is an API, outside the site's pages: labs/middleware.py)."""
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    response = learner_client.get(f"/sandbox/{sandbox.key}/prod/orders")
    assert response.status_code == 401  # the API's own authorizer: being signed in to the site is no token
    assert not response.cookies and "Cookie" not in response.get("Vary", "")
    # Near the invoke URLs but not one of them: the site's own page, with its middleware.
    page = learner_client.get("/sandbox/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]
    assert "sandbox" not in page.get("Content-Security-Policy", "")


def test_a_post_to_the_invoke_url_needs_no_csrf_token(learner_client, course, fresh_cache):
    attempt = solved(learner_client, "http-jwt-cors")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    strict = Client(enforce_csrf_checks=True)
    stage = next(iter(sandbox.load().stages))
    prefix = "" if stage == "$default" else f"{stage}/"
    response = strict.post(f"/sandbox/{sandbox.key}/{prefix}notes", data=json.dumps({"text": "hi"}),
                           content_type="application/json")
    assert response.status_code == 401  # the JWT authorizer, not Django's CSRF check, refused it


def test_an_unknown_or_expired_sandbox_is_a_404(learner_client, course, fresh_cache):
    assert Client().get("/sandbox/not-a-key/prod/").status_code == 404
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    LabSandbox.objects.filter(pk=sandbox.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert Client().get(f"/sandbox/{sandbox.key}/prod/orders").status_code == 404


def test_another_learner_cannot_see_or_use_a_sandbox(learner_client, learner2_client, course):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    for name in ("labs:sandbox",):
        assert learner2_client.get(reverse(name, args=[attempt.pk])).status_code == 404
    for name in ("labs:sandbox_deploy", "labs:sandbox_send", "labs:sandbox_load", "labs:sandbox_promote"):
        assert learner2_client.post(reverse(name, args=[attempt.pk]), {}).status_code == 404


def test_the_invoke_url_is_rate_limited_in_real_time(learner_client, course, settings, fresh_cache, monkeypatch):
    import importlib

    from courseware import throttle

    sandbox_views = importlib.import_module("labs.views.sandbox")

    monkeypatch.setattr(sandbox_views, "INVOKE_LIMIT", throttle.Limit("sandbox-invoke-test", attempts=3, window_seconds=10))
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    key = LabSandbox.objects.get(attempt=attempt).key
    statuses = [Client().get(f"/sandbox/{key}/prod/orders").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_editing_the_design_changes_nothing_until_deployed_again(learner_client, course):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    data = post_data("routes", attempt.read_design()[0])
    data["routes-0-key"] = "GET /renamed"
    learner_client.post(builder(attempt, "routes"), {**data, "stay": "1"})
    page = learner_client.get(reverse("labs:sandbox", args=[attempt.pk])).content.decode()
    assert "still serve the old deployment" in page
    key = LabSandbox.objects.get(attempt=attempt).key
    assert Client().get(f"/sandbox/{key}/prod/renamed").status_code == 403  # not deployed yet


def test_a_canary_deployment_and_promotion(learner_client, course):
    attempt = solved(learner_client, "canary-release")
    deploy(learner_client, attempt)
    deploy(learner_client, attempt, canary_stage="prod")
    sandbox = LabSandbox.objects.get(attempt=attempt).load()
    assert sandbox.stages["prod"].canary is not None
    response = learner_client.post(reverse("labs:sandbox_load", args=[attempt.pk]),
                                   {"stage": "prod", "method": "GET", "path": "/prices", "count": "200", "rate": "50"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "went to the canary" in html and "<table" in html
    learner_client.post(reverse("labs:sandbox_promote", args=[attempt.pk]), {"stage": "prod"})
    assert LabSandbox.objects.get(attempt=attempt).load().stages["prod"].canary is None


def test_the_execution_log_keeps_the_latest_calls(learner_client, course, monkeypatch):
    monkeypatch.setattr(SandboxCall, "KEEP_CALLS", 3)
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    for i in range(5):
        console(learner_client, attempt, path=f"/orders/{i}")
    assert SandboxCall.objects.count() == 3
    assert SandboxCall.objects.latest("id").path == "/orders/4"


def test_bad_console_input_gets_a_message(learner_client, course):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    response = console(learner_client, attempt, headers="no colon here", method="BREW")
    assert response.status_code == 302
    page = learner_client.get(response.url).content.decode()
    assert "The request was not sent" in page


def test_a_websocket_conversation(learner_client, course):
    attempt = solved(learner_client, "websocket-chat")
    deploy(learner_client, attempt)
    url = reverse("labs:sandbox_ws", args=[attempt.pk])
    response = learner_client.post(url, {"action": "connect", "query": "token=allow"})
    connect = SandboxCall.objects.latest("id")
    assert response.status_code == 302 and connect.method == "WS" and connect.response["accepted"], connect.trace
    connection = connect.response["connection"]
    learner_client.post(url, {"action": "send", "connection": connection,
                              "body": json.dumps({"action": "sendMessage", "text": "hi"})})
    message = SandboxCall.objects.latest("id")
    assert "sendMessage" in message.path
    page = learner_client.get(reverse("labs:sandbox", args=[attempt.pk]) + f"?call={message.pk}").content.decode()
    assert "A WebSocket conversation" in page and connection in page
    learner_client.post(url, {"action": "disconnect", "connection": connection})
    assert SandboxCall.objects.latest("id").path.startswith("disconnect")
    assert learner_client.post(url, {"action": "send"}).status_code == 302  # no connection: a message, not a 500


def test_an_invoke_url_request_reads_then_writes_if_unchanged_and_logs_in_three_statements(
        learner_client, course, fresh_cache):
    """The gateway runs between an unlocked read and a write that applies only to the row as read: the
    database's write lock (SQLite has one for the whole file) is held for the write and the log alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(f"/sandbox/{sandbox.key}/prod/orders").status_code == 401
    statements = [q["sql"].split(" ", 1)[0].upper() for q in queries.captured_queries]
    if connection.vendor == "postgresql":  # the write and the log in one statement: one round trip
        expected = ["SELECT", "SET"]
        written = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET"))
        assert written.startswith("SET LOCAL synchronous_commit = off; WITH")  # not waiting for the disk
        assert "UPDATE" in written and "INSERT" in written
    else:
        expected = ["SELECT", "UPDATE", "INSERT"]
        written = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE"))
    assert [s for s in statements if s not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")] == expected, statements
    assert written.count('"updated_at" =') == 2  # set, and compared with the value read
    select = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    assert "design" not in select and "FOR UPDATE" not in select  # the attempt's design is not read
    sandbox.refresh_from_db()
    assert sandbox.state["state"]["counter"] == 1 and SandboxCall.objects.filter(sandbox=sandbox).count() == 1


def test_a_request_whose_sandbox_changed_meanwhile_is_answered_again_with_the_row_locked(
        learner_client, course, fresh_cache, monkeypatch):
    import importlib

    from labs import sandboxes

    sandbox_views = importlib.import_module("labs.views.sandbox")  # labs.views.sandbox is also a view's name

    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    url = f"/sandbox/{sandbox.key}/prod/orders"
    real, answered, interrupted = sandboxes._read_and_answer, [], []

    def answer(*args):
        outcome = real(*args)
        answered.append(outcome[0][4])  # the updated_at each answer was computed from
        if not interrupted:  # another request to the same sandbox is written first
            interrupted.append(True)
            assert Client().get(url).status_code == 401
        return outcome

    monkeypatch.setattr(sandboxes, "_read_and_answer", answer)
    monkeypatch.setattr(sandboxes, "_CONTENDED", {})
    counted = []

    class Counting:  # the learner's real-time limit, never reached, counting what it is asked
        def hit(self, who: str) -> bool:
            counted.append(who)
            return False

    monkeypatch.setattr(sandbox_views, "INVOKE_LIMIT", Counting())
    assert Client().get(url).status_code == 401
    assert len(answered) == 3 and answered[0] == answered[1] != answered[2]  # read twice, answered again once
    assert len(counted) == 2  # each request counted once against the learner's real-time limit
    sandbox.refresh_from_db()
    assert sandbox.state["state"]["counter"] == 2  # neither request's change to the state is lost
    assert SandboxCall.objects.filter(sandbox=sandbox).count() == 2  # and each is logged once
    assert sandboxes._contended(sandbox.key)  # the sandbox's next requests here go the locked way at once
    answered.clear()
    assert Client().get(url).status_code == 401
    assert len(answered) == 1
    sandbox.refresh_from_db()
    assert sandbox.state["state"]["counter"] == 3


def test_the_invoke_url_stores_what_the_gateway_sandbox_would(learner_client, course, fresh_cache, monkeypatch):
    from labs.apigw.gateway import Request, Sandbox

    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    expected = Sandbox.from_dict(sandbox.state)
    # Real time stands still, so the virtual clock has no real pause to catch up with (see the next test).
    monkeypatch.setattr("django.utils.timezone.now", lambda: sandbox.updated_at)
    token = expected.sample_token()
    for path in ("/orders", "/orders/7", "/nowhere"):
        response = Client().get(f"/sandbox/{sandbox.key}/prod{path}", headers={"Authorization": token})
        gateway = expected.invoke(Request("GET", path, stage="prod", headers={"Authorization": token}))
        assert (response.status_code, response.content.decode()) == (gateway.status, gateway.body)
    sandbox.refresh_from_db()
    assert sandbox.state == json.loads(json.dumps(expected.to_dict()))
    logged = SandboxCall.objects.filter(sandbox=sandbox, source="url").order_by("id")
    assert [c.path for c in logged] == ["/orders", "/orders/7", "/nowhere"]
    assert logged[0].request["headers"]["Authorization"] == "(sample token)"
    assert logged[0].trace and logged[0].response["request_id"]


def test_an_unreadable_stored_sandbox_starts_afresh_through_the_invoke_url(learner_client, course, fresh_cache):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    LabSandbox.objects.filter(pk=sandbox.pk).update(state={"version": 99})
    response = Client().get(f"/sandbox/{sandbox.key}/prod/orders")
    assert response.status_code == 403  # nothing deployed in the fresh sandbox
    sandbox.refresh_from_db()
    assert sandbox.state["version"] == 1 and sandbox.state["deployments"] == []


def test_the_invoke_url_keeps_the_latest_calls(learner_client, course, fresh_cache, monkeypatch):
    monkeypatch.setattr(SandboxCall, "KEEP_CALLS", 3)
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    key = LabSandbox.objects.get(attempt=attempt).key
    for i in range(5):
        Client().get(f"/sandbox/{key}/prod/orders/{i}")
    assert list(SandboxCall.objects.order_by("id").values_list("path", flat=True)) == [
        "/orders/2", "/orders/3", "/orders/4"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_invoke_url_requests_are_applied_in_turn_and_all_logged(course):
    """Eight threads (as eight app servers would) call one sandbox at once: every request takes its
    token from the same bucket and is logged; none overwrites another's state."""
    import threading

    from django.core.cache import cache
    from django.db import connection

    from labs.apigw.gateway import Sandbox
    from labs.apigw.model import Design
    from labs.sandboxes import deploy as sandbox_deploy

    from .factories import make_user

    cache.clear()
    solution = catalog.scenarios()["rest-order-service"].reference_solution.to_dict()
    # 0.01 a second: the calls take a few real seconds, which refill no whole token
    solution["stages"] = [{**solution["stages"][0], "throttle_rate": 0.01, "throttle_burst": 20}]
    design = Design.from_dict(solution)
    attempt = LabAttempt.objects.create(user=make_user("racer"), scenario="rest-order-service", design=solution)
    sandbox_deploy(attempt, design)
    sandbox = LabSandbox.objects.get(attempt=attempt)
    token = Sandbox.from_dict(sandbox.state).sample_token()
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(4):
                statuses.append(Client().get(f"/sandbox/{sandbox.key}/prod/orders",
                                             headers={"Authorization": token}).status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert sorted(statuses) == [200] * 20 + [429] * 12  # the burst of 20, then nothing refilled
    sandbox.refresh_from_db()
    assert sandbox.state["state"]["counter"] == 32
    assert SandboxCall.objects.filter(sandbox=sandbox, source="url").count() == 32
    cache.clear()


def test_calls_made_in_real_time_see_the_bucket_refill_as_on_aws(learner_client, client, course, fresh_cache):
    """A learner's curl loop: the stage's burst is spent, then the bucket refills with the real time that
    passes between calls (the virtual clock catches up with it), as API Gateway's token bucket does."""
    from labs.apigw.gateway import Sandbox
    from labs.apigw.model import Design
    from labs.sandboxes import deploy as sandbox_deploy

    solution = catalog.scenarios()["rest-order-service"].reference_solution.to_dict()
    solution["stages"] = [{**solution["stages"][0], "throttle_rate": 1, "throttle_burst": 2}]
    attempt = start(learner_client, "rest-order-service")
    LabAttempt.objects.filter(pk=attempt.pk).update(design=solution)
    sandbox_deploy(attempt, Design.from_dict(solution))
    row = LabSandbox.objects.get(attempt=attempt)
    token = Sandbox.from_dict(row.state).sample_token()

    def call() -> int:
        return client.get(f"/sandbox/{row.key}/prod/orders", headers={"Authorization": token}).status_code

    def wait(seconds: float) -> None:  # as if the learner paused: the row was last written that long ago
        LabSandbox.objects.filter(pk=row.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))

    assert [call(), call()] == [200, 200]
    wait(0)
    assert call() == 429  # the burst of 2 is spent, and no real time has passed
    wait(1.5)
    assert call() == 200  # 1.5 s at 1 a second: one token back
    wait(0)
    assert call() == 429
    trace = SandboxCall.objects.filter(sandbox=row).order_by("-id")[1].trace
    assert any(step["step"] == "throttling" and step["decision"].startswith("passed") for step in trace)


def test_a_console_call_answered_by_htmx_also_brings_the_execution_log_up_to_date(learner_client, course):
    attempt = solved(learner_client, "rest-order-service")
    deploy(learner_client, attempt)
    page = learner_client.get(reverse("labs:sandbox", args=[attempt.pk])).content.decode()
    assert '<section id="execution-log" hidden>' in page  # nothing called yet: a place for the log to come
    answer = learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]),
                                 {"stage": "prod", "method": "GET", "path": "/nowhere"}, HTTP_HX_REQUEST="true")
    answer = answer.content.decode()
    assert 'id="execution-log"' in answer and 'hx-swap-oob="true"' in answer
    call = SandboxCall.objects.get(sandbox__attempt=attempt)
    assert f'href="?call={call.pk}#result" aria-current="true"' in answer  # the new call, shown as the one open
