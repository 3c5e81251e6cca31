"""The instructor's learner page shows the learner's lab designs themselves (findings now, diagram, OpenAPI)
and their sandbox trace (the latest calls with each step), read only, at a cost that does not grow with
what the learner did."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classroom import labwork
from classroom.models import Cohort
from labs import catalog
from labs.models import LabAttempt, LabSandbox, SandboxCall

from .apigw.factories import factory
from .classroom_support import make_cohort
from .test_labs import start
from .test_sandbox_web import console, deploy, fresh_cache, solved  # noqa: F401 (a fixture)


def page_url(cohort, user) -> str:
    return reverse("cohort_learner", args=[cohort.pk, user.pk])


def section(html: str, heading_id: str) -> str:
    """The <section> labelled by this heading."""
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert found, heading_id
    return found.group(0)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


@pytest.fixture
def deployed(learner_client, learner, course):
    """Ada's solved REST lab, deployed to her sandbox and called twice through the console: once without
    a token (the authorizer refuses it), once with the sample token."""
    attempt = solved(learner_client, "rest-order-service")
    assert deploy(learner_client, attempt).status_code == 302
    console(learner_client, attempt, path="/orders", predict_status="401", predict_step="authorization")
    console(learner_client, attempt, path="/orders", sample_token="on")
    return attempt


def test_the_cohorts_instructor_sees_the_design_its_diagram_and_its_openapi(
        deployed, learner, instructor, instructor_client):
    cohort = make_cohort(instructor, learner)
    html = instructor_client.get(page_url(cohort, learner)).content.decode()
    designs = section(html, "designs-heading")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    assert catalog.get("rest-order-service").title in designs
    assert f"REST API “{solution.name}”" in designs
    assert 'data-testid="design-%d-status">0 errors' % deployed.pk in designs
    assert "Completed" in designs and "6 of 6 steps saved" in designs
    # The diagram, server-rendered, with ids of its own on this page and an accessible name.
    svg = re.search(rf'<svg[^>]*id="learner-design-{deployed.pk}"[^>]*>.*?</svg>', designs, re.S).group(0)
    assert 'role="img"' in svg and f'aria-labelledby="learner-design-{deployed.pk}-title' in svg
    assert f'<title id="learner-design-{deployed.pk}-title">REST API {solution.name}' in svg
    # The OpenAPI document, read only, in a <details>.
    openapi = re.search(r'<details class="export">.*?</details>', designs, re.S).group(0)
    assert "OpenAPI 3.0 document" in openapi and "openapi: 3.0" in openapi and "/orders:" in openapi


def test_the_cohorts_instructor_sees_the_sandbox_calls_with_their_trace(deployed, learner, instructor, instructor_client):
    cohort = make_cohort(instructor, learner)
    html = instructor_client.get(page_url(cohort, learner)).content.decode()
    calls = section(html, "calls-heading")
    refused, allowed = SandboxCall.objects.filter(sandbox__attempt=deployed).order_by("id")
    assert calls.index(f'id="call-{allowed.pk}"') < calls.index(f'id="call-{refused.pk}"')  # newest first
    assert calls.count("<code class=\"text-break\">GET /orders</code>") == 2
    assert "decided by <strong>authorization</strong>" in calls and "stage prod" in calls
    assert '401</span>' in calls and '200</span>' in calls
    assert "predicted 401, decided by authorization: right" in calls
    for step in refused.trace:  # every step of the trace, as the sandbox page names it
        assert f'<span class="trace-name">{step["step"]}</span> <strong class="trace-decision">{step["decision"]}</strong>' in calls
    # Nothing secret: no token, no API key, no header or body, no invoke URL (the sandbox's key).
    row = LabSandbox.objects.get(attempt=deployed)
    assert row.key not in html and row.load().sample_token() not in html
    assert "(sample token)" not in html and "Authorization:" not in html


def test_the_trace_hides_the_callers_own_address_and_any_token(learner_client, learner, instructor, instructor_client,
                                                                course, fresh_cache):
    attempt = start(learner_client, "troubleshoot-locked-out")  # its resource policy quotes aws:SourceIp
    row = LabSandbox.objects.get(attempt=attempt)
    stage = next(iter(row.load().stages))
    Client(REMOTE_ADDR="81.2.69.160").get(f"/sandbox/{row.key}/{stage}/prices")
    call = SandboxCall.objects.filter(sandbox=row, source="url").latest("id")
    assert "81.2.69.160" in str(call.trace)  # the learner's own sandbox page shows it to them
    cohort = make_cohort(instructor, learner)
    calls = section(instructor_client.get(page_url(cohort, learner)).content.decode(), "calls-heading")
    assert "81.2.69.160" not in calls and "aws:SourceIp=(the caller&#x27;s IP address)" in calls
    assert "aws:SourceIp=198.51.100.7" in calls  # the scenario's own (documentation) address stays: it is the lesson
    assert labwork.scrub("Bearer abc.def and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig from 2a01:4f8::1, not 1.2.3.0/24") == (
        "Bearer (token) and (token) from (the caller's IP address), not 1.2.3.0/24")


def test_another_cohorts_instructor_gets_a_404(deployed, learner, learner2, instructor, instructor2, instructor2_client):
    cohort = make_cohort(instructor, learner)
    other = make_cohort(instructor2, learner2, name="Class B")
    assert instructor2_client.get(page_url(cohort, learner)).status_code == 404
    assert instructor2_client.get(page_url(other, learner)).status_code == 404


def test_the_page_gives_the_instructor_no_way_to_edit_the_design_or_use_the_sandbox(
        deployed, learner, instructor, instructor_client):
    cohort = make_cohort(instructor, learner)
    html = instructor_client.get(page_url(cohort, learner)).content.decode()
    assert set(re.findall(r'<form[^>]*action="([^"]*)"', html)) <= {reverse("logout")}  # the header's own
    assert html.count("<form") == html.count('action="%s"' % reverse("logout"))
    assert "/labs/designs/" not in html and "/sandbox/" not in html
    assert not re.search(r'hx-(post|put|patch|delete)=', html)
    labs_part = section(html, "designs-heading") + section(html, "calls-heading")
    assert "<input" not in labs_part and "<textarea" not in labs_part and "contenteditable" not in labs_part
    # And the builder itself stays the learner's own.
    assert instructor_client.get(reverse("labs:builder", args=[deployed.pk, "api"])).status_code == 404
    assert instructor_client.get(reverse("labs:sandbox", args=[deployed.pk])).status_code == 404


def test_a_free_design_and_a_design_with_errors_are_shown_with_their_findings(learner, instructor, instructor_client, course):
    design = factory.many_routes("http", 3)
    design.name = "<b>my notes</b>"
    free = LabAttempt.objects.create(user=learner, scenario="", title="Imported API", design=design.to_dict(),
                                     steps_saved=["api", "endpoint", "routes"], step="routes")
    started = LabAttempt.objects.create(user=learner, scenario="private-api", title="Private API",
                                        design=catalog.get("private-api").initial_design().to_dict())
    cohort = make_cohort(instructor, learner)
    designs = section(instructor_client.get(page_url(cohort, learner)).content.decode(), "designs-heading")
    assert "Free design (not a lab scenario)" in designs
    assert "HTTP API “&lt;b&gt;my notes&lt;/b&gt;”" in designs and "<b>my notes</b>" not in designs  # escaped
    assert "3. Routes (3 of 6 steps saved)" in designs
    shown = labwork.designs(learner, {}).rows
    mine = next(d for d in shown if d.pk == started.pk)
    assert mine.errors > 0 and f'data-testid="design-{started.pk}-status">{mine.errors} error' in designs
    assert f'data-rule="{mine.findings[0].rule_id}"' in designs
    assert f'<svg xmlns="http://www.w3.org/2000/svg" id="learner-design-{free.pk}"' in designs


def test_only_the_latest_designs_are_validated_and_openapi_stops_at_its_budget(learner, instructor, instructor_client, course):
    big = factory.many_routes("http", 200).to_dict()
    older, newer = (LabAttempt.objects.create(user=learner, title=f"Big {i}", design=big) for i in range(2))
    for i in range(labwork.DESIGNS_SHOWN):
        LabAttempt.objects.create(user=learner, title=f"Small {i}", design=factory.many_routes("http", 2).to_dict())
    now = timezone.now()
    LabAttempt.objects.filter(pk=older.pk).update(updated_at=now - timedelta(days=30))
    LabAttempt.objects.filter(pk=newer.pk).update(updated_at=now + timedelta(hours=1))
    cohort = make_cohort(instructor, learner)
    designs = section(instructor_client.get(page_url(cohort, learner)).content.decode(), "designs-heading")
    assert designs.count('<details class="card mb-2" id="design-') == labwork.DESIGNS_SHOWN
    assert f"The {labwork.DESIGNS_SHOWN} most recently saved of {labwork.DESIGNS_SHOWN + 2} are shown." in designs
    assert f'id="design-{older.pk}"' not in designs  # the oldest is neither shown nor validated
    assert designs.index(f'id="design-{newer.pk}"') < designs.index('Small 9')  # newest first
    # Two large designs: the newer one's OpenAPI is written, the older one's would pass OPENAPI_ROUTES.
    LabAttempt.objects.filter(pk=older.pk).update(updated_at=now + timedelta(minutes=30))
    rows = {d.pk: d for d in labwork.designs(learner, {}).rows}
    assert "/r99/items/{id}:" in rows[newer.pk].openapi and rows[older.pk].openapi == ""
    assert all(d.openapi for pk, d in rows.items() if pk not in (newer.pk, older.pk))
    designs = section(instructor_client.get(page_url(cohort, learner)).content.decode(), "designs-heading")
    assert "Not shown: this design has 200 routes" in designs


def test_the_page_costs_the_same_queries_for_one_design_or_many(
        deployed, learner, learner2, learner2_client, instructor, instructor_client):
    """Ada: one design, one sandbox, two calls. Ben: five designs, five sandboxes (the troubleshooting labs
    start with theirs, already called), more calls than the page shows."""
    lab = solved(learner2_client, "http-jwt-cors")
    assert deploy(learner2_client, lab).status_code == 302
    stage = next(iter(LabSandbox.objects.get(attempt=lab).load().stages))
    for _ in range(labwork.CALLS_SHOWN):
        console(learner2_client, lab, stage=stage, path="/notes")
    for slug in ("troubleshoot-locked-out", "troubleshoot-mapping-template", "troubleshoot-not-redeployed",
                 "troubleshoot-stage-variable"):
        start(learner2_client, slug)
    assert LabAttempt.objects.filter(user=learner2).count() == 5
    assert LabSandbox.objects.filter(attempt__user=learner2).count() == 5
    assert SandboxCall.objects.filter(sandbox__attempt__user=learner2).count() > labwork.CALLS_SHOWN
    cohort = make_cohort(instructor, learner, learner2)
    one = count_queries(instructor_client, page_url(cohort, learner))
    many = count_queries(instructor_client, page_url(cohort, learner2))
    assert one == many, (one, many)
    assert one <= 20
    calls = section(instructor_client.get(page_url(cohort, learner2)).content.decode(), "calls-heading")
    assert calls.count('<details class="card mb-2" id="call-') == labwork.CALLS_SHOWN
    print(f"learner page: {one} queries with 1 design, {many} with 5 designs and 5 sandboxes")


def test_the_demo_class_learners_have_the_designs_their_record_implies(course, settings, client):
    """seed_demo writes the demo class's lab work as events; seed_demo_labs adds the designs behind them, so
    the instructor's learner page shows a completed lab's design beside the record that says so."""
    from django.core.management import call_command

    from courseware.events import ObjectType, Verb
    from courseware.models import LearningEvent

    settings.DEBUG = True
    call_command("seed_demo", "--learners", "6", "--quiet")
    call_command("seed_demo_labs", "--quiet")
    call_command("seed_demo_labs", "--quiet")  # again: nothing doubles
    done = LearningEvent.objects.filter(verb=Verb.COMPLETED, object_type=ObjectType.LAB,
                                        actor__username__startswith="learner")
    started = set(LearningEvent.objects.filter(verb=Verb.VALIDATED, object_type=ObjectType.LAB,
                                               actor__username__startswith="learner")
                  .values_list("actor_id", "object_id"))
    attempts = LabAttempt.objects.filter(user__username__startswith="learner")
    assert started and set(attempts.values_list("user_id", "scenario")) == started
    assert attempts.count() == len(started)
    event = done.first()
    attempt = attempts.get(user_id=event.actor_id, scenario=event.object_id)
    assert attempt.completed_at == event.timestamp and attempt.started_at <= attempt.completed_at
    assert attempt.read_design()[0] == catalog.scenarios()[event.object_id].reference_solution
    cohort = Cohort.objects.get(name="Demo class")
    client.force_login(cohort.owner)
    page = client.get(reverse("cohort_learner", args=[cohort.pk, event.actor_id])).content.decode()
    assert catalog.scenarios()[event.object_id].title in page and "<svg" in page  # the design, drawn
