from __future__ import annotations

import pytest

from labs import catalog
from labs.models import LabAttempt
from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_build_the_notes_api_lab_step_by_step(page, course):
    """The http-jwt-cors lab, as a learner clicks through it: the findings and objectives update as
    fields are left, and the finished design meets every objective."""
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    page.goto("/labs/")
    assert_accessible(page)
    page.get_by_role("link", name="A low-cost notes API for a single-page app").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start the lab").click()
    page.wait_for_url("**/designs/*/api/")
    assert_accessible(page)

    # 1. The API: a learner changes the type and leaves the field; the draft saves by itself.
    page.get_by_label("Name", exact=True).fill("notes-api")
    page.get_by_role("radio", name="HTTP API").check()
    page.get_by_test_id("design-status").get_by_text("1 of 8 objectives met").wait_for()
    page.get_by_role("button", name="Save and continue").click()

    # 2. Endpoint: HTTP APIs are regional only; the others are shown, disabled, with the reason.
    page.wait_for_url("**/endpoint/")
    assert page.get_by_role("radio", name="Private").is_disabled()
    page.get_by_role("radio", name="Regional").check()
    page.get_by_role("button", name="Save and continue").click()

    # 3. Routes: a mistake is explained as soon as the field is left.
    page.wait_for_url("**/routes/")
    page.get_by_label("Route 1").fill("GET /notes/{noteId")
    page.get_by_label("Route 2").focus()
    page.locator('[data-rule="route.path-param-whole-segment"]').wait_for()
    assert page.get_by_role("link", name="Why: read the lesson").first.get_attribute("href").startswith("/course/")
    page.get_by_label("Route 1").fill("GET /notes")
    page.get_by_label("Route 2").fill("POST /notes")
    page.get_by_label("Route 3").fill("GET /notes/{noteId}")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/integrations/")
    page.get_by_role("link", name="Routes").click()
    page.get_by_label("Route 4").fill("DELETE /notes/{noteId}")
    page.get_by_role("button", name="Save and continue").click()
    assert_accessible(page)

    # The rest of the design, step by step, from the lab's reference solution.
    solution = catalog.scenarios()["http-jwt-cors"].reference_solution
    arn = solution.routes[0].integration.lambda_arn
    page.wait_for_url("**/integrations/")
    for index in range(4):
        page.locator(f"#id_integrations-{index}-kind").select_option("lambda_proxy")
        page.locator(f"#id_integrations-{index}-target").fill(arn)
        page.locator(f"#id_integrations-{index}-timeout_ms").fill("5000")
        page.locator(f"#id_integrations-{index}-payload_format_version").select_option("2.0")
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url("**/security/")
    authorizer = solution.authorizers[0]
    page.locator("#id_authorizers-0-name").fill(authorizer.name)
    page.locator("#id_authorizers-0-type").select_option("JWT")
    page.locator("#id_authorizers-0-identity_sources").fill(", ".join(authorizer.identity_sources))
    page.locator("#id_authorizers-0-issuer").fill(authorizer.issuer)
    page.locator("#id_authorizers-0-audience").fill(", ".join(authorizer.audience))
    for index in range(4):
        page.locator(f"#id_security-{index}-authorization").select_option("JWT")
        page.locator(f"#id_security-{index}-authorizer").fill(authorizer.name)
    cors = solution.cors
    page.get_by_label("Allow browsers on other origins (CORS)").check()
    page.get_by_label("Allowed origins").fill(", ".join(cors.allow_origins))
    page.get_by_label("Allowed methods").fill(", ".join(cors.allow_methods))
    page.get_by_label("Allowed headers").fill(", ".join(cors.allow_headers))
    if cors.max_age is not None:
        page.get_by_label("Max age (s)").fill(str(cors.max_age))
    page.get_by_role("button", name="Save and continue").click()

    page.wait_for_url("**/stages/")
    stage = solution.stages[0]
    page.locator("#id_stages-0-name").fill(stage.name)
    if stage.throttle_rate is not None:
        page.locator("#id_stages-0-throttle_rate").fill(str(stage.throttle_rate))
        page.locator("#id_stages-0-throttle_burst").fill(str(stage.throttle_burst))
    if stage.auto_deploy:
        page.locator("#id_stages-0-auto_deploy").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/stages/")

    status = page.get_by_test_id("design-status").inner_text()
    attempt = LabAttempt.objects.get()
    assert "8 of 8 objectives met" in status, (status, attempt.design)
    assert attempt.completed_at is not None
    page.get_by_text("OpenAPI 3.0").click()
    assert "x-amazon-apigateway-integration" in page.locator("#export-openapi").inner_text()
    assert page.locator(".design-diagram svg").count() == 1
    assert_accessible(page)


def test_import_an_openapi_document_and_continue_in_the_builder(page, course):
    make_user("ben", first_name="Ben")
    log_in(page, "ben", PASSWORD)
    page.goto("/labs/import/")
    assert_accessible(page)
    page.get_by_label("The document").fill(
        "openapi: 3.0.1\n"
        "info: {title: pets, version: '1.0', description: A pet shop}\n"
        "paths:\n"
        "  /pets:\n"
        "    get:\n"
        "      x-amazon-apigateway-integration: {type: mock}\n"
    )
    page.get_by_label("Import as").select_option("http")
    page.get_by_role("button", name="Check the document").click()
    page.get_by_role("heading", name="Findings").wait_for()
    assert page.locator('.finding').filter(has_text="mock").count() >= 1
    assert_accessible(page)
    page.get_by_role("button", name="Continue in the builder").click()
    page.wait_for_url("**/designs/*/api/")
    assert page.get_by_label("Name", exact=True).input_value() == "pets"
    assert_accessible(page)
