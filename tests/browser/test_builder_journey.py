"""The builder in a real browser (issue 13): its first screen, a lab finished on a phone, imported designs,
starting again, "+ Add a route" without JavaScript and a design paged 25 routes at a time. Every page
here must pass axe with no violation of any impact (minor and moderate too), not only the serious ones
the other journeys check; a few are checked in dark mode as well."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from labs import catalog
from labs.models import LabAttempt
from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def assert_no_axe_violations(page) -> None:
    """axe-core on the page at rest: any violation, whatever its impact, fails. An autosave in flight ends
    and transitions finish first, so no colour is measured half-way between two states (the "Checking…"
    indicator fading in, a button a tap left hovered)."""
    page.wait_for_timeout(200)  # longer than the builder's "change delay:150ms": a pending autosave has started
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.evaluate("() => Promise.all(document.getAnimations().map(animation => animation.finished.catch(() => null)))")
    assert_accessible(page, every_impact=True)


def _start(page, title: str) -> None:
    """From the list of labs to the lab's first builder step, as a learner clicks through."""
    page.goto("/labs/")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Start the lab").click()
    page.wait_for_url("**/designs/*/api/")


def _status(page):
    return page.get_by_test_id("design-status")


def test_the_first_screen_preselects_nothing_and_checks_a_choice_as_it_is_made(page, course):
    """A new lab opens on the API step with no type chosen, no error and no objective met; choosing
    REST saves the draft by itself (while "Checking…" shows), and the findings and objectives follow."""
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    scenario = catalog.scenarios()["rest-order-service"]
    total = len(scenario.objectives)
    page.goto("/labs/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name=scenario.title).click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Start the lab").click()
    page.wait_for_url("**/designs/*/api/")

    radios = page.locator('input[type="radio"][name="api_type"]')
    assert radios.count() == 3
    for index in range(radios.count()):
        expect(radios.nth(index)).not_to_be_checked()
    assert page.locator(".finding-error").count() == 0
    expect(page.locator("#step-findings")).to_contain_text(
        "Fill in this step: it is checked against API Gateway's rules each time you leave a field.")
    expect(_status(page)).to_contain_text(f"0 of {total} objectives met")
    expect(page.locator(".objectives-list .objective.met")).to_have_count(0)
    expect(page.locator(".objectives-list")).to_contain_text("Choose the API type")
    expect(page.locator("#check-indicator")).to_have_css("opacity", "0")
    assert_no_axe_violations(page)

    # Hold the autosave in flight, to see the indicator while it runs.
    held = []
    page.route("**/check/", lambda route: held.append(route))
    page.get_by_role("radio", name="REST API").check()
    expect(page.locator("#check-indicator")).to_have_css("opacity", "1")
    expect(page.locator("#check-indicator")).to_have_text("Checking…")
    assert len(held) == 1 and "/api/check/" in held[0].request.url
    held[0].continue_()
    page.unroute("**/check/")

    expect(page.locator("#check-indicator")).to_have_css("opacity", "0")
    expect(page.locator("#step-findings")).not_to_contain_text("Fill in this step")
    expect(_status(page)).to_contain_text(f"1 of {total} objectives met")
    expect(page.locator(".objectives-list .objective.met")).to_have_count(1)
    expect(page.locator(".objectives-list")).not_to_contain_text("Choose the API type")
    assert LabAttempt.objects.get().read_design()[0].api_type == "rest"
    assert_no_axe_violations(page)

    # The choice was saved: the page comes back with it, in dark mode too.
    page.get_by_role("button", name="Dark mode").click()
    page.reload()
    expect(page.get_by_role("radio", name="REST API")).to_be_checked()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    assert_no_axe_violations(page)


