from __future__ import annotations

import pytest

from courseware import quizzes
from courseware.models import Attempt, Question, Quiz, Response
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
    assert_accessible(page, every_impact=True)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url("**/attempts/*/")
    assert_accessible(page, every_impact=True)

    attempt = Attempt.objects.get()
    questions = [Question.objects.get(pk=pk) for pk in attempt.question_ids]
    for number, question in enumerate(questions, start=1):
        answer_right(page, question)
        page.locator(f"#q-{question.pk}").get_by_text("Correct.").wait_for()
        assert page.get_by_test_id("answered-count").inner_text().startswith(f"{number} of 8 answered")
    assert_accessible(page, every_impact=True)

    page.get_by_role("button", name="Submit the quiz").click()
    page.wait_for_url("**/result/")
    assert page.get_by_test_id("score").inner_text() == "100%"
    assert_accessible(page, every_impact=True)


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
    page.get_by_role("heading", name="18 questions unanswered — submit anyway?").wait_for()
    page.get_by_role("button", name="Submit anyway").click()
    page.wait_for_url("**/result/")
    assert page.get_by_test_id("score").inner_text() == "10%"
    assert page.get_by_text("Not passed").first.is_visible()
    assert page.get_by_role("heading", name="Lessons to revisit").is_visible()
    assert_accessible(page, every_impact=True)


# --- Exam integrity --------------------------------------------------------------------------------


def exam_with(user, kinds: list[str]) -> Attempt:
    """An exam attempt holding one question of each kind, in that order (the final draws at random)."""
    attempt = quizzes.start_attempt(Quiz.objects.get(slug="final"), user)
    chosen = [Question.objects.filter(type=kind, published=True).order_by("pk").first().pk for kind in kinds]
    Attempt.objects.filter(pk=attempt.pk).update(question_ids=chosen, max_score=len(chosen))
    return Attempt.objects.get(pk=attempt.pk)


def test_an_exam_choice_is_saved_without_pressing_save(page, course):
    ada = make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    attempt = exam_with(ada, ["single", "true_false"])
    question = Question.objects.get(pk=attempt.question_ids[0])
    choice = question.choices.filter(correct=False).first()
    page.goto(attempt.get_absolute_url())
    page.locator(f"#c-{choice.pk}").check()  # and nothing else: no "Save answer"
    page.locator(f"#q-{question.pk}-status").get_by_text("Answer saved").wait_for()
    assert page.get_by_test_id("answered-count").inner_text().startswith("1 of 2 answered")
    assert_accessible(page, every_impact=True)

    page.reload()
    assert page.locator(f"#c-{choice.pk}").is_checked()
    assert Response.objects.get(attempt=attempt, question=question).answer == {"choice": choice.pk}


def test_leaving_with_an_answer_not_yet_saved_asks_first(page, course):
    ada = make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    attempt = exam_with(ada, ["numeric", "single"])
    numeric = Question.objects.get(pk=attempt.question_ids[0])
    page.goto(attempt.get_absolute_url())
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    page.locator(f"#n-{numeric.pk}").press_sequentially("29")  # typed, not yet confirmed
    page.locator(f"#q-{numeric.pk}-status").get_by_text("Not saved yet").wait_for()
    # Leaving without the field losing focus first (a closed tab, a typed address): nothing saves it.
    page.evaluate("() => setTimeout(() => location.assign('/quizzes/'), 0)")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and page.url.endswith(attempt.get_absolute_url())
    assert not Response.objects.filter(attempt=attempt).exists()

    page.locator(f"#n-{numeric.pk}").press("Enter")  # saves; nothing is left unsaved
    page.locator(f"#q-{numeric.pk}-status").get_by_text("Answer saved").wait_for()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Quizzes").click()
    page.wait_for_url("**/quizzes/")
    assert dialogs == ["beforeunload"]
    assert Response.objects.get(attempt=attempt, question=numeric).answer == {"value": 29.0}


