"""The sandbox as a learner uses it: deploy, call, read the trace, predict (issue 10)."""

from __future__ import annotations

import pytest

from labs import catalog
from labs.builder import STEP_IDS
from labs.models import LabAttempt
from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_deploy_call_and_read_the_trace(page, course):
    user = make_user("ada", first_name="Ada")
    solution = catalog.scenarios()["rest-order-service"].reference_solution
    attempt = LabAttempt.objects.create(user=user, scenario="rest-order-service", title="Orders",
                                        design=solution.to_dict(), steps_saved=list(STEP_IDS))
    log_in(page, "ada", PASSWORD)
    page.goto(attempt.get_absolute_url())
    page.get_by_role("link", name="Run it in the sandbox").click()
    page.wait_for_url("**/sandbox/")
    assert_accessible(page)
    page.get_by_role("button", name="Deploy to the sandbox").click()
    page.get_by_text("Deployed as").wait_for()
    invoke_url = page.locator("code.invoke-url").first.inner_text()
    assert "/sandbox/" in invoke_url and invoke_url.endswith("/prod/")

    # Predict, then run: no token, so the authorizer refuses.
    page.get_by_label("Path").fill("/orders")
    page.get_by_label("I predict the status").fill("401")
    page.get_by_label("…decided by the step").select_option("authorization")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Your prediction was right").wait_for()
    assert page.locator(".trace-step").filter(has_text="authorization").count() >= 1
    assert_accessible(page)

    # With the sample token the request reaches the Lambda function.
    page.get_by_text("Caller: signature, token, API key, VPC endpoint").click()
    page.get_by_label("Send a valid sample token (Authorization header)").check()
    page.get_by_label("I predict the status").fill("")
    page.get_by_label("…decided by the step").select_option("")
    page.get_by_role("button", name="Send").click()
    page.locator("#result-heading .badge").filter(has_text="200").wait_for()

    # The invoke URL answers a plain HTTP client too.
    answer = page.request.get(invoke_url + "orders")
    assert answer.status == 401 and answer.headers.get("x-amzn-errortype") == "UnauthorizedException"
