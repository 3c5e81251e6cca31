from __future__ import annotations

import copy
import re
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from courseware import quizzes
from courseware.models import Attempt, LearningEvent, Misconception, Question, Quiz, Response, ReviewItem

from .factories import make_user

HX = {"HTTP_HX_REQUEST": "true"}
CONFIRM = {"confirm": "1"}  # "submit anyway", past the unanswered-questions check


def start(client, slug: str) -> Attempt:
    response = client.post(reverse("quiz_start", args=[slug]))
    assert response.status_code == 302
    return Attempt.objects.get(pk=int(response.url.split("#")[0].strip("/").split("/")[-1]))


def right_answer(question: Question) -> dict:
    if question.type in {"single", "true_false"}:
        return {"choice": str(question.choices.get(correct=True).id)}
    if question.type == "multiple":
        return {"choices": [str(c.id) for c in question.choices.filter(correct=True)]}
    if question.type == "numeric":
        return {"value": str(question.data["answer"])}
    if question.type == "ordering":
        return {f"position-{i}": str(i + 1) for i in range(len(question.data["items"]))}
    return {f"match-{i}": pair["answer"] for i, pair in enumerate(question.data["pairs"])}


def wrong_answer(question: Question) -> dict:
    if question.type in {"single", "true_false"}:
        return {"choice": str(question.choices.filter(correct=False).first().id)}
    if question.type == "multiple":
        wrong = question.choices.filter(correct=False)
        return {"choices": [str(c.id) for c in wrong]} if wrong else {"choices": []}
    if question.type == "numeric":
        return {"value": str(question.data["answer"] + question.data["tolerance"] + 1000)}
    count = len(question.data.get("items") or question.data["pairs"])
    if question.type == "ordering":
        return {f"position-{i}": str(count - i) for i in range(count)}
    options = question.data["options"]
    return {f"match-{i}": next(o for o in options if o != pair["answer"]) for i, pair in enumerate(question.data["pairs"])}


def question_of(attempt: Attempt, index: int = 0) -> Question:
    return Question.objects.get(pk=attempt.question_ids[index])


# --- Practice mode -------------------------------------------------------------------------------


def test_practice_page_never_contains_the_answers(learner_client, course):
    attempt = start(learner_client, "endpoint-types")
    html = learner_client.get(attempt.get_absolute_url()).content.decode()
    for question in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices"):
        for choice in question.choices.all():
            if choice.explanation_html:
                assert choice.explanation_html[:60] not in html
        assert question.explanation_html[:60] not in html
        if question.type == "matching":
            assert "→" not in html
    assert "Right answer" not in html and 'data-correct' not in html


def test_practice_feedback_with_htmx_and_plain_post(learner_client, learner, course):
    attempt = start(learner_client, "synchronous-invocation")
    first, second = question_of(attempt, 0), question_of(attempt, 1)
    url = reverse("attempt_answer", args=[attempt.pk, first.pk])
    response = learner_client.post(url, right_answer(first), **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Correct." in html and first.explanation_html[:40] in html
    assert 'hx-swap-oob="true"' in html and "1 of 8 answered" in html

    response = learner_client.post(reverse("attempt_answer", args=[attempt.pk, second.pk]), wrong_answer(second))
    assert response.status_code == 302 and response.url.endswith(f"#q-{second.pk}")
    assert Response.objects.get(attempt=attempt, question=second).correct is False
    assert "Not quite." in learner_client.get(response.url.split("#")[0]).content.decode()


def test_the_reply_to_an_answer_is_that_question_as_the_page_shows_it(learner_client, course):
    """The reply is built for the one question answered (not the whole attempt): its number, the
    total, its choices in the learner's shuffled order and its feedback are those of the full page."""
    attempt = start(learner_client, "synchronous-invocation")
    # The draw's order is the attempt's own: take its first question with choices past the first two.
    index = next(i for i, qid in enumerate(attempt.question_ids)
                 if i >= 2 and Question.objects.get(pk=qid).type in ("single", "multiple"))
    question = question_of(attempt, index)
    reply = learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), wrong_answer(question),
                                **HX).content.decode()
    page = learner_client.get(attempt.get_absolute_url()).content.decode()
    start_at = page.index(f'<section id="q-{question.pk}"')
    block = page[start_at:page.index("</section>", start_at)]
    assert f"Question {index + 1} of 8" in reply and f"Question {index + 1} of 8" in block
    choices = re.compile(r'name="choices?" value="(\d+)"')
    assert choices.findall(reply) == choices.findall(block) != []
    assert "Not quite." in reply and "Not quite." in block
    assert "1 of 8 answered" in reply


