"""What a newcomer meets in the builder (issue 13): nothing chosen for them, no free points, a finish."""

from __future__ import annotations

from django.urls import reverse

from labs.models import LabAttempt

from .labs_support import post_data
from .test_labs import builder, start


def test_a_new_lab_preselects_no_api_type_and_meets_no_objective(learner_client, course):
    attempt = start(learner_client, "rest-order-service")
    page = learner_client.get(builder(attempt, "api")).content.decode()
    assert 'name="api_type"' in page and "checked" not in page.split('name="api_type"', 1)[1].split("</fieldset>")[0]
    assert "0 of" in page and "objectives met" in page
    assert "Choose the API type" in page
    assert "finding-error" not in page  # the untouched Name field is not red yet
    assert "Fill in this step" in page


def test_choosing_the_api_type_makes_the_step_the_learners(learner_client, course):
    attempt = start(learner_client, "rest-order-service")
    data = {"name": "", "description": "", "version": "1.0", "tags": "", "api_type": "", "page": "p", "seq": "1"}
    learner_client.post(reverse("labs:check", args=[attempt.pk, "api"]), data, HTTP_HX_REQUEST="true")
    attempt.refresh_from_db()
    assert "api" not in attempt.steps_saved  # a name typed, no type chosen: still untouched
    data.update(api_type="rest", seq="2")
    response = learner_client.post(reverse("labs:check", args=[attempt.pk, "api"]), data, HTTP_HX_REQUEST="true")
    attempt.refresh_from_db()
    assert "api" in attempt.steps_saved
    html = response.content.decode()
    assert "finding-error" in html  # now the empty name is the learner's to fix


def test_an_empty_design_does_not_pass_every_rule(learner_client, course):
    attempt = start(learner_client, "http-jwt-cors")
    attempt.steps_saved = ["api", "endpoint"]
    attempt.save()
    page = learner_client.get(builder(attempt, "routes")).content.decode()
    assert "an empty API passes nothing" in page


def test_the_endpoint_step_offers_the_clients_retry_control(learner_client, course):
    from labs import catalog

    attempt = start(learner_client, "rest-order-service")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    data = post_data("endpoint", solution)
    assert data.get("client_retries") == "on"
    learner_client.post(builder(attempt, "endpoint"), data)
    assert LabAttempt.objects.get(pk=attempt.pk).read_design()[0].client_retries
