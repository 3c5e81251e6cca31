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


def test_add_a_route_without_javascript_saves_and_offers_one_more_row(learner_client, course):
    attempt = start(learner_client, "http-jwt-cors")
    page = learner_client.get(builder(attempt, "routes")).content.decode()
    assert page.count('class="row g-2 align-items-end mb-2 route-row"') == 3 + 1  # three rows and the template
    data = {"routes-TOTAL_FORMS": "3", "routes-INITIAL_FORMS": "0", "routes-0-key": "GET /orders", "rows": "3",
            "add_route": "1", "route_selection_expression": ""}
    response = learner_client.post(builder(attempt, "routes"), data)
    # one route written in three rows: the two left empty come back, and one more
    assert response.status_code == 302 and response.url.endswith("?rows=3#routes-end")
    assert LabAttempt.objects.get(pk=attempt.pk).read_design()[0].routes[0].key == "GET /orders"
    page = learner_client.get(response.url).content.decode()
    assert page.count("route-row\"") == 1 + 3 + 1  # the saved route, three blank rows, the template
    # that page (the saved route and three empty rows), nothing written: the three come back, and one more
    data.update({"routes-TOTAL_FORMS": "4", "rows": "3"})
    response = learner_client.post(builder(attempt, "routes"), data)
    assert response.url.endswith("?rows=4#routes-end")


def test_starting_again_asks_first_and_keeps_the_design_until_confirmed(learner_client, course):
    from labs import catalog

    attempt = start(learner_client, "private-api")
    solution = catalog.scenarios()["private-api"].reference_solution
    learner_client.post(builder(attempt, "routes"), post_data("routes", solution))
    response = learner_client.post(reverse("labs:start", args=["private-api"]), {"restart": "1"})
    assert response.status_code == 200 and "cannot be undone" in response.content.decode()
    assert LabAttempt.objects.get(pk=attempt.pk).read_design()[0].routes
    learner_client.post(reverse("labs:start", args=["private-api"]), {"restart": "1", "confirm": "1"})
    attempt.refresh_from_db()
    assert not attempt.read_design()[0].routes and attempt.steps_saved == []


def test_meeting_every_objective_shows_what_was_built_and_the_next_lab(learner_client, course):
    from labs import catalog
    from labs.builder import STEP_IDS

    attempt = start(learner_client, "rest-order-service")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    for step in STEP_IDS:
        response = learner_client.post(builder(attempt, step), {**post_data(step, solution), "stay": "1"})
    page = learner_client.get(response.url).content.decode()
    assert "Lab complete" in page and "You built a REST API with 3 routes" in page
    assert "Next lab: " + catalog.scenarios()["http-jwt-cors"].title in page


def test_the_diagram_shows_the_clients_hint_whole_and_the_canary_split():
    from labs.apigw.diagram import render_svg
    from labs.apigw.model import Design

    svg = render_svg(Design.from_dict({"schema": 1, "api_type": "rest", "name": "p", "clients": "same-region",
                                       "stages": [{"name": "prod", "canary": {"percent_traffic": 10}}]}))
    assert "in the API&#x27;s Region" in svg or "in the API's Region" in svg
    assert "…" not in svg.split("<desc")[0] + svg.split("</desc>")[1].split("Amazon API Gateway")[0]
    assert "Stage prod · canary 10%" in svg and "90% base, 10% canary" in svg


def test_a_finding_is_linked_from_every_step_that_can_settle_it(learner_client, learner, course):
    from labs.builder import STEP_IDS

    attempt = LabAttempt.objects.create(user=learner, scenario="", steps_saved=list(STEP_IDS), design={
        "schema": 1, "api_type": "rest", "name": "p", "endpoint_types": ["PRIVATE"],
        "routes": [{"key": "GET /a", "integration": {"kind": "mock"}}]})
    endpoint = learner_client.get(builder(attempt, "endpoint")).content.decode()
    assert "Nothing to fix in this step" not in endpoint
    assert "Also about this step" in endpoint and "See it in the Security step" in endpoint
    security = learner_client.get(builder(attempt, "security")).content.decode()
    assert 'data-rule="policy.private-needs-policy"' in security