def test_practice_keeps_the_first_answer(learner_client, course):
    attempt = start(learner_client, "security")
    question = question_of(attempt)
    url = reverse("attempt_answer", args=[attempt.pk, question.pk])
    learner_client.post(url, wrong_answer(question))
    learner_client.post(url, right_answer(question))
    assert Response.objects.filter(attempt=attempt).count() == 1
    assert not Response.objects.get(attempt=attempt).correct


def test_a_malformed_answer_gets_a_clear_message_and_saves_nothing(learner_client, course):
    attempt = start(learner_client, "synchronous-invocation")
    numeric = next(q for q in (Question.objects.get(pk=i) for i in attempt.question_ids) if q.type == "numeric")
    url = reverse("attempt_answer", args=[attempt.pk, numeric.pk])
    response = learner_client.post(url, {"value": "thirty"}, **HX)
    assert response.status_code == 200 and "is not a number" in response.content.decode()
    response = learner_client.post(url, {}, **HX)
    assert "Enter a number" in response.content.decode()
    assert not Response.objects.filter(attempt=attempt).exists()


def test_an_answer_to_a_question_outside_the_attempt_is_refused(learner_client, course):
    attempt = start(learner_client, "security")
    other = Question.objects.exclude(pk__in=attempt.question_ids).first()
    response = learner_client.post(reverse("attempt_answer", args=[attempt.pk, other.pk]), right_answer(other))
    assert response.status_code == 302
    assert not Response.objects.filter(attempt=attempt).exists()


def test_choices_are_shuffled_per_attempt_and_stable_on_reload(learner, course):
    quiz = Quiz.objects.get(slug="api-types")
    orders, question_orders = set(), set()
    for _ in range(6):
        attempt = quizzes.start_attempt(quiz, learner)
        question_orders.add(tuple(attempt.question_ids))
        questions = quizzes.questions_of(attempt)
        first = [tuple(c["id"] for c in s.choices) for s in quizzes.present(attempt, questions, {})]
        again = [tuple(c["id"] for c in s.choices) for s in quizzes.present(attempt, quizzes.questions_of(attempt), {})]
        assert first == again
        orders.add(tuple(first))
        quizzes.submit(attempt)
    assert len(orders) > 1 and len(question_orders) > 1


def test_resume_returns_the_attempt_in_progress_with_its_answers(learner_client, course):
    attempt = start(learner_client, "integrations")
    question = question_of(attempt)
    learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question))
    response = learner_client.post(reverse("quiz_start", args=["integrations"]))
    assert response.url.endswith(f"#q-{attempt.question_ids[1]}")  # back at the first unanswered question
    again = start(learner_client, "integrations")
    assert again.pk == attempt.pk
    html = learner_client.get(again.get_absolute_url()).content.decode()
    assert "1 of 8 answered" in html and "Correct." in html


def test_submit_scores_and_lists_lessons_to_revisit(learner_client, learner, course):
    attempt = start(learner_client, "api-types")
    for index, question_id in enumerate(attempt.question_ids):
        question = Question.objects.get(pk=question_id)
        answer = right_answer(question) if index < 6 else wrong_answer(question)
        learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), answer)
    response = learner_client.post(reverse("attempt_submit", args=[attempt.pk]), follow=True)
    attempt.refresh_from_db()
    assert attempt.is_submitted and 6 <= attempt.score < 8
    html = response.content.decode()
    assert f"{attempt.percent}%" in html and "Lessons to revisit" in html
    event = LearningEvent.objects.get(actor=learner, verb="completed", object_type="quiz", object_id="api-types")
    assert event.result["score"] == attempt.score
    # A submitted attempt no longer takes answers.
    question = question_of(attempt)
    learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question))
    assert Response.objects.filter(attempt=attempt).count() == 8


def test_a_wrong_choice_records_the_misconception_it_reveals(learner_client, learner, course):
    question = Question.objects.filter(choices__misconception="private-not-rest-only").first()
    choice = question.choices.get(misconception="private-not-rest-only")
    attempt = start(learner_client, question.quiz.slug)
    learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), {"choice": str(choice.id)})
    event = LearningEvent.objects.get(actor=learner, verb="answered", object_id=question.key)
    assert event.result["misconception"] == "private-not-rest-only" and event.result["correct"] is False


