from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import grading, quizzes
from ..models import Attempt, Quiz, Response


def _get_quiz(slug: str) -> Quiz:
    return get_object_or_404(Quiz.objects.filter(published=True).select_related("lesson"), slug=slug)


def _get_attempt_for_user(request: HttpRequest, pk: int) -> Attempt:
    """Another learner's attempt is a 404, never a 403: its existence is nobody else's business."""
    attempt = Attempt.objects.select_related("quiz", "quiz__lesson").filter(pk=pk, user=request.user).first()
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def quiz_list(request: HttpRequest) -> HttpResponse:
    quiz_rows = list(Quiz.objects.filter(published=True).select_related("lesson").order_by("order"))
    best, due = {}, 0
    if request.user.is_authenticated:
        best = dict(
            Attempt.objects.submitted().filter(user=request.user, quiz__isnull=False)
            .values("quiz_id").annotate(best=Max("score")).values_list("quiz_id", "best")
        )
        due = len(quizzes.review_due(request.user))
    rows = [(quiz, best.get(quiz.id)) for quiz in quiz_rows]
    return render(request, "quizzes/index.html", {"rows": rows, "review_due": due, "nav": "quizzes"})


def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = _get_quiz(slug)
    attempts, left, question_count = [], None, quiz.draw or quiz.questions.filter(published=True).count()
    if request.user.is_authenticated:
        attempts = list(Attempt.objects.filter(quiz=quiz, user=request.user))
        left = quizzes.attempts_left(quiz, request.user)
    in_progress = next((a for a in attempts if not a.is_submitted), None)
    return render(
        request, "quizzes/quiz.html",
        {"quiz": quiz, "attempts": attempts, "attempts_left": left, "in_progress": in_progress,
         "question_count": question_count, "nav": "quizzes"},
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = _get_quiz(slug)
    try:
        attempt = quizzes.start_attempt(quiz, request.user)
    except quizzes.QuizError as error:
        messages.error(request, str(error))
        return redirect(quiz)
    resume_at = quizzes.first_unanswered(attempt) if attempt.responses.exists() else None
    return redirect(f"{attempt.get_absolute_url()}#q-{resume_at}" if resume_at else attempt.get_absolute_url())


@login_required
@require_POST
def start_review(request: HttpRequest) -> HttpResponse:
    try:
        attempt = quizzes.start_review(request.user)
    except quizzes.QuizError as error:
        messages.info(request, str(error))
        return redirect("quizzes")
    return redirect(attempt)


def _attempt_context(attempt: Attempt) -> dict:
    questions = quizzes.questions_of(attempt)
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    shown = quizzes.present(attempt, questions, responses)
    return {"attempt": attempt, "shown": shown, "answered": len(responses), "nav": "quizzes"}


@login_required
def attempt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, pk)
    if attempt.is_submitted:
        return redirect("attempt_result", pk=attempt.pk)
    if attempt.time_is_up():
        quizzes.submit(attempt)
        messages.warning(request, "Time is up: your saved answers were submitted.")
        return redirect("attempt_result", pk=attempt.pk)
    return render(request, "quizzes/attempt.html", _attempt_context(attempt))


@login_required
@require_POST
def answer(request: HttpRequest, pk: int, question_id: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, pk)
    error = ""
    try:
        quizzes.save_answer(attempt.pk, request.user, question_id, request.POST)
    except (grading.AnswerError, quizzes.QuizError) as problem:
        error = str(problem)
        if attempt.time_is_up() and not attempt.is_submitted:
            quizzes.submit(attempt)
            if not request.htmx:
                messages.warning(request, "Time is up: your saved answers were submitted.")
                return redirect("attempt_result", pk=attempt.pk)
    attempt.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(f"{attempt.get_absolute_url()}#q-{question_id}")
    context = _attempt_context(attempt)
    item = next((s for s in context["shown"] if s.question.id == question_id), None)
    if item is None:
        raise Http404("That question is not part of this attempt.")
    item.error = error
    return render(request, "quizzes/attempt.html#question", {**context, "item": item, "oob_progress": True})


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, pk)
    quizzes.submit(attempt)
    return redirect("attempt_result", pk=attempt.pk)


@login_required
def result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _get_attempt_for_user(request, pk)
    if not attempt.is_submitted:
        return redirect(attempt)
    context = _attempt_context(attempt)
    wrong = [s for s in context["shown"] if not (s.response and s.response.correct)]
    revisit, seen = [], set()
    for item in wrong:
        lesson = item.question.lesson
        anchor = item.question.anchor
        if lesson and (lesson.id, anchor) not in seen:
            seen.add((lesson.id, anchor))
            section = lesson.section_title(anchor)
            url = f"{lesson.get_absolute_url()}#{anchor}" if anchor else lesson.get_absolute_url()
            revisit.append((url, f"{lesson.title} › {section}" if section else lesson.title))
    return render(request, "quizzes/result.html", {**context, "revisit": revisit})
