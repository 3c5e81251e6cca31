"""An instructor creates a cohort, a learner joins it with the code and takes a quiz, the instructor sees
the attempt and overrides its score with a reason, and the learner sees the new score and why."""

from __future__ import annotations

import pytest

from classroom.models import Cohort, Membership
from courseware.models import Attempt, Question
from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in
from .test_quiz_journey import answer_right

pytestmark = pytest.mark.django_db(transaction=True)


def test_cohort_join_quiz_override_journey(browser, live_server, page, course):
    make_user("ines", first_name="Inès", instructor=True)
    make_user("ada", first_name="Ada", last_name="Lovelace")

    # The instructor creates a cohort and reads its code.
    log_in(page, "ines", PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    assert_accessible(page)
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Name").fill("Tuesday class")
    page.get_by_role("button", name="Create the cohort").click()
    page.get_by_role("heading", name="Tuesday class").wait_for()
    code = page.locator("#join-code").inner_text()
    assert code == Cohort.objects.get().join_code_display
    assert_accessible(page)

    # The learner joins with the code and takes the quiz (one answer right, the rest left).
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    learner = context.new_page()
    learner.set_default_timeout(10_000)
    log_in(learner, "ada", PASSWORD)
    learner.goto("/cohorts/join/")
    learner.get_by_label("Cohort code").fill(code.lower())
    learner.get_by_role("button", name="Join").click()
    learner.wait_for_url("**/progress/")
    assert learner.get_by_role("heading", name="Tuesday class").is_visible()
    assert_accessible(learner)
    assert Membership.objects.filter(user__username="ada", cohort__name="Tuesday class").exists()
    learner.goto("/quizzes/front-door/")
    learner.get_by_role("button", name="Start the quiz").click()
    learner.wait_for_url("**/attempts/*/")
    attempt = Attempt.objects.get()
    first = Question.objects.get(pk=attempt.question_ids[0])
    answer_right(learner, first)
    learner.locator(f"#q-{first.pk}").get_by_text("Correct.").wait_for()
    learner.get_by_role("button", name="Submit the quiz").click()
    learner.get_by_role("button", name="Submit anyway").click()
    learner.wait_for_url("**/result/")
    assert learner.get_by_test_id("score").inner_text() == "13%"

    # The instructor finds the attempt on the roster and the learner's page, and overrides its score.
    page.get_by_role("link", name="Roster").click()
    page.get_by_role("link", name="Ada Lovelace").click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    assert page.get_by_test_id(f"attempt-{attempt.pk}-score").inner_text() == "13%"
    assert_accessible(page)
    page.locator(f"#attempt-{attempt.pk} summary").click()
    page.get_by_role("link", name="Override the score").click()
    page.get_by_label("Points that count").fill("6")
    page.get_by_label("Reason").fill("Question 4 was marked against an older answer key")
    page.get_by_role("button", name="Save the score").click()
    page.get_by_text("Score saved").wait_for()
    assert page.get_by_test_id(f"attempt-{attempt.pk}-score").inner_text() == "75%"
    page.get_by_role("link", name="Quizzes").last.click()
    page.get_by_role("link", name="API Gateway as the front door").first.click()
    page.get_by_role("heading", name="API Gateway as the front door: item analysis").wait_for()
    assert_accessible(page)

    # The learner sees the new score, and why.
    learner.reload()
    assert learner.get_by_test_id("score").inner_text() == "75%"
    assert "older answer key" in learner.get_by_test_id("override-note").inner_text()
    learner.goto("/quizzes/")
    row = learner.get_by_role("row", name="API Gateway as the front door")
    assert "75%" in row.inner_text()
    context.close()
