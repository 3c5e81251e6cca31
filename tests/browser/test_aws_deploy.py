"""Deploying to AWS as a learner does it (issue 11), in Chromium against the live server: the deploy
page, the plan, the progress page filling in call by call (a real django_tasks_db worker in a thread,
moto as a server behind the proxy, throttling slowing one call so the page is seen mid-run and
reloaded), the result with its verification, then teardown to nothing left."""

from __future__ import annotations

import re
import threading

import pytest

from labs import catalog
from labs.builder import STEP_IDS
from labs.models import AwsAccountLink, AwsDeployment, LabAttempt
from tests.factories import PASSWORD, make_user

from ..apigw.moto_server import aws, moto  # noqa: F401 — fixtures
from ..labs.aws_support import SITE_PRINCIPAL, lab_functions, make_role
from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(settings):
    """``manage.py db_worker``'s loop in a thread, on the database task backend."""
    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    w = Worker(queue_names=["*"], interval=0.2, batch=False, backend_name="default", startup_delay=False,
               max_tasks=None, worker_id="browser-test", excluded_queue_names=[])

    def loop() -> None:
        try:
            w.run()
        finally:
            connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield w
    w.running = False
    thread.join(30)


def test_deploy_watch_the_calls_read_the_result_and_tear_down(page, course, aws, settings, worker):
    settings.AWS_DEPLOY_ENDPOINT_URL = aws.endpoint
    settings.AWS_SITE_PRINCIPAL = SITE_PRINCIPAL
    user = make_user("ada", first_name="Ada")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    attempt = LabAttempt.objects.create(user=user, scenario="rest-order-service", title="Orders",
                                        design=solution.to_dict(), steps_saved=list(STEP_IDS))
    lab_functions(aws, attempt)
    AwsAccountLink.objects.create(user=user, role_arn=make_role(aws))
    log_in(page, "ada", PASSWORD)
    page.goto(attempt.get_absolute_url())
    page.get_by_role("link", name="Deploy to my AWS account").click()
    page.wait_for_url("**/aws/")
    assert page.locator("#external-id").is_visible()
    assert_accessible(page)

    page.get_by_label("Region").select_option("us-east-1")
    page.get_by_label("Tear it down automatically after").select_option(label="1 hour")
    page.get_by_label("The Gateway Academy role in my account (recommended)").check()
    page.get_by_role("button", name="Show the plan").click()
    page.wait_for_url("**/plan/")
    assert page.get_by_text("apigateway.create_rest_api").first.is_visible()
    assert page.get_by_text("If you forget, the site tears it down 1 hour after").is_visible()
    assert_accessible(page)

    # Throttle CreateDeployment: botocore backs off and retries, so the run is seen half-way
    aws.proxy.throttle(r"POST /restapis/[^/]+/deployments", 4)
    page.get_by_role("button", name="Apply the plan").click()
    page.wait_for_url(re.compile(r".*/aws/\d+/$"))
    progress = page.locator("#aws-progress")
    page.locator('#aws-progress[data-finished="no"] [data-testid="call"]').first.wait_for(timeout=20_000)
    seen_running = page.locator('[data-testid="call"]').count()
    page.reload()  # the state is the row's: nothing is lost
    assert page.locator('[data-testid="call"]').count() >= seen_running
    page.locator('#aws-progress[data-finished="yes"]').wait_for(timeout=60_000)
    assert progress.get_attribute("data-status") == "deployed"
    assert page.locator('[data-testid="call"]').count() > seen_running
    page.get_by_role("heading", name="Invoke URLs").wait_for()
    row = AwsDeployment.objects.get()
    assert page.get_by_text(f"https://{row.record['ids']['api']}.execute-api.us-east-1.amazonaws.com/prod", exact=True).is_visible()
    assert page.get_by_role("heading", name="What AWS reports, checked against your design").is_visible()
    assert page.get_by_role("heading", name="The lab's objectives, against what AWS reports").is_visible()
    assert page.get_by_text("17 of 17 steps of the apply run done.").is_visible()
    assert page.get_by_role("progressbar").get_attribute("aria-valuenow") == "17"
    assert_accessible(page)

    page.get_by_role("button", name="Tear down").click()
    page.get_by_test_id("nothing-left").wait_for(timeout=60_000)
    assert progress.get_attribute("data-status") == "torn_down"
    assert_accessible(page)
    page.goto("/labs/aws/")
    assert page.get_by_role("cell", name=row.deployment_id).is_visible()
    assert page.get_by_text("Torn down").first.is_visible()


def test_on_a_phone_with_the_keyboard_only(phone_page, course, aws, settings):
    settings.AWS_DEPLOY_ENDPOINT_URL = aws.endpoint
    settings.AWS_SITE_PRINCIPAL = SITE_PRINCIPAL
    page = phone_page
    user = make_user("ada", first_name="Ada")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    attempt = LabAttempt.objects.create(user=user, scenario="rest-order-service", title="Orders",
                                        design=solution.to_dict(), steps_saved=list(STEP_IDS))
    log_in(page, "ada", PASSWORD)
    page.goto(f"/labs/designs/{attempt.pk}/aws/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    assert_accessible(page)
    page.get_by_label("Your role's ARN (the stack's RoleArn output)").focus()
    page.keyboard.type("arn:aws:iam::123456789012:role/GatewayAcademyDeployer")
    page.keyboard.press("Enter")
    page.get_by_text("Role connected: the site assumes it").wait_for()
    page.get_by_label("Region").focus()
    page.keyboard.press("Tab")  # stage
    page.keyboard.press("Tab")  # hours
    page.keyboard.press("Tab")  # the chosen credentials radio
    page.keyboard.press("ArrowDown")  # the next one: pasted credentials
    assert page.get_by_label("Temporary credentials I paste for this deployment").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Show the plan
    page.wait_for_url("**/plan/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_label("Temporary credentials").is_visible()
    assert page.get_by_text("is not torn down automatically").is_visible()
    assert_accessible(page)