def test_a_lab_completed_on_a_phone(phone_page, course):
    """The http-jwt-cors lab on a 390×844 touch screen, from the reference solution, by taps and typing:
    all six steps, "+ Add a route" for the rows, and the "Lab complete" card at the end."""
    page = phone_page
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    scenario = catalog.scenarios()["http-jwt-cors"]
    solution = scenario.reference_solution
    total = len(scenario.objectives)
    page.goto("/labs/")
    page.get_by_role("link", name=scenario.title).tap()
    page.get_by_role("button", name="Start the lab").tap()
    page.wait_for_url("**/designs/*/api/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the builder scrolls sideways on a phone"

    def tap_and_type(field, text: str) -> None:
        """A finger on the field, then the keyboard, once the tap has put the focus there (a touch
        focuses the field after the tap's events are handled, not as tap() returns)."""
        field.tap()
        expect(field).to_be_focused()
        page.keyboard.type(text)

    def save_and_continue(next_step: str) -> None:
        page.get_by_role("button", name="Save and continue").tap()
        page.wait_for_url(f"**/{next_step}/")
        assert_no_axe_violations(page)

    # 1. The API
    assert_no_axe_violations(page)
    tap_and_type(page.get_by_label("Name", exact=True), solution.name)
    tap_and_type(page.get_by_label("Description"), solution.description)
    page.get_by_role("radio", name="HTTP API").tap()
    expect(_status(page)).to_contain_text(f"1 of {total} objectives met")
    save_and_continue("endpoint")

    # 2. Endpoint: an HTTP API is regional.
    page.get_by_role("radio", name="Regional").tap()
    page.get_by_role("radio", name="Clients all over the world").tap()
    page.get_by_label("The clients retry failed calls (with backoff)").tap()
    save_and_continue("routes")

    # 3. Routes: three blank rows, and "+ Add a route" for each one more.
    keys = [route.key for route in solution.routes]
    for index, key in enumerate(keys):
        if index >= 3:
            page.get_by_role("button", name="+ Add a route").tap()
            expect(page.get_by_label(f"Route {index + 1}", exact=True)).to_be_focused()
        else:
            page.get_by_label(f"Route {index + 1}", exact=True).tap()
            expect(page.get_by_label(f"Route {index + 1}", exact=True)).to_be_focused()
        page.keyboard.type(key)
    assert_no_axe_violations(page)
    save_and_continue("integrations")
    assert [r.key for r in LabAttempt.objects.get().read_design()[0].routes] == keys

    # 4. Integrations, one per route.
    for index, route in enumerate(solution.routes):
        integration = route.integration
        page.locator(f"#id_integrations-{index}-kind").select_option(integration.kind)
        tap_and_type(page.locator(f"#id_integrations-{index}-target"), integration.lambda_arn)
        page.locator(f"#id_integrations-{index}-timeout_ms").fill(str(integration.timeout_ms))
        page.locator(f"#id_integrations-{index}-payload_format_version").select_option(
            integration.payload_format_version)
    save_and_continue("security")

    # 5. Security: the JWT authorizer, each route behind it, and CORS for the web app.
    authorizer = solution.authorizers[0]
    tap_and_type(page.locator("#id_authorizers-0-name"), authorizer.name)
    page.locator("#id_authorizers-0-type").select_option(authorizer.type)
    page.locator("#id_authorizers-0-identity_sources").fill(", ".join(authorizer.identity_sources))
    page.locator("#id_authorizers-0-issuer").fill(authorizer.issuer)
    page.locator("#id_authorizers-0-audience").fill(", ".join(authorizer.audience))
    for index, route in enumerate(solution.routes):
        page.locator(f"#id_security-{index}-authorization").select_option(route.authorization)
        page.locator(f"#id_security-{index}-authorizer").fill(route.authorizer)
    cors = solution.cors
    page.get_by_label("Allow browsers on other origins (CORS)").tap()
    page.get_by_label("Allowed origins").fill(", ".join(cors.allow_origins))
    page.get_by_label("Allowed methods").fill(", ".join(cors.allow_methods))
    page.get_by_label("Allowed headers").fill(", ".join(cors.allow_headers))
    page.get_by_label("Max age (s)").fill(str(cors.max_age))
    save_and_continue("stages")

    # 6. Stages: the last step saves and stays.
    stage = solution.stages[0]
    tap_and_type(page.locator("#id_stages-0-name"), stage.name)
    page.locator("#id_stages-0-throttle_rate").fill(str(stage.throttle_rate))
    page.locator("#id_stages-0-throttle_burst").fill(str(stage.throttle_burst))
    page.locator("#id_stages-0-auto_deploy").tap()
    assert page.get_by_role("button", name="Save and continue").count() == 0
    # The page is already /stages/: wait for the one the save loads. (The autosave of the last field may
    # have completed the lab already, so the message says "Saved." or "Lab complete".)
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).tap()
    expect(page.locator(".messages")).to_contain_text(re.compile("Saved|Lab complete"))

    expect(_status(page)).to_contain_text(f"{total} of {total} objectives met")
    attempt = LabAttempt.objects.get()
    assert attempt.completed_at is not None, attempt.design
    finish = page.locator(".lab-finish")
    expect(finish.get_by_role("heading", name="Lab complete")).to_be_visible()
    expect(finish).to_contain_text(f"It meets all {total} objectives")
    expect(finish).to_contain_text("HTTP API with 4 routes")
    expect(finish.locator("li")).to_have_count(total)
    assert finish.get_by_role("link").count() >= 2  # the lessons, and the next lab
    next_lab = list(catalog.scenarios().values())[list(catalog.scenarios()).index(scenario.slug) + 1]
    expect(finish.get_by_role("link", name=f"Next lab: {next_lab.title}")).to_be_visible()
    finish.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_axe_violations(page)
    # The same page in dark mode (the toggle is in the phone's collapsed menu).
    page.get_by_role("button", name="Show the menu").tap()
    page.get_by_role("button", name="Dark mode").tap()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    assert_no_axe_violations(page)


