from __future__ import annotations

import pytest

from courseware.models import Attempt, Question
from tests.factories import PASSWORD, make_user

from .conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def answer_right(page, question: Question) -> None:
    card = page.locator(f"#q-{question.pk}")
    if question.type in {"single", "true_false", "multiple"}:
        for choice in question.choices.filter(correct=True):
            card.locator(f"#c-{choice.pk}").check()
    elif question.type == "numeric":
        card.locator(f"#n-{question.pk}").fill(str(question.data["answer"]).removesuffix(".0"))
    elif question.type == "ordering":
        for index in range(len(question.data["items"])):
            card.locator(f"#o-{question.pk}-{index}").select_option(str(index + 1))
    elif question.type == "matching":
        for index, pair in enumerate(question.data["pairs"]):
            card.locator(f"#m-{question.pk}-{index}").select_option(pair["answer"])
    card.get_by_role("button").click()


def test_practice_quiz_gives_feedback_as_you_go(page, course):
    make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    page.goto("/course/endpoint-types/")
    page.get_by_role("link", name="Endpoint types").last.click()
    page.wait_for_url("**/quizzes/endpoint-types/")
    assert_accessible(page)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/*/")
    assert_accessible(page)

    attempt = Attempt.objects.get()
    questions = [Question.objects.get(pk=pk) for pk in attempt.question_ids]
    for number, question in enumerate(questions, start=1):
        answer_right(page, question)
        page.locator(f"#q-{question.pk}").get_by_text("Correct.").wait_for()
        assert page.get_by_test_id("answered-count").inner_text().startswith(f"{number} of 8 answered")
    assert_accessible(page)

    page.get_by_role("button", name="Submit the quiz").click()
    page.wait_for_url("**/result/")
    assert page.get_by_test_id("score").inner_text() == "100%"
    assert_accessible(page)


def test_exam_shows_results_only_after_submitting_and_survives_a_reload(page, course):
    make_user("ben", first_name="Ben")
    log_in(page, "ben", PASSWORD)
    page.goto("/quizzes/final/")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/*/")
    attempt = Attempt.objects.get()
    first, second = (Question.objects.get(pk=pk) for pk in attempt.question_ids[:2])
    answer_right(page, first)
    page.locator(f"#q-{first.pk}").get_by_text("Answer saved").wait_for()
    assert page.locator(f"#q-{first.pk}").get_by_text("Correct.").count() == 0

    # A closed tab loses nothing: the answer is already on the server.
    page.reload()
    assert page.get_by_test_id("answered-count").inner_text().startswith("1 of 20 answered")
    answer_right(page, second)
    page.locator(f"#q-{second.pk}").get_by_text("Answer saved").wait_for()
    assert page.locator(".countdown").inner_text().startswith("(")  # the time limit is shown

    page.get_by_role("button", name="Submit the quiz").click()
    page.wait_for_url("**/result/")
    assert page.get_by_test_id("score").inner_text() == "10%"
    assert page.get_by_text("Not passed").first.is_visible()
    assert page.get_by_role("heading", name="Lessons to revisit").is_visible()
    assert_accessible(page)