def test_a_number_typed_just_before_submitting_is_saved_first(page, course):
    ada = make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    attempt = exam_with(ada, ["numeric"])
    numeric = Question.objects.get(pk=attempt.question_ids[0])
    page.goto(attempt.get_absolute_url())
    page.locator(f"#n-{numeric.pk}").press_sequentially(str(numeric.data["answer"]).removesuffix(".0"))
    page.get_by_role("button", name="Submit the quiz").click()  # no Enter, no Tab out of the field
    page.wait_for_url("**/result/")
    assert page.get_by_test_id("score").inner_text() == "100%"


def test_submitting_with_unanswered_questions_is_confirmed(page, course):
    ada = make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    attempt = exam_with(ada, ["single", "true_false", "multiple"])
    first = Question.objects.get(pk=attempt.question_ids[0])
    page.goto(attempt.get_absolute_url())
    page.locator(f"#c-{first.choices.get(correct=True).pk}").check()
    page.locator(f"#q-{first.pk}-status").get_by_text("Answer saved").wait_for()

    page.get_by_role("button", name="Submit the quiz").click()
    heading = page.get_by_role("heading", name="2 questions unanswered — submit anyway?")
    heading.wait_for()
    assert page.get_by_role("link", name="Question 2").is_visible() and page.get_by_role("link", name="Question 3").is_visible()
    assert_accessible(page, every_impact=True)
    assert not Attempt.objects.get(pk=attempt.pk).is_submitted

    page.get_by_role("link", name="Go back and answer them").click()
    page.wait_for_url(f"**{attempt.get_absolute_url()}#q-{attempt.question_ids[1]}")
    page.get_by_role("button", name="Submit the quiz").click()
    page.get_by_role("button", name="Submit anyway").click()
    page.wait_for_url("**/result/")
    assert page.get_by_test_id("score").inner_text() == "33%"
    assert_accessible(page, every_impact=True)


def _focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {id: e.id, tag: e.tagName, type: e.type || '', text: (e.textContent || '').trim(),"
        " checked: !!e.checked}; }"
    )


def test_an_exam_taken_with_the_keyboard_alone(page, course):
    ada = make_user("ada", first_name="Ada")
    log_in(page, "ada", PASSWORD)
    attempt = exam_with(ada, ["single", "multiple", "true_false", "numeric"])
    single, multiple, true_false, numeric = (Question.objects.get(pk=pk) for pk in attempt.question_ids)
    wanted = {f"c-{c.pk}" for c in multiple.choices.filter(correct=True)}  # ticked with Space
    firsts = {single.pk, true_false.pk}  # radios: Tab lands on the first; Space picks it
    page.goto(attempt.get_absolute_url())
    assert_accessible(page, every_impact=True)

    picked = []
    for _ in range(150):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["type"] == "radio" and not focused["checked"]:
            question_id = int(page.evaluate("() => document.activeElement.closest('form').dataset.question"))
            if question_id in firsts:
                firsts.discard(question_id)
                page.keyboard.press("Space")
                picked.append(focused["id"])
        elif focused["type"] == "checkbox" and focused["id"] in wanted and not focused["checked"]:
            page.keyboard.press("Space")
            picked.append(focused["id"])
        if picked and picked[-1] == focused["id"]:
            # The save swaps only the status line: the keyboard focus stays where the learner is.
            page.wait_for_function("() => !document.querySelector('form.htmx-request')")
            assert _focused(page)["id"] == focused["id"]
        if focused["tag"] == "BUTTON" and focused["text"] == "Submit the quiz":
            break
    else:
        raise AssertionError("Tab never reached the submit button")
    page.get_by_test_id("answered-count").get_by_text("3 of 4 answered").wait_for()
    page.keyboard.press("Enter")

    page.get_by_role("heading", name="1 question unanswered — submit anyway?").wait_for()
    for _ in range(40):
        page.keyboard.press("Tab")
        if _focused(page)["text"] == "Submit anyway":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/result/")
    attempt.refresh_from_db()
    assert attempt.is_submitted
    saved = {r.question_id for r in Response.objects.filter(attempt=attempt)}
    assert saved == {single.pk, multiple.pk, true_false.pk}
    assert Response.objects.get(attempt=attempt, question=multiple).correct
    assert_accessible(page, every_impact=True)