# --- Exam mode ---------------------------------------------------------------------------------------


def test_final_exam_draws_twenty_from_the_whole_bank_and_hides_feedback(learner_client, course):
    attempt = start(learner_client, "final")
    assert attempt.mode == "exam" and len(attempt.question_ids) == 20 == len(set(attempt.question_ids))
    lessons = {q.quiz.slug for q in Question.objects.filter(pk__in=attempt.question_ids).select_related("quiz")}
    assert len(lessons) > 2
    question = question_of(attempt)
    url = reverse("attempt_answer", args=[attempt.pk, question.pk])
    html = learner_client.post(url, wrong_answer(question), **HX).content.decode()
    assert "Answer saved" in html and "Not quite" not in html and question.explanation_html[:40] not in html
    learner_client.post(url, right_answer(question))  # exam answers can change until submitted
    assert Response.objects.get(attempt=attempt, question=question).correct
    learner_client.post(reverse("attempt_submit", args=[attempt.pk]), CONFIRM)
    attempt.refresh_from_db()
    assert attempt.passed is False and attempt.percent == 5
    html = learner_client.get(reverse("attempt_result", args=[attempt.pk])).content.decode()
    assert "Not passed" in html and question.explanation_html[:40] in html


def test_attempt_limit(learner_client, learner, course):
    quiz = Quiz.objects.get(slug="final")
    assert quiz.max_attempts == 3
    for _ in range(3):
        attempt = start(learner_client, "final")
        learner_client.post(reverse("attempt_submit", args=[attempt.pk]), CONFIRM)
    response = learner_client.post(reverse("quiz_start", args=["final"]), follow=True)
    assert "You have used all 3 attempts" in response.content.decode()
    assert Attempt.objects.filter(user=learner, quiz=quiz).count() == 3


def test_time_limit_is_enforced_on_the_server(learner_client, course):
    attempt = start(learner_client, "final")
    question = question_of(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question))
    assert response.status_code == 302 and response.url.endswith("/result/")
    attempt.refresh_from_db()
    assert attempt.is_submitted and not Response.objects.filter(attempt=attempt).exists()


def test_opening_an_expired_attempt_submits_it(learner_client, course):
    attempt = start(learner_client, "final")
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    response = learner_client.get(attempt.get_absolute_url())
    assert response.status_code == 302 and response.url.endswith("/result/")


# --- Exam integrity: saved on change, asked before an incomplete submit -------------------------------


def exam_question(attempt: Attempt, kind: str) -> Question:
    return next(q for q in (Question.objects.get(pk=i) for i in attempt.question_ids) if q.type == kind)


def test_an_exam_answer_saves_on_change_and_swaps_only_its_status(learner_client, course):
    attempt = start(learner_client, "final")
    page = learner_client.get(attempt.get_absolute_url()).content.decode()
    question = question_of(attempt)
    assert 'hx-trigger="change, submit"' in page and f'hx-target="#q-{question.pk}-status"' in page
    assert "js/quiz-autosave.js" in page and "data-submit-attempt" in page
    response = learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question), **HX)
    html = response.content.decode()
    assert 'data-state="saved"' in html and "Answer saved" in html
    assert "<section" not in html and "<input" not in html  # the learner's inputs are left alone
    assert 'id="attempt-progress"' in html and 'hx-swap-oob="true"' in html and "1 of 20 answered" in html
    assert Response.objects.filter(attempt=attempt, question=question).exists()


def test_an_answer_costs_the_same_queries_in_a_short_quiz_and_the_long_exam(learner_client, course):
    """The reply is built for the one question answered: its queries do not grow with the attempt
    (an 8-question practice quiz, the 20-question exam), and stay within a fixed budget."""
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for slug in ("synchronous-invocation", "final"):
        attempt = start(learner_client, slug)
        question = question_of(attempt)
        url, answer = reverse("attempt_answer", args=[attempt.pk, question.pk]), wrong_answer(question)
        with CaptureQueriesContext(connection) as queries:
            assert learner_client.post(url, answer, **HX).status_code == 200
        counts[slug] = len(queries.captured_queries)
        # Session, user, attempt; the locked attempt, the question with its choices and lesson, the
        # response, its event (practice: the review set); the order, the responses. Savepoints count.
        assert counts[slug] <= 18, "\n".join(q["sql"][:110] for q in queries.captured_queries)
    assert len(Attempt.objects.get(pk=attempt.pk).question_ids) > 8
    assert counts["final"] <= counts["synchronous-invocation"]  # practice also updates the review set