#: An HTTP API (its CORS extension says so) whose routes break rules: errors, related findings, a warning.
HTTP_DOCUMENT = """\
openapi: 3.0.1
info: {title: pets, version: '1.0', description: A pet shop}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        {type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations'}
    post:
      security: [{petsAuth: []}]
      x-amazon-apigateway-integration: {type: mock}
  /pets/{petId}:
    get:
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'https://example.com/pets/{petId}'}
components:
  securitySchemes:
    petsAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE']
x-amazon-apigateway-cors: {allowOrigins: ['https://pets.example.com'], allowMethods: [GET, POST]}
"""

#: A private REST API with API keys, request validation and a resource policy: every optional part of the
#: security step is shown, and the AWS-service integration opens its "More settings".
REST_DOCUMENT = """\
swagger: '2.0'
info: {title: shop, version: '2.0'}
x-amazon-apigateway-api-key-source: HEADER
x-amazon-apigateway-endpoint-configuration: {types: [PRIVATE]}
x-amazon-apigateway-policy:
  Version: '2012-10-17'
  Statement: [{Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: '*'}]
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
securityDefinitions:
  api_key: {type: apiKey, name: x-api-key, in: header}
paths:
  /items:
    get:
      security: [{api_key: []}]
      x-amazon-apigateway-request-validator: all
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: 'arn:aws:apigateway:us-east-1:dynamodb:action/Scan'
        credentials: 'arn:aws:iam::123456789012:role/shop'
        requestTemplates: {application/json: '{"TableName": "items"}'}
"""


@pytest.mark.parametrize(("document", "name", "routes"), [(HTTP_DOCUMENT, "pets", 3), (REST_DOCUMENT, "shop", 1)],
                         ids=["http", "rest"])
def test_an_imported_design_is_accessible_on_every_builder_step(page, course, document, name, routes):
    """A design imported from OpenAPI has no lab (no guide above the form): each step's headings must
    still go down one level at a time, and axe finds nothing of any impact."""
    make_user("ben", first_name="Ben")
    log_in(page, "ben", PASSWORD)
    page.goto("/labs/import/")
    page.get_by_label("The document").fill(document)
    page.get_by_role("button", name="Check the document").click()
    page.get_by_role("heading", name="Findings").wait_for()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Continue in the builder").click()
    page.wait_for_url("**/designs/*/api/")
    assert page.get_by_label("Name", exact=True).input_value() == name
    assert page.locator(".guide").count() == 0
    assert len(LabAttempt.objects.get().read_design()[0].routes) == routes

    for number, step in enumerate(("api", "endpoint", "routes", "integrations", "security", "stages"), start=1):
        if step != "api":
            page.get_by_role("navigation", name="Builder steps").get_by_role("link", name=re.compile(rf"^{number}\. ")).click()
            page.wait_for_url(f"**/{step}/")
        assert_no_axe_violations(page)
        levels = page.locator("main h1, main h2, main h3, main h4, main h5, main h6").evaluate_all(
            "els => els.map(e => Number(e.tagName[1]))")
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{step}: headings go from h{before} to h{after} ({levels})"


