"""Attempts: starting, answering, submitting, regrading and the review-of-mistakes set.

Views stay thin; every rule a learner relies on (attempt limits, time limits, one answer per
question, answers saved the moment they are given, grading on the server only) lives here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from . import grading, scores
from .events import Obj, Verb, record
from .models import Attempt, Question, Quiz, Response, ReviewItem
from .rendering import html_to_text

REVIEW_SET_SIZE = 10  # questions per "Review my mistakes" attempt


class QuizError(Exception):
    """A rule stopped the action; the message is for the learner."""


# --- Presentation --------------------------------------------------------------------------------


@dataclass
class Shown:
    """A question as one learner sees it in one attempt: shuffled the same way on every reload.

    Nothing that reveals the answer (correct flags, explanations, the right order or matches) is
    put here until `reveal` is true: after a practice answer, or once the attempt is submitted.
    """

    question: Question
    number: int
    reveal: bool
    response: Response | None = None
    choices: list[dict] = field(default_factory=list)  # id, text, picked, correct?, explanation?
    items: list[dict] = field(default_factory=list)  # ordering: index, text, position (learner's)
    correct_order: list[str] = field(default_factory=list)
    prompts: list[dict] = field(default_factory=list)  # matching: index, text, selected, answer?
    options: list[str] = field(default_factory=list)
    unit: str = ""  # numeric
    numeric_answer: float | None = None
    error: str = ""
    incomplete: bool = False  # the error only says the answer is not finished yet

    @property
    def locked(self) -> bool:
        """Practice answers are final once given; exam answers change until submitting."""
        return self.reveal


def _rng(attempt: Attempt, question: Question) -> random.Random:
    return random.Random(f"{attempt.seed}:{question.id}")


def present(attempt: Attempt, questions: list[Question], responses: dict[int, Response]) -> list[Shown]:
    shown = []
    for number, question in enumerate(questions, start=1):
        rng = _rng(attempt, question)
        response = responses.get(question.id)
        reveal = attempt.is_submitted or (attempt.mode == Quiz.Mode.PRACTICE and response is not None)
        answer = response.answer if response else {}
        item = Shown(question=question, number=number, reveal=reveal, response=response)
        if question.type in {Question.Type.SINGLE, Question.Type.MULTIPLE, Question.Type.TRUE_FALSE}:
            choices = list(question.choices.all())
            if question.type != Question.Type.TRUE_FALSE:  # True, False: always in that order
                rng.shuffle(choices)
            picked = set(answer.get("choices", [])) | ({answer["choice"]} if "choice" in answer else set())
            item.choices = [
                {"id": c.id, "text": c.text_html, "picked": c.id in picked,
                 "correct": c.correct if reveal else None,
                 "explanation": _choice_explanation(question, c) if reveal else ""}
                for c in choices
            ]
        elif question.type == Question.Type.NUMERIC:
            item.unit = question.data.get("unit", "")
            item.numeric_answer = question.data["answer"] if reveal else None
        elif question.type == Question.Type.ORDERING:
            order = list(enumerate(question.data["items"]))
            while len(order) > 1 and [i for i, _ in order] == sorted(i for i, _ in order):
                rng.shuffle(order)  # never show the steps already in order
            given = answer.get("order", [])
            item.items = [
                {"index": i, "text": text, "position": given.index(i) + 1 if i in given else None}
                for i, text in order
            ]
            item.correct_order = list(question.data["items"]) if reveal else []
        elif question.type == Question.Type.MATCHING:
            matches = answer.get("matches", {})
            item.prompts = [
                {"index": i, "text": pair["prompt"], "selected": matches.get(str(i), ""),
                 "answer": pair["answer"] if reveal else ""}
                for i, pair in enumerate(question.data["pairs"])
            ]
            item.options = sorted(question.data["options"], key=lambda _: rng.random())
        shown.append(item)
    return shown


def _choice_explanation(question: Question, choice) -> str:
    """A true/false question's right choice carries the question's own explanation (the quiz file has
    one `explanation` and one `wrong_explanation`): shown once, below the choices, not twice."""
    if html_to_text(choice.explanation_html) == html_to_text(question.explanation_html):
        return ""
    return choice.explanation_html


def questions_of(attempt: Attempt, only: list[int] | None = None) -> list[Question]:
    """The attempt's questions in its order (those still in the bank), with their choices; or just
    those of `only`."""
    ids = attempt.question_ids if only is None else [qid for qid in attempt.question_ids if qid in only]
    by_id = Question.objects.prefetch_related("choices").select_related("lesson").in_bulk(ids)
    return [by_id[qid] for qid in ids if qid in by_id]


def question_order(attempt: Attempt) -> list[int]:
    """The ids `questions_of(attempt)` would give, in order, without loading the questions."""
    present = set(Question.objects.filter(pk__in=attempt.question_ids).values_list("pk", flat=True))
    return [qid for qid in attempt.question_ids if qid in present]


def key_for(question: Question) -> grading.Key:
    choices = list(question.choices.all())
    return grading.Key(
        type=question.type,
        correct_choices=frozenset(c.id for c in choices if c.correct),
        all_choices=frozenset(c.id for c in choices),
        data=question.data,
    )


# --- Starting ----------------------------------------------------------------------------------------


def attempts_left(quiz: Quiz, user) -> int | None:
    if quiz.max_attempts is None:
        return None
    used = Attempt.objects.filter(quiz=quiz, user=user).count()
    return max(0, quiz.max_attempts - used)


@transaction.atomic
def start_attempt(quiz: Quiz, user) -> Attempt:
    """Resume the attempt in progress, or start a new one if the limit allows."""
    current = Attempt.objects.select_for_update().filter(quiz=quiz, user=user).in_progress().first()
    if current is not None:
        if current.time_is_up():
            submit(current)
        else:
            return current
    left = attempts_left(quiz, user)
    if left == 0:
        raise QuizError(f"You have used all {quiz.max_attempts} attempts at this quiz.")
    rng = random.SystemRandom()
    if quiz.draw:
        pool = list(
            Question.objects.filter(published=True, quiz__published=True)
            .exclude(quiz__draw__isnull=False)
            .values_list("id", flat=True)
        )
        if quiz.questions.filter(published=True).exists():
            pool = list(quiz.questions.filter(published=True).values_list("id", flat=True))
        question_ids = rng.sample(pool, min(quiz.draw, len(pool)))
    else:
        question_ids = list(quiz.questions.filter(published=True).order_by("position").values_list("id", flat=True))
        rng.shuffle(question_ids)  # no two attempts walk the questions in the same order
    if not question_ids:
        raise QuizError("This quiz has no questions yet.")
    now = timezone.now()
    deadline = now + timezone.timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    attempt = Attempt.objects.create(
        user=user, quiz=quiz, kind=Attempt.Kind.QUIZ, mode=quiz.mode, question_ids=question_ids,
        seed=rng.randrange(2**31), started_at=now, deadline=deadline, max_score=len(question_ids),
    )
    record(user, Verb.ATTEMPTED, Obj.quiz(quiz.slug), {"attempt": attempt.pk})
    return attempt


def first_unanswered(attempt: Attempt) -> int | None:
    answered = set(attempt.responses.values_list("question_id", flat=True))
    return next((qid for qid in attempt.question_ids if qid not in answered), None)


@dataclass
class Unanswered:
    """A question left without a saved answer, numbered as the attempt page numbers it."""

    number: int
    question: Question
    unsaved_change: bool = False  # the page had a change the server never received

    @property
    def stem_text(self) -> str:
        return html_to_text(self.question.stem_html)


def unanswered(attempt: Attempt, unsaved_ids: set[int] = frozenset()) -> list[Unanswered]:
    """The questions to name before a submit: those with no saved answer, and those whose latest change
    on the page was not saved (the browser tells us; without JavaScript that set is empty)."""
    answered = set(attempt.responses.values_list("question_id", flat=True))
    wanted = [
        (number, qid) for number, qid in enumerate(attempt.question_ids, start=1)
        if qid not in answered or qid in unsaved_ids
    ]
    by_id = Question.objects.in_bulk([qid for _, qid in wanted])
    return [
        Unanswered(number, by_id[qid], unsaved_change=qid in answered)
        for number, qid in wanted if qid in by_id
    ]


def best_percents(user) -> dict[int, int]:
    """Each quiz's best submitted result, in percent: the effective score (an instructor's override
    counts), rounded as everywhere else (courseware/scores.py)."""
    rows = (
        Attempt.objects.submitted().filter(user=user, quiz__isnull=False, max_score__gt=0)
        .values("quiz_id")
        .annotate(best=Max(scores.effective_percent_expression()))
        .values_list("quiz_id", "best")
    )
    return {quiz_id: scores.rounded(best) for quiz_id, best in rows if best is not None}


def in_course_order(queryset):
    """Quizzes in the order of their lessons in the course; quizzes of no lesson (the final exam) last."""
    return queryset.select_related("lesson").order_by(
        F("lesson__module__order").asc(nulls_last=True), F("lesson__order").asc(nulls_last=True), "order", "slug"
    )


def results_for(user) -> list[scores.QuizResult]:
    """Every published quiz in course order with the learner's best effective percentage: two queries."""
    quiz_rows = list(in_course_order(Quiz.objects.filter(published=True)))
    if not user.is_authenticated:
        return [scores.QuizResult(quiz, None) for quiz in quiz_rows]
    rows = (
        Attempt.objects.submitted().filter(user=user, quiz__isnull=False, max_score__gt=0)
        .values("quiz_id")
        .annotate(best=Max(scores.effective_percent_expression()), attempts=Count("id"))
    )
    found = {row["quiz_id"]: row for row in rows}
    return [
        scores.QuizResult(quiz, scores.rounded(found.get(quiz.id, {}).get("best")), found.get(quiz.id, {}).get("attempts", 0))
        for quiz in quiz_rows
    ]