def test_practice_answers_are_checked_on_request_not_on_change(learner_client, course):
    attempt = start(learner_client, "security")  # practice answers are final: no save on a stray click
    assert 'hx-trigger="change' not in learner_client.get(attempt.get_absolute_url()).content.decode()


def test_a_half_finished_exam_answer_is_not_an_error_and_keeps_the_saved_one(learner_client, course):
    attempt = start(learner_client, "final")
    ordering = exam_question(attempt, "ordering") if any(
        Question.objects.get(pk=i).type == "ordering" for i in attempt.question_ids) else None
    question = ordering or exam_question(attempt, "single")
    url = reverse("attempt_answer", args=[attempt.pk, question.pk])
    half = {"position-0": "1"} if ordering else {}
    html = learner_client.post(url, half, **HX).content.decode()
    assert 'data-state="incomplete"' in html and "Not saved:" in html and "text-danger" not in html
    assert not Response.objects.filter(attempt=attempt, question=question).exists()
    learner_client.post(url, right_answer(question), **HX)
    html = learner_client.post(url, half, **HX).content.decode()
    assert "Your last saved answer still counts." in html
    assert Response.objects.get(attempt=attempt, question=question).correct


def test_submitting_with_unanswered_questions_asks_first(learner_client, course):
    attempt = start(learner_client, "final")
    for question_id in attempt.question_ids[:8]:
        question = Question.objects.get(pk=question_id)
        learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question))
    url = reverse("attempt_submit", args=[attempt.pk])
    response = learner_client.post(url)
    html = response.content.decode()
    assert response.status_code == 200 and "12 questions unanswered — submit anyway?" in html
    for number, question_id in enumerate(attempt.question_ids, start=1):
        link = f'href="{attempt.get_absolute_url()}#q-{question_id}">Question {number}</a>'
        assert (link in html) is (number > 8)
    assert '<input type="hidden" name="confirm" value="1">' in html and "Submit anyway" in html
    attempt.refresh_from_db()
    assert not attempt.is_submitted

    response = learner_client.post(url, CONFIRM)
    assert response.status_code == 302 and response.url.endswith("/result/")
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.percent == 40


def test_a_complete_attempt_submits_without_asking(learner_client, course):
    attempt = start(learner_client, "security")
    for question_id in attempt.question_ids:
        question = Question.objects.get(pk=question_id)
        learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question))
    response = learner_client.post(reverse("attempt_submit", args=[attempt.pk]))
    assert response.status_code == 302 and response.url.endswith("/result/")


def test_changes_the_page_could_not_save_are_named_before_submitting(learner_client, course):
    attempt = start(learner_client, "final")
    for question_id in attempt.question_ids:
        question = Question.objects.get(pk=question_id)
        learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question))
    changed = attempt.question_ids[3]
    response = learner_client.post(reverse("attempt_submit", args=[attempt.pk]),
                                   {"unsaved": f"{changed},abc,,99999999,-4"})
    html = response.content.decode()
    assert "1 question unanswered" in html and f"#q-{changed}\">Question 4</a>" in html
    assert "your last change was not saved" in html
    assert not Attempt.objects.get(pk=attempt.pk).is_submitted


def test_an_expired_attempt_submits_without_asking(learner_client, course):
    attempt = start(learner_client, "final")
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = learner_client.post(reverse("attempt_submit", args=[attempt.pk]))
    assert response.status_code == 302 and Attempt.objects.get(pk=attempt.pk).is_submitted


def test_an_exam_autosave_after_the_deadline_sends_the_page_to_the_result(learner_client, course):
    attempt = start(learner_client, "final")
    question = question_of(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question), **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("attempt_result", args=[attempt.pk])


# --- Numeric answers: read as meant, refused with a reason, never a hint ----------------------------------


