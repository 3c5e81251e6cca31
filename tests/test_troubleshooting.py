"""Troubleshooting labs on the site (issue 10): the learner starts from a broken deployment with real calls in
the execution log, fixes the design, redeploys, calls, and the lab completes; objectives over the sandbox
are shown on the sandbox page and in the builder, and checked on the server, read only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courseware.models import LearningEvent
from labs import catalog
from labs.builder import STEP_IDS
from labs.models import LabAttempt, LabSandbox, SandboxCall

from .labs_support import post_data
from .test_labs import builder, console_fields

TROUBLESHOOTING = ["troubleshoot-not-redeployed", "troubleshoot-stage-variable", "troubleshoot-locked-out",
                   "troubleshoot-mapping-template"]
#: what the execution log shows when the learner arrives: the symptom of each lab
SYMPTOMS = {
    "troubleshoot-not-redeployed": ([200, 403, 403], "route"),
    "troubleshoot-stage-variable": ([200, 200, 200], "integration"),
    "troubleshoot-locked-out": ([403, 200, 403], "policy"),
    "troubleshoot-mapping-template": ([200, 200], "integration"),
}


def start(client, slug: str):
    response = client.post(reverse("labs:start", args=[slug]))
    return LabAttempt.objects.get(scenario=slug), response


def check(client, attempt) -> str:
    response = client.post(builder(attempt, attempt.step), {"check_objectives": "1", "next": "sandbox"}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def sandbox_page(client, attempt) -> str:
    response = client.get(reverse("labs:sandbox", args=[attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("slug", TROUBLESHOOTING)
def test_a_troubleshooting_lab_from_the_broken_start_to_complete_by_plain_posts(learner_client, learner, course, slug):
    scenario = catalog.scenarios()[slug]
    attempt, response = start(learner_client, slug)
    # Start: the team's design, every step theirs, and the sandbox in the broken state.
    assert response.status_code == 302 and response.url == reverse("labs:sandbox", args=[attempt.pk])
    assert attempt.design == scenario.starting_design.to_dict() and set(attempt.steps_saved) == set(STEP_IDS)
    row = LabSandbox.objects.get(attempt=attempt)
    statuses, step = SYMPTOMS[slug]
    calls = list(row.calls.order_by("id"))
    assert [c.status for c in calls] == statuses and all(c.source == SandboxCall.Source.URL for c in calls)
    assert all(c.trace and c.trace[0]["step"] == "stage" for c in calls)  # real traces from the gateway
    assert step in {c.deciding_step for c in calls}
    page = sandbox_page(learner_client, attempt)
    assert "The ticket" in page and "Execution log" in page and f"decided by {step}" in page
    assert "objectives met" in page and "Lab complete" not in page
    # Not complete before the fix: the check names an unmet objective.
    page = check(learner_client, attempt)
    assert "objectives met. Not yet:" in page
    attempt.refresh_from_db()
    assert attempt.completed_at is None
    # Fix the design in the builder: still not complete, since prod serves the broken deployment.
    solution = scenario.reference_solution
    for builder_step in STEP_IDS:
        assert learner_client.post(builder(attempt, builder_step), post_data(builder_step, solution)).status_code == 302
    attempt.refresh_from_db()
    assert attempt.completed_at is None
    assert "still serve the old deployment" in sandbox_page(learner_client, attempt) or slug == "troubleshoot-not-redeployed"
    # Redeploy and call: complete.
    assert learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk])).status_code == 302
    for call in scenario.sandbox.calls:
        if not call.source_ip:  # the console calls from the sample client address
            learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]), console_fields(call))
    page = check(learner_client, attempt)
    attempt.refresh_from_db()
    assert attempt.completed_at is not None, page[-3000:]
    assert "Lab complete" in page
    assert LearningEvent.objects.filter(actor=learner, verb="completed", object_type="lab", object_id=slug).exists()
    finished = learner_client.get(builder(attempt, "api")).content.decode()
    assert "Lab complete" in finished and "You diagnosed and fixed a REST API" in finished


def test_a_check_before_anything_is_fixed_records_nothing_met_twice(learner_client, learner, course):
    attempt, _ = start(learner_client, "troubleshoot-mapping-template")
    check(learner_client, attempt)
    check(learner_client, attempt)
    met = LearningEvent.objects.filter(actor=learner, verb="met", object_type="objective")
    assert met.count() == len(set(met.values_list("object_id", flat=True)))
    assert not LearningEvent.objects.filter(actor=learner, verb="completed").exists()


def test_restarting_brings_the_broken_sandbox_back(learner_client, course):
    attempt, _ = start(learner_client, "troubleshoot-stage-variable")
    learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk]))
    learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]), {"stage": "prod", "method": "GET", "path": "/prices"})
    response = learner_client.post(reverse("labs:start", args=["troubleshoot-stage-variable"]),
                                   {"restart": "1", "confirm": "1"})
    assert response.status_code == 302
    row = LabSandbox.objects.get(attempt=attempt)
    assert row.calls.count() == 3 and len(row.state["deployments"]) == 1
    attempt.refresh_from_db()
    assert attempt.design == catalog.scenarios()["troubleshoot-stage-variable"].starting_design.to_dict()


def test_no_sandbox_to_spare_is_explained_not_a_500(learner_client, course, settings):
    settings.SANDBOX_MAX_PER_LEARNER = 0
    attempt, response = start(learner_client, "troubleshoot-locked-out")
    assert response.status_code == 302
    page = learner_client.get(response.url).content.decode()
    assert "could not be set up" in page
    assert not LabSandbox.objects.filter(attempt=attempt).exists()
    assert "Lab complete" not in check(learner_client, attempt)


def test_the_canary_lab_is_complete_only_once_the_canary_is_deployed(learner_client, learner, course):
    slug = "canary-release"
    attempt, _ = start(learner_client, slug)
    solution = catalog.scenarios()[slug].reference_solution
    for step in STEP_IDS:
        learner_client.post(builder(attempt, step), post_data(step, solution))
    attempt.refresh_from_db()
    assert attempt.completed_at is None
    page = learner_client.get(builder(attempt, "stages")).content.decode()
    assert "Nothing is deployed in your sandbox yet" in page
    learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk]))
    page = check(learner_client, attempt)
    attempt.refresh_from_db()
    assert attempt.completed_at is not None and "Lab complete" in page


def test_a_design_only_lab_never_reads_the_sandbox(learner_client, course):
    attempt, _ = start(learner_client, "rest-order-service")
    with CaptureQueriesContext(connection) as queries:
        assert learner_client.get(builder(attempt, "routes")).status_code == 200
    assert not [q for q in queries.captured_queries if "labs_labsandbox" in q["sql"]]


def test_the_check_is_its_learners_only_and_takes_any_input(learner_client, learner2_client, client, course):
    attempt, _ = start(learner_client, "troubleshoot-not-redeployed")
    url = builder(attempt, "api")
    assert learner2_client.post(url, {"check_objectives": "1"}).status_code == 404
    anonymous = client.post(url, {"check_objectives": "1"})
    assert anonymous.status_code == 302 and "login" in anonymous.url
    for data in ({"check_objectives": "x" * 5000, "next": "\x00"}, {"check_objectives": "1", "next": "https://evil.example"}):
        response = learner_client.post(url, data)
        assert response.status_code == 302 and response.url.startswith("/")


def test_the_sandbox_page_of_a_free_design_has_no_lab_panel(learner_client, learner, course):
    attempt = LabAttempt.objects.create(user=learner, title="Mine", design={"schema": 1, "api_type": "rest"})
    page = sandbox_page(learner_client, attempt)
    assert "lab-objectives" not in page


def test_the_lab_page_says_it_starts_from_a_broken_deployment(learner_client, course):
    page = learner_client.get(reverse("labs:detail", args=["troubleshoot-locked-out"])).content.decode()
    assert "A troubleshooting lab" in page and "Start the lab" in page
    attempt, _ = start(learner_client, "troubleshoot-locked-out")
    page = learner_client.get(reverse("labs:detail", args=["troubleshoot-locked-out"])).content.decode()
    assert reverse("labs:sandbox", args=[attempt.pk]) in page
    page = learner_client.post(reverse("labs:start", args=["troubleshoot-locked-out"]), {"restart": "1"}).content.decode()
    assert "the team's broken one" in page
    page = learner_client.get(reverse("labs:detail", args=["canary-release"])).content.decode()
    assert "checked against your sandbox once you deploy" in page


def test_a_logged_call_shows_what_the_caller_sent(learner_client, course):
    attempt, _ = start(learner_client, "troubleshoot-mapping-template")
    page = sandbox_page(learner_client, attempt)
    assert "Request headers and body" in page and "&quot;quantity&quot;: 12" in page  # the shop sent it
    assert "The request template for application/json ran" in page  # and the trace shows what it produced


def test_a_damaged_stored_sandbox_is_no_500(learner_client, course):
    attempt, _ = start(learner_client, "troubleshoot-not-redeployed")
    LabSandbox.objects.filter(attempt=attempt).update(state={"version": 99, "stages": [{"name": "prod"}]})
    assert learner_client.get(builder(attempt, "api")).status_code == 200
    page = sandbox_page(learner_client, attempt)
    assert "could not be read" in page
    assert "Not yet:" in check(learner_client, attempt)


def test_the_lab_list_marks_the_troubleshooting_labs(client, course):
    html = client.get(reverse("labs:index")).content.decode()
    assert html.count(">Troubleshooting</span>") == len(TROUBLESHOOTING)


def test_a_console_call_by_htmx_refreshes_the_lab_panel(learner_client, course):
    attempt, _ = start(learner_client, "troubleshoot-stage-variable")
    response = learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]),
                                   {"stage": "prod", "method": "GET", "path": "/prices"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="result"' in html and 'id="lab-objectives"' in html and 'hx-swap-oob="true"' in html
    assert "<html" not in html


def test_the_sandbox_page_does_not_name_the_fault_it_asks_the_learner_to_find(learner_client, course):
    """In the not-redeployed lab the design already holds the fix and prod serves an older deployment: the
    page must not say so (the learner finds it in the trace), and an objective's hint waits until asked for.
    Outside a troubleshooting lab the same state gets the reminder as before."""
    attempt, _ = start(learner_client, "troubleshoot-not-redeployed")
    page = sandbox_page(learner_client, attempt)
    assert "Your design has changed since it was deployed" not in page
    assert "deployed, not just designed" not in page
    assert "<summary>Why not yet?" in page  # the hints are there, folded away
    assert "Changes to the design reach it only when they are deployed" in page  # the trace still teaches it


def test_a_stale_deployment_is_pointed_out_in_a_lab_that_is_not_about_finding_it(learner_client, course):
    learner_client.post(reverse("labs:start", args=["canary-release"]))
    attempt = LabAttempt.objects.get(scenario="canary-release")
    design = catalog.scenarios()["canary-release"].reference_solution
    LabAttempt.objects.filter(pk=attempt.pk).update(design=design.to_dict())
    learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk]))
    LabAttempt.objects.filter(pk=attempt.pk).update(design={**design.to_dict(), "description": "changed"})
    assert "Your design has changed since it was deployed" in sandbox_page(learner_client, attempt)


def test_the_lab_completes_by_itself_when_the_call_that_meets_its_last_objective_is_made(learner_client, learner, course):
    """No "Check my lab" needed: the deploy and the console call are recorded as they happen, and the
    panel answered with the call says the lab is complete."""
    attempt, _ = start(learner_client, "troubleshoot-not-redeployed")
    deployed = learner_client.post(reverse("labs:sandbox_deploy", args=[attempt.pk]), follow=True)
    attempt.refresh_from_db()
    assert attempt.completed_at is None and "live" in attempt.objectives_met  # prod now serves the saved design
    assert "Lab complete" not in deployed.content.decode()
    answer = learner_client.post(reverse("labs:sandbox_send", args=[attempt.pk]),
                                 {"stage": "prod", "method": "POST", "path": "/quotes",
                                  "body": '{"items": [{"sku": "blue-widget", "qty": 2}]}'}, HTTP_HX_REQUEST="true")
    attempt.refresh_from_db()
    assert attempt.completed_at is not None
    assert "Lab complete" in answer.content.decode()  # the lab panel, swapped in out of band
    assert LearningEvent.objects.filter(actor=learner, verb="completed").count() == 1
