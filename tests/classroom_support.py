"""Plain factories for the classroom tests: a cohort with learners, a submitted attempt with chosen answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from classroom.models import Cohort, Membership
from courseware import grading
from courseware.models import Attempt, LearningEvent, Question, Quiz, Response
from courseware.quizzes import key_for

from .factories import make_user


def make_cohort(owner, *learners, name: str = "Class A", joined_days_ago: float = 3) -> Cohort:
    cohort = Cohort.objects.create(name=name, owner=owner)
    for user in learners:
        Membership.objects.create(cohort=cohort, user=user, joined_at=timezone.now() - timedelta(days=joined_days_ago))
    return cohort


def make_learners(n: int, prefix: str = "pupil") -> list:
    return [make_user(f"{prefix}{i}", first_name=f"P{i}") for i in range(n)]


def right_answer(question: Question) -> dict:
    choices = list(question.choices.all())
    if question.type in {"single", "true_false"}:
        return {"choice": next(c.pk for c in choices if c.correct)}
    if question.type == "multiple":
        return {"choices": sorted(c.pk for c in choices if c.correct)}
    if question.type == "numeric":
        return {"value": float(question.data["answer"])}
    if question.type == "ordering":
        return {"order": list(range(len(question.data["items"])))}
    return {"matches": {str(i): p["answer"] for i, p in enumerate(question.data["pairs"])}}


def wrong_answer(question: Question, nth: int = 0) -> dict:
    """The `nth` wrong choice (single, true/false), or a wrong value otherwise."""
    choices = list(question.choices.all())
    if question.type in {"single", "true_false"}:
        return {"choice": [c.pk for c in choices if not c.correct][nth]}
    if question.type == "multiple":
        return {"choices": [[c.pk for c in choices if not c.correct][nth]]}
    if question.type == "numeric":
        return {"value": float(question.data["answer"]) + 1000}
    if question.type == "ordering":
        n = len(question.data["items"])
        return {"order": list(reversed(range(n)))}
    pairs = question.data["pairs"]
    answers = [p["answer"] for p in pairs]
    return {"matches": {str(i): answers[(i + 1) % len(answers)] for i in range(len(answers))}}


def submit_attempt(user, quiz: Quiz, answers: dict[Question, dict | None], *, started: datetime | None = None,
                   question_ids: list[int] | None = None) -> Attempt:
    """A submitted attempt with these answers (None: left unanswered), graded by the real grader."""
    started = started or timezone.now() - timedelta(hours=1)
    ids = question_ids or [q.pk for q in answers]
    attempt = Attempt.objects.create(user=user, quiz=quiz, mode=quiz.mode, question_ids=ids, seed=1,
                                     started_at=started, max_score=len(ids))
    total = 0.0
    for question, answer in answers.items():
        if answer is None:
            continue
        result = grading.grade(key_for(question), answer)
        Response.objects.create(attempt=attempt, question=question, answer=answer, score=result.score,
                                correct=result.correct, answered_at=started)
        total += result.score
    attempt.score = round(total, 4)
    attempt.submitted_at = started + timedelta(minutes=5)
    attempt.passed = (attempt.percent or 0) >= quiz.pass_mark if quiz.is_exam else None
    attempt.save()
    return attempt


def event(user, verb: str, object_type: str, object_id: str, result: dict | None = None, *, days_ago: float = 0.1):
    return LearningEvent.objects.create(actor=user, verb=verb, object_type=object_type, object_id=object_id,
                                        result=result or {}, timestamp=timezone.now() - timedelta(days=days_ago))