def review_due(user) -> list[int]:
    return list(
        ReviewItem.objects.filter(user=user, streak__lt=ReviewItem.MASTERED, question__published=True)
        .order_by("updated_at")
        .values_list("question_id", flat=True)
    )


@dataclass
class ReviewStatus:
    """What the "Review my mistakes" card says, from the same sets `start_review` opens."""

    waiting: int  # questions not yet mastered
    next_set: int  # how many the button opens: the review in progress, or the next REVIEW_SET_SIZE
    in_progress: Attempt | None = None


def review_status(user) -> ReviewStatus:
    current = Attempt.objects.filter(user=user, kind=Attempt.Kind.REVIEW).in_progress().first()
    waiting = len(review_due(user))
    if current is not None:
        return ReviewStatus(waiting, len(current.question_ids), current)
    return ReviewStatus(waiting, min(waiting, REVIEW_SET_SIZE))


@transaction.atomic
def start_review(user) -> Attempt:
    current = Attempt.objects.select_for_update().filter(user=user, kind=Attempt.Kind.REVIEW).in_progress().first()
    if current is not None:
        return current
    due = review_due(user)
    if not due:
        raise QuizError("Nothing to review: you have no mistakes left to practise.")
    rng = random.SystemRandom()
    question_ids = due[:REVIEW_SET_SIZE]
    return Attempt.objects.create(
        user=user, quiz=None, kind=Attempt.Kind.REVIEW, mode=Quiz.Mode.PRACTICE, question_ids=question_ids,
        seed=rng.randrange(2**31), max_score=len(question_ids),
    )