def test_starting_again_asks_first_and_keeping_the_design_keeps_it(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    scenario = catalog.scenarios()["rest-order-service"]
    _start(page, scenario.title)
    page.get_by_label("Name", exact=True).fill("orders-api")
    page.get_by_role("radio", name="REST API").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/endpoint/")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=scenario.title).click()
    page.wait_for_url(f"**/labs/{scenario.slug}/")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Start again from scratch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start this lab again from scratch?")
    expect(page.get_by_role("button", name="Clear my design and start again")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Keep my design").click()
    page.wait_for_url("**/designs/*/endpoint/")

    attempt = LabAttempt.objects.get()
    assert attempt.read_design()[0].name == "orders-api"
    page.get_by_role("navigation", name="Builder steps").get_by_role("link", name="1. API type").click()
    page.wait_for_url("**/api/")
    expect(page.get_by_label("Name", exact=True)).to_have_value("orders-api")
    expect(page.get_by_role("radio", name="REST API")).to_be_checked()


def test_add_a_route_without_javascript_saves_and_comes_back_with_one_more_row(browser, live_server, course):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        make_user("ada", first_name="Ada")
        log_in(page, "ada", PASSWORD)
        _start(page, catalog.scenarios()["http-jwt-cors"].title)
        page.get_by_role("navigation", name="Builder steps").get_by_role("link", name="3. Routes").click()
        page.wait_for_url("**/routes/")
        expect(page.locator(".route-row")).to_have_count(3)
        page.get_by_label("Route 1", exact=True).fill("GET /notes")
        page.get_by_role("button", name="+ Add a route").click()
        page.wait_for_url("**/routes/?rows=3#routes-end")
        expect(page.get_by_label("Route 1", exact=True)).to_have_value("GET /notes")
        expect(page.locator(".route-row")).to_have_count(4)
        empty = page.locator('.route-row input[name$="-key"]').evaluate_all("els => els.filter(e => !e.value).length")
        assert empty == 3, "one row more than the page had, as with JavaScript: the route written and three empty"
        assert [r.key for r in LabAttempt.objects.get().read_design()[0].routes] == ["GET /notes"]
        # (No axe here: it runs as a script, and this page has none. The markup is the one checked above.)
    finally:
        context.close()


def test_a_large_design_pages_its_routes_accessibly(page, course):
    """Thirty imported routes: the integrations and security steps show 25 at a time, with a page list."""
    make_user("ben", first_name="Ben")
    log_in(page, "ben", PASSWORD)
    paths = "".join(f"  /items{n}:\n    get:\n      x-amazon-apigateway-integration: {{type: mock}}\n" for n in range(30))
    page.goto("/labs/import/")
    page.get_by_label("The document").fill(f"openapi: 3.0.1\ninfo: {{title: big, version: '1'}}\npaths:\n{paths}")
    page.get_by_label("Import as").select_option("rest")
    page.get_by_role("button", name="Check the document").click()
    page.get_by_role("button", name="Continue in the builder").click()
    page.wait_for_url("**/designs/*/api/")
    for step in ("integrations", "security"):
        page.goto(page.url.rsplit("/", 2)[0] + f"/{step}/")
        pages = page.get_by_role("navigation", name="Pages of routes")
        expect(pages.get_by_role("link")).to_have_count(2)
        expect(pages.get_by_role("link", name="Routes 1–25")).to_have_attribute("aria-current", "page")
        expect(page.locator('select[id$="-kind"], select[id$="-authorization"]')).to_have_count(25)
        assert_no_axe_violations(page)
        pages.get_by_role("link", name="Routes 26–30").click()
        page.wait_for_url(f"**/{step}/?from=25")
        expect(page.locator('select[id$="-kind"], select[id$="-authorization"]')).to_have_count(5)
        assert_no_axe_violations(page)
