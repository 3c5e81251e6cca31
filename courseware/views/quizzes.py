from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import grading, quizzes
from ..models import Attempt, Question, Quiz, Response


def _get_quiz(slug: str) -> Quiz:
    return get_object_or_404(Quiz.objects.filter(published=True).select_related("lesson"), slug=slug)


def _get_attempt_for_user(request: HttpRequest, pk: int) -> Attempt:
    """Another learner's attempt is a 404, never a 403: its existence is nobody else's business."""
    attempt = Attempt.objects.select_related("quiz", "quiz__lesson").filter(pk=pk, user=request.user).first()
    if attempt is None:
        raise Http404("No such attempt.")
    return attempt


def quiz_list(request: HttpRequest) -> HttpResponse:
    review = quizzes.review_status(request.user) if request.user.is_authenticated else None
    # In course order, the final exam last; "Your best" is the effective score (courseware/scores.py).
    rows = quizzes.results_for(request.user)
    return render(request, "quizzes/index.html", {"rows": rows, "review": review, "nav": "quizzes"})


def quiz_detail(request: HttpRequest, slug: str) -> HttpResponse:
    quiz = _get_quiz(slug)
    attempts, left, question_count = [], None, quiz.draw or quiz.questions.filter(published=True).count()
    if request.user.is_authenticated:
        attempts = list(Attempt.objects.filter(quiz=quiz, user=request.user).select_related("quiz"))
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
    return {"attempt": attempt, "shown": shown, "total": len(shown), "answered": len(responses), "nav": "quizzes"}


def _answer_context(attempt: Attempt, question_id: int, question: Question | None = None) -> dict | None:
    """What the reply to one answer shows: that question (its status line, or its feedback) and the
    progress bar. Not the whole attempt: an exam saves on every change, and loading and presenting
    all of its questions was most of the answer's time. `question`: the one the answer was saved
    for, already loaded with its choices and lesson. None if the question is not in the attempt."""
    order = quizzes.question_order(attempt)
    if question_id not in order:
        return None
    questions = [question] if question is not None else quizzes.questions_of(attempt, [question_id])
    if not questions:  # taken out of the bank a moment ago
        return None
    responses = {r.question_id: r for r in Response.objects.filter(attempt=attempt)}
    item = quizzes.present(attempt, questions, responses)[0]
    item.number = order.index(question_id) + 1
    return {"attempt": attempt, "item": item, "total": len(order), "answered": len(responses), "nav": "quizzes"}


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
    error, incomplete, saved = "", False, None
    try:
        saved = quizzes.save_answer(attempt.pk, request.user, question_id, request.POST)
    except (grading.AnswerError, quizzes.QuizError) as problem:
        error, incomplete = str(problem), isinstance(problem, grading.IncompleteAnswer)
        if attempt.time_is_up() and not attempt.is_submitted:
            quizzes.submit(attempt)
            if not request.htmx:
                messages.warning(request, "Time is up: your saved answers were submitted.")
                return redirect("attempt_result", pk=attempt.pk)
        attempt.refresh_from_db()  # refused: perhaps submitted meanwhile (another tab, the time)
    if request.htmx and attempt.is_submitted and attempt.mode == Quiz.Mode.EXAM:
        # The time ran out (or another tab submitted): the exam page has nothing left to save.
        messages.warning(request, "Time is up: your saved answers were submitted." if attempt.time_is_up()
                         else "This attempt was already submitted: your saved answers were graded.")
        return HttpResponseClientRedirect(reverse("attempt_result", args=[attempt.pk]))
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(f"{attempt.get_absolute_url()}#q-{question_id}")
    context = _answer_context(attempt, question_id, saved.question if saved is not None else None)
    if context is None:
        raise Http404("That question is not part of this attempt.")
    item = context["item"]
    item.error, item.incomplete = error, incomplete
    # An exam answer saves on every change: only its status line is swapped, so the learner's
    # inputs (and the keyboard focus on them) stay as they are. Practice swaps in the feedback.
    partial = "answer-status" if attempt.mode == Quiz.Mode.EXAM else "question"
    return render(request, f"quizzes/attempt.html#{partial}", {**context, "item": item, "oob_progress": True})


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submitting with questions left unanswered first asks "submit anyway?" (a page of its own, so
    it works without JavaScript); `confirm=1` submits. Time up submits at once: there is no going back."""
    attempt = _get_attempt_for_user(request, pk)
    if not attempt.is_submitted and not attempt.time_is_up() and request.POST.get("confirm") != "1":
        missing = quizzes.unanswered(attempt, _question_ids(request.POST.get("unsaved", "")))
        if missing:
            return render(request, "quizzes/confirm_submit.html",
                          {"attempt": attempt, "unanswered": missing, "nav": "quizzes"})
    quizzes.submit(attempt)
    return redirect("attempt_result", pk=attempt.pk)


def _question_ids(text: str) -> set[int]:
    """"12,40,7" (the questions the page could not save, sent by quiz-autosave.js) → {12, 40, 7}."""
    parts = (part.strip() for part in text[:2000].split(","))
    return {int(part) for part in parts if part.isascii() and part.isdigit()}


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
