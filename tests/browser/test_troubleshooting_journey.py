"""A troubleshooting lab as a learner walks it (issue 10): start from the team's broken deployment, read the
execution log, predict, fix the design, deploy, call, and see "Lab complete"; on a laptop and on a phone."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_diagnose_a_stage_variable_from_the_log_fix_deploy_call_complete(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    page.goto("/labs/troubleshoot-stage-variable/")
    page.get_by_role("button", name="Start").first.click()
    page.wait_for_url("**/sandbox/")
    page.get_by_text("their calls are in the execution log").wait_for()
    assert page.get_by_text("The ticket").is_visible()
    assert_accessible(page)

    # Read the log: this morning's calls were answered by pricing version 2 on prod.
    log = page.locator(".execution-log .log-entry")
    assert log.count() == 3
    log.filter(has_text="stage prod").first.get_by_role("link").click()
    page.locator("#result .trace-step").filter(has_text="integration-request").filter(
        has_text="lambdaAlias} = 'next'").wait_for()
    page.get_by_role("button", name="Check my lab").click()
    page.get_by_text("objectives met. Not yet:").wait_for()

    # Fix the variable in the builder's Stages step.
    page.get_by_role("link", name="builder").first.click()
    page.goto(page.url.rsplit("/", 2)[0] + "/stages/")
    prod = page.locator("textarea[id$='-variables']").nth(1)
    assert "lambdaAlias=next" in prod.input_value()
    prod.fill("lambdaAlias=live")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved.").wait_for()
    page.get_by_role("link", name="Run it in the sandbox").click()
    page.wait_for_url("**/sandbox/")
    page.get_by_text("still serve the old deployment").wait_for()  # saved is not deployed

    # Deploy, predict, call prod, and the lab is complete.
    page.get_by_role("button", name="Deploy again").click()
    page.get_by_text("Deployed as").wait_for()
    page.get_by_label("Path").fill("/prices")
    page.locator("#id_stage").select_option("prod")
    page.get_by_label("I predict the status").fill("200")
    page.get_by_label("…decided by the step").select_option("integration")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Your prediction was right").wait_for()
    assert page.locator("#result").get_by_text('"version": 1').count() >= 1
    # The console's answer (htmx) brings the lab panel up to date with it: the call met the last
    # objective, so the lab is complete without another click, and stays so after a reload.
    page.get_by_test_id("sandbox-objectives-status").filter(has_text="5 of 5 objectives met").wait_for()
    page.get_by_role("heading", name="Lab complete").wait_for()
    assert page.get_by_role("button", name="Check my lab").count() == 0
    page.reload()
    page.get_by_role("heading", name="Lab complete").wait_for()
    assert_accessible(page)


def test_the_execution_log_reads_on_a_phone_and_by_keyboard(phone_page, course):
    make_user("bo")
    log_in(phone_page, "bo", PASSWORD)
    phone_page.goto("/labs/troubleshoot-not-redeployed/")
    phone_page.get_by_role("button", name="Start").first.click()
    phone_page.wait_for_url("**/sandbox/")
    entries = phone_page.locator(".execution-log .log-entry")
    assert entries.count() == 3
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways on a phone ({width}px)"
    link = entries.filter(has_text="403").first.get_by_role("link")
    link.focus()
    phone_page.keyboard.press("Enter")
    phone_page.locator("#result .trace-step").filter(has_text="MISSING_AUTHENTICATION_TOKEN").wait_for()
    assert_accessible(phone_page)