# --- Answering -----------------------------------------------------------------------------------------


def save_answer(attempt_id: int, user, question_id: int, form) -> Response:
    """Grade and save one answer at once. Practice mode keeps the first answer (the feedback is
    already shown); exam mode keeps the latest until the attempt is submitted."""
    for _ in range(3):
        try:
            return _save_answer(attempt_id, user, question_id, form)
        except IntegrityError:
            # Two requests created the same response at once (PostgreSQL); the retry finds the row.
            continue
    raise QuizError("We could not save that answer; please try again.")


@transaction.atomic
def _save_answer(attempt_id: int, user, question_id: int, form) -> Response:
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
    attempt.user = user  # the learning log and the review set name them: not loaded again
    if attempt.is_submitted:
        raise QuizError("This attempt is already submitted; answers can no longer change.")
    if attempt.time_is_up():
        raise QuizError("Time is up for this attempt.")
    if question_id not in attempt.question_ids:
        raise QuizError("That question is not part of this attempt.")
    # With its lesson: the reply shows this question again (its feedback links to the lesson).
    question = Question.objects.select_related("lesson").prefetch_related("choices").get(pk=question_id)
    key = key_for(question)
    answer = grading.parse_answer(key, form)
    result = grading.grade(key, answer)
    existing = Response.objects.filter(attempt=attempt, question=question).first()
    if existing is not None:
        existing.question = question  # loaded above, with its choices: not again by whoever reads it
    if existing is not None and attempt.mode == Quiz.Mode.PRACTICE:
        return existing
    fields = {
        "answer": answer, "score": result.score, "correct": result.correct,
        "graded_version": question.answer_version, "answered_at": timezone.now(),
    }
    if existing is None:
        response = Response.objects.create(attempt=attempt, question=question, **fields)
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        response = existing
    _after_answer(attempt, question, response, key)
    return response


