"""What an instructor may change in a learner's record, each change written with its audit row (who, when,
what, before, after, why) in the same transaction: there is no change without its record."""

from __future__ import annotations

from django.db import transaction

from courseware import scores
from courseware.models import Attempt

from .models import Cohort, DueDate, DueDateExtension, Intervention


def _score_state(attempt: Attempt) -> dict:
    return {
        "attempt": attempt.pk, "score": attempt.score, "max_score": attempt.max_score,
        "score_override": attempt.score_override, "effective_percent": attempt.effective_percent,
        "reason": attempt.override_reason,
    }


def _target(attempt: Attempt) -> str:
    return f"{attempt.quiz.title if attempt.quiz_id else 'Review'}, attempt {attempt.pk}"


@transaction.atomic
def override_score(cohort: Cohort, attempt: Attempt, score: float | None, reason: str, by) -> Intervention:
    """Set the points that count for a submitted attempt (None: the graded score counts again)."""
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
    before = _score_state(attempt)
    scores.apply_override(attempt, score, reason, by)
    return Intervention.objects.create(
        cohort=cohort, learner_id=attempt.user_id, actor=by, target=_target(attempt), reason=reason,
        action=Intervention.Action.OVERRIDE_SCORE if score is not None else Intervention.Action.CLEAR_OVERRIDE,
        before=before, after=_score_state(attempt),
    )


@transaction.atomic
def reset_attempt(cohort: Cohort, attempt: Attempt, reason: str, by) -> Intervention:
    """Remove an attempt, so that it no longer counts (nor counts against the attempt limit). Its answers
    are kept in the audit row; the learning log keeps what happened."""
    attempt = Attempt.objects.select_for_update(of=("self",)).select_related("quiz").get(pk=attempt.pk)
    responses = list(attempt.responses.select_related("question").order_by("question__position"))
    before = {
        **_score_state(attempt),
        "quiz": attempt.quiz.slug if attempt.quiz_id else None,
        "started_at": attempt.started_at.isoformat(),
        "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
        "responses": [{"question": r.question.key, "answer": r.answer, "score": r.score} for r in responses],
    }
    target = _target(attempt)
    learner_id = attempt.user_id
    attempt.delete()
    return Intervention.objects.create(
        cohort=cohort, learner_id=learner_id, actor=by, action=Intervention.Action.RESET_ATTEMPT, target=target,
        reason=reason, before=before, after={"attempt": None},
    )


@transaction.atomic
def extend_due_date(cohort: Cohort, due_date: DueDate, learner, due_at, reason: str, by) -> Intervention:
    extension = DueDateExtension.objects.select_for_update().filter(due_date=due_date, learner=learner).first()
    before = {"due_at": (extension.due_at if extension else due_date.due_at).isoformat(), "extended": bool(extension)}
    if extension is None:
        extension = DueDateExtension.objects.create(due_date=due_date, learner=learner, due_at=due_at)
    else:
        extension.due_at = due_at
        extension.save(update_fields=["due_at"])
    return Intervention.objects.create(
        cohort=cohort, learner=learner, actor=by, action=Intervention.Action.EXTEND_DUE_DATE,
        target=f"Due date: {getattr(due_date, 'title', due_date.slug)}", reason=reason,
        before=before, after={"due_at": due_at.isoformat(), "extended": True},
    )