@pytest.mark.parametrize("typed", ["thirty", "١٢", "١٠٠٠٠", "10,000", "30 000", "1e3", "0x1d", "1_000", "29s", "nan"])
def test_a_numeric_error_never_shows_a_number_and_saves_nothing(learner_client, course, typed):
    numeric = Question.objects.filter(type="numeric", published=True)
    answers = {str(q.data["answer"]).removesuffix(".0") for q in numeric}
    question = next(q for q in numeric if q.quiz.slug != "final")
    attempt = start(learner_client, question.quiz.slug)
    if question.pk not in attempt.question_ids:
        pytest.skip("the quiz does not hold its own numeric question")
    html = learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), {"value": typed}, **HX).content.decode()
    alert = re.search(r'role="alert">(.*?)</div>', html).group(1)
    assert not re.search(r"[0-9]", alert), alert
    assert not any(answer in alert for answer in answers)
    assert not Response.objects.filter(attempt=attempt).exists()


def test_the_numeric_messages_name_the_problem():
    from courseware import grading

    key = grading.Key("numeric", data={"answer": 12.0, "tolerance": 0, "unit": ""})
    for typed, words in [("١٢", "ordinary (ASCII) digits"), ("10,000", "thousands separators"),
                         ("abc", "a point for decimals"), ("", "Enter a number")]:
        with pytest.raises(grading.AnswerError, match=re.escape(words)):
            grading.parse_answer(key, {"value": typed})
    assert grading.parse_answer(key, {"value": " -1.0 "}) == {"value": -1.0}
    assert grading.parse_answer(key, {"value": "1,5"}) == {"value": 1.5}  # a lone decimal comma


# --- Feedback and the quiz list ---------------------------------------------------------------------------


@pytest.mark.parametrize("right", [True, False])
def test_true_false_feedback_gives_the_explanation_once(learner_client, course, right):
    question = Question.objects.filter(type="true_false", quiz__mode="practice").first()
    attempt = start(learner_client, question.quiz.slug)
    answer = right_answer(question) if right else wrong_answer(question)
    html = learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), answer, **HX).content.decode()
    explanation = question.explanation_html.removeprefix("<p>")[:60]
    assert html.count(explanation) == 1, html
    wrong = question.choices.get(correct=False).explanation_html[:60]
    assert (wrong in html) is not right  # the other choice's explanation is shown when it was picked


def test_review_card_announces_what_it_opens(learner_client, learner, course):
    questions = list(Question.objects.filter(published=True, quiz__published=True)[:11])
    for question in questions:
        ReviewItem.objects.create(user=learner, question=question)
    html = learner_client.get(reverse("quizzes")).content.decode()
    assert "11 questions you got wrong are waiting; a review takes 10 at a time" in html
    assert "Practise 10 of my mistakes" in html
    response = learner_client.post(reverse("start_review"))
    review = Attempt.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert len(review.question_ids) == 10
    html = learner_client.get(reverse("quizzes")).content.decode()
    assert "You have a review in progress with 10 questions. 11 questions are waiting in all." in html
    assert f'href="{review.get_absolute_url()}">Resume your review' in html


def test_your_best_is_a_percentage_like_the_result_page(learner_client, learner, course):
    quiz = Quiz.objects.get(slug="final")
    now = timezone.now()
    for score in (0.4, 1.0, 0.0):
        Attempt.objects.create(user=learner, quiz=quiz, mode="exam", question_ids=[], seed=1, max_score=20,
                               score=score, submitted_at=now)
    best = Attempt.objects.filter(user=learner, quiz=quiz, score=1.0).get().percent
    assert best == 5
    html = learner_client.get(reverse("quizzes")).content.decode()
    row = re.search(r'<td><a href="/quizzes/final/">.*?</tr>', html, re.S).group(0)
    assert "<td>5%</td>" in row, row


# --- Permissions ----------------------------------------------------------------------------------------


def test_another_learners_attempt_is_a_404(learner_client, learner2_client, instructor_client, course):
    attempt = start(learner_client, "security")
    question = question_of(attempt)
    for client in (learner2_client, instructor_client):
        assert client.get(attempt.get_absolute_url()).status_code == 404
        assert client.get(reverse("attempt_result", args=[attempt.pk])).status_code == 404
        assert client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), right_answer(question)).status_code == 404
        assert client.post(reverse("attempt_submit", args=[attempt.pk])).status_code == 404
    assert not Response.objects.filter(attempt=attempt).exists()