def _misconception_revealed(question: Question, response: Response) -> str:
    if response.correct:
        return ""
    if "choice" in response.answer:
        picked = [response.answer["choice"]]
    else:
        picked = response.answer.get("choices", [])
    for choice in question.choices.all():
        if choice.id in picked and not choice.correct and choice.misconception:
            return choice.misconception
    return question.misconception


def _after_answer(attempt: Attempt, question: Question, response: Response, key) -> None:
    record(
        attempt.user, Verb.ANSWERED, Obj.question(question.key),
        {"correct": response.correct, "score": response.score, "attempt": attempt.pk,
         "misconception": _misconception_revealed(question, response), "mode": attempt.mode},
    )
    if attempt.mode != Quiz.Mode.PRACTICE:
        return  # exam answers can still change; the review set is updated on submit
    _update_review(attempt, question, response)


def _update_review(attempt: Attempt, question: Question, response: Response) -> None:
    item = ReviewItem.objects.filter(user=attempt.user, question=question).first()
    if response.correct:
        if item is not None and attempt.kind == Attempt.Kind.REVIEW:
            item.streak += 1
            item.save(update_fields=["streak", "updated_at"])
    elif item is None:  # one INSERT; a concurrent answer that made it first wins (the unique constraint)
        ReviewItem.objects.bulk_create([ReviewItem(user=attempt.user, question=question)], ignore_conflicts=True)
    else:
        item.streak = 0
        item.save(update_fields=["streak", "updated_at"])


# --- Submitting and regrading ---------------------------------------------------------------------------


@transaction.atomic
def submit(attempt: Attempt) -> Attempt:
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.is_submitted:
        return attempt
    responses = list(attempt.responses.select_related("question"))
    attempt.score = round(sum(r.score for r in responses), 4)
    attempt.submitted_at = timezone.now()
    if attempt.quiz_id:
        quiz = attempt.quiz
        attempt.passed = (attempt.percent or 0) >= quiz.pass_mark if quiz.is_exam else None
    attempt.save(update_fields=["score", "submitted_at", "passed"])
    if attempt.mode == Quiz.Mode.EXAM:
        for response in responses:
            _update_review(attempt, response.question, response)
    if attempt.quiz_id:
        record(
            attempt.user, Verb.COMPLETED, Obj.quiz(attempt.quiz.slug),
            {"attempt": attempt.pk, "score": attempt.score, "max": attempt.max_score,
             "percent": attempt.percent, "passed": attempt.passed},
        )
    return attempt


def regrade(quiz: Quiz | None = None) -> list[Attempt]:
    """Regrade responses whose question's answer key changed since they were graded. Each changed
    attempt gets a note the learner sees on the result page."""
    stale = Response.objects.filter(attempt__submitted_at__isnull=False).select_related("question", "attempt")
    if quiz is not None:
        stale = stale.filter(attempt__quiz=quiz)
    stale = [r for r in stale.prefetch_related("question__choices") if r.graded_version < r.question.answer_version]
    changed: dict[int, list[str]] = {}
    with transaction.atomic():
        for response in stale:
            try:
                result = grading.grade(key_for(response.question), response.answer)
            except grading.AnswerError:
                result = grading.Grade(score=0.0, correct=False)  # the old answer no longer fits the key
            response.score, response.correct = result.score, result.correct
            response.graded_version = response.question.answer_version
            response.save(update_fields=["score", "correct", "graded_version"])
            changed.setdefault(response.attempt_id, []).append(response.question.key)
        attempts = []
        for attempt in Attempt.objects.filter(pk__in=changed).select_related("quiz"):
            before, old_score = attempt.percent, attempt.score
            attempt.score = round(sum(r.score for r in attempt.responses.all()), 4)
            if attempt.score == old_score:
                continue  # the key's wording changed, not this learner's result
            attempts.append(attempt)
            if attempt.quiz and attempt.quiz.is_exam:
                attempt.passed = (attempt.percent or 0) >= attempt.quiz.pass_mark
            when = timezone.now().strftime("%d %b %Y")
            attempt.regrade_note = (
                f"Regraded on {when}: the answer key of {len(changed[attempt.pk])} question(s) was corrected "
                f"by the course authors. Your score changed from {before}% to {attempt.percent}%."
            )
            attempt.save(update_fields=["score", "passed", "regrade_note"])
    return attempts