def test_anonymous_can_see_a_quiz_but_must_log_in_to_take_it(client, course):
    response = client.get(reverse("quiz", args=["security"]))
    assert response.status_code == 200 and "Log in to take the quiz" in response.content.decode()
    assert client.post(reverse("quiz_start", args=["security"])).status_code == 302
    assert not Attempt.objects.exists()


def test_unknown_quiz_and_attempt_are_404(learner_client, course):
    assert learner_client.get("/quizzes/nope/").status_code == 404
    assert learner_client.get("/attempts/999999/").status_code == 404


def test_quiz_pages_query_counts(learner_client, learner, course, django_assert_max_num_queries):
    attempt = start(learner_client, "final")
    with django_assert_max_num_queries(7):
        learner_client.get(reverse("quizzes"))
    with django_assert_max_num_queries(8):
        learner_client.get(attempt.get_absolute_url())


# --- Regrading and review -------------------------------------------------------------------------------


def test_an_answer_key_fix_is_regraded_with_a_note(learner_client, learner, course):
    from courseware import quizsync
    from courseware.models import Lesson

    from .conftest import _parsed_course

    attempt = start(learner_client, "endpoint-types")
    single = next(q for q in (Question.objects.get(pk=i) for i in attempt.question_ids) if q.type == "single")
    wrong = single.choices.filter(correct=False).first()
    learner_client.post(reverse("attempt_answer", args=[attempt.pk, single.pk]), {"choice": str(wrong.id)})
    learner_client.post(reverse("attempt_submit", args=[attempt.pk]), CONFIRM)
    attempt.refresh_from_db()
    before = attempt.score

    # The author decides the learner's choice was right after all and fixes the key in the file.
    fixed = copy.deepcopy(_parsed_course)
    quiz = next(q for q in fixed.quizzes if q.slug == "endpoint-types")
    data = next(q for q in quiz.questions if q.key == single.key)
    for position, choice in enumerate(data.choices, start=1):
        choice.correct = position == wrong.position
    quizsync.apply(fixed, {lesson.slug: lesson for lesson in Lesson.objects.all()}, None)
    assert Question.objects.get(pk=single.pk).answer_version == single.answer_version + 1

    call_command("regrade")
    attempt.refresh_from_db()
    assert attempt.score == before + 1
    html = learner_client.get(reverse("attempt_result", args=[attempt.pk])).content.decode()
    assert "answer key of 1 question(s) was corrected" in html
    call_command("regrade")  # nothing left to regrade: the note is not rewritten
    assert Attempt.objects.get(pk=attempt.pk).score == before + 1


def test_review_my_mistakes_until_right_twice_in_a_row(learner_client, learner, course):
    attempt = start(learner_client, "front-door")
    question = question_of(attempt)
    learner_client.post(reverse("attempt_answer", args=[attempt.pk, question.pk]), wrong_answer(question))
    assert ReviewItem.objects.get(user=learner, question=question).streak == 0
    assert "1 question you got wrong is waiting" in learner_client.get(reverse("quizzes")).content.decode()

    for expected_streak in (1, 2):
        response = learner_client.post(reverse("start_review"))
        review = Attempt.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
        assert review.kind == "review" and review.question_ids == [question.pk]
        learner_client.post(reverse("attempt_answer", args=[review.pk, question.pk]), right_answer(question))
        learner_client.post(reverse("attempt_submit", args=[review.pk]))
        assert ReviewItem.objects.get(user=learner, question=question).streak == expected_streak
    response = learner_client.post(reverse("start_review"), follow=True)
    assert "Nothing to review" in response.content.decode()


def test_a_wrong_review_answer_starts_the_streak_again(learner, course):
    question = Question.objects.filter(type="single").first()
    ReviewItem.objects.create(user=learner, question=question, streak=1)
    review = quizzes.start_review(learner)
    wrong = question.choices.filter(correct=False).first()
    quizzes.save_answer(review.pk, learner, question.pk, {"choice": str(wrong.id)})
    assert ReviewItem.objects.get(user=learner, question=question).streak == 0


# --- Quiz files --------------------------------------------------------------------------------------------

QUIZ_LESSON = """---
title: Alpha
slug: alpha
module: basics
order: 1
minutes: 10
objectives: [Learn.]
---
## First
Text.

## Summary
- a
- b
- c
"""


@pytest.mark.parametrize("question,message", [
    ("{key: q1, type: single, stem: Stem, lesson: alpha, explanation: E, choices: [{text: A, explanation: x}, {text: B, explanation: y}]}",
     "needs exactly one correct choice (has 0)"),
    ("{key: q1, type: numeric, stem: Stem, lesson: alpha, explanation: E, answer: 29}", "needs a tolerance"),
    ("{key: q1, type: single, stem: Stem, lesson: nowhere, explanation: E, choices: [{text: A, correct: true, explanation: x}, {text: B, explanation: y}]}",
     "links to a missing lesson 'nowhere'"),
    ("{key: q1, type: single, stem: Stem, lesson: 'alpha#nope', explanation: E, choices: [{text: A, correct: true, explanation: x}, {text: B, explanation: y}]}",
     "has no section #nope"),
    ("{key: q1, type: essay, stem: Stem, lesson: alpha, explanation: E}", "type 'essay' is not one of"),
    ("{key: q1, type: ordering, stem: Stem, lesson: alpha, explanation: E, items: [a, b]}", "three or more items"),
])
def test_broken_quiz_files_fail_the_sync_naming_file_and_question(tmp_path, db, question, message):
    root = tmp_path / "c"
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "modules.yaml").write_text("- slug: basics\n  title: Basics\n")
    (root / "lessons" / "01-alpha.md").write_text(QUIZ_LESSON)
    (root / "quizzes" / "alpha.yaml").write_text(f"slug: alpha\ntitle: Alpha\nlesson: alpha\nquestions:\n  - {question}\n")
    with pytest.raises(CommandError) as error:
        call_command("sync_content", str(root))
    assert message in str(error.value) and "alpha.yaml: question 'q1'" in str(error.value)


def test_the_bank_has_120_questions_and_every_lesson_a_mixed_practice_quiz_that_explains_wrong_choices(course):
    """Issue 14: the bank grew from 72 questions by at least 48. Each lesson's practice quiz has at least 8
    questions of at least 3 types, and every wrong choice of a single or multiple choice question tells the
    learner why: it names a known misconception or has an explanation of its own."""
    assert Question.objects.filter(published=True).count() >= 72 + 48
    types = set(Question.objects.values_list("type", flat=True))
    assert types == {"single", "multiple", "true_false", "numeric", "ordering", "matching"}
    known = set(Misconception.objects.values_list("slug", flat=True))
    for lesson in course:
        practice = Quiz.objects.get(lesson=lesson, mode=Quiz.Mode.PRACTICE)
        questions = list(practice.questions.filter(published=True).prefetch_related("choices"))
        assert len(questions) >= 8, f"{lesson.slug}: {len(questions)} questions"
        assert len({q.type for q in questions}) >= 3, f"{lesson.slug}: types {sorted({q.type for q in questions})}"
        for question in questions:
            if question.type not in {"single", "multiple"}:
                continue
            for choice in question.choices.all():
                if choice.correct:
                    continue
                assert not choice.misconception or choice.misconception in known, \
                    f"{lesson.slug}: {question.key} names an unknown misconception {choice.misconception!r}"
                assert choice.misconception or choice.explanation_html.strip(), \
                    f"{lesson.slug}: {question.key}: a wrong choice names no misconception and explains nothing"


# --- Concurrency ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_fifty_threads_answering_the_same_attempts_lose_and_duplicate_nothing(course):
    users = [make_user(f"racer{n}") for n in range(3)]
    exam, practice = Quiz.objects.get(slug="final"), Quiz.objects.get(slug="security")
    attempts = [quizzes.start_attempt(quiz, user) for user in users for quiz in (exam, practice)]
    plan = []  # (attempt, question) pairs, each answered by several threads at once
    for attempt in attempts:
        for question_id in attempt.question_ids[:8]:
            plan.append((attempt, Question.objects.get(pk=question_id)))
    answers = {question.pk: right_answer(question) for _, question in plan}
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for attempt, question in plan[n % len(plan)::7]:
                quizzes.save_answer(attempt.pk, attempt.user, question.pk, answers[question.pk])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    expected = {(a.pk, q.pk) for a, q in plan}
    saved = list(Response.objects.filter(attempt__in=attempts).values_list("attempt_id", "question_id"))
    assert len(saved) == len(set(saved)), "a response was recorded twice"
    assert set(saved) == expected, "an answer was lost"
    assert all(Response.objects.filter(attempt__in=attempts).values_list("correct", flat=True))
