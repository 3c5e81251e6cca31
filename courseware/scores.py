"""The score that counts: one rule, in Python and in SQL, for every page and export that shows a score.

An attempt's *effective* score is the instructor's override when there is one, else the graded score.
The learner's result page, "Your best" on the quizzes page, the my-progress page, the instructor's
roster and the gradebook all read it from here: the Python side (`effective_score`, `percent`) for one
attempt in hand, the SQL side (`effective_score_expression`, `effective_percent_expression`) when the
database aggregates many. Both divide the same floats and round with the same `rounded`, so a learner
and the gradebook never disagree (tests/test_classroom_scores.py checks it on both databases).

No model is imported here: `courseware.models` imports this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, FloatField, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, NullIf
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Attempt, Quiz


def effective_score(score: float | None, override: float | None) -> float | None:
    """Points that count: the override if an instructor set one, else the graded points."""
    return override if override is not None else score


def percent_value(score: float | None, max_score: int) -> float | None:
    """Points as an unrounded percentage of the maximum (None when there is nothing to divide)."""
    if score is None or not max_score:
        return None
    return score * 100.0 / float(max_score)


def rounded(value: float | None) -> int | None:
    """The one rounding of a percentage shown anywhere: half up (69.5 -> 70, 68.5 -> 69), which SQL can
    say too (`reaches`), unlike Python's half-to-even `round`."""
    return None if value is None else math.floor(value + 0.5)


def meets_pass_mark(percent: int | None, pass_mark: int) -> bool | None:
    """Whether a (rounded) percentage reaches the quiz's pass mark; None when there is no score."""
    return None if percent is None else percent >= pass_mark


def reaches(percent_sql: Combinable, pass_mark_sql: Combinable) -> GreaterThanOrEqual:
    """SQL for `meets_pass_mark(rounded(p), mark)` on an unrounded percentage: floor(p + 0.5) >= mark
    holds exactly when p + 0.5 >= mark, for a whole-number mark."""
    return GreaterThanOrEqual(percent_sql + Value(0.5), pass_mark_sql)


def effective_score_expression(prefix: str = "") -> Combinable:
    """SQL for `effective_score`, on the attempt reached through `prefix` ("" or "attempts__")."""
    return Coalesce(F(f"{prefix}score_override"), F(f"{prefix}score"))


def effective_percent_expression(prefix: str = "") -> Combinable:
    """SQL for `percent_value(effective_score(...), max_score)`: NULL for an attempt with no maximum."""
    max_score = NullIf(Cast(F(f"{prefix}max_score"), FloatField()), Value(0.0))
    return Cast(effective_score_expression(prefix), FloatField()) * Value(100.0) / max_score


def apply_override(attempt: Attempt, score: float | None, reason: str, by) -> Attempt:
    """Set (or, with `score=None`, clear) an instructor's score for a submitted attempt and save it.
    The audit trail (who, before, after, why) is the caller's: classroom keeps it."""
    if not attempt.is_submitted:
        raise ValueError("Only a submitted attempt has a score to override.")
    if score is not None and not 0 <= score <= attempt.max_score:
        raise ValueError(f"A score runs from 0 to {attempt.max_score} points.")
    attempt.score_override = score
    attempt.override_reason = reason if score is not None else ""
    attempt.overridden_by = by if score is not None else None
    attempt.overridden_at = timezone.now() if score is not None else None
    attempt.save(update_fields=["score_override", "override_reason", "overridden_by", "overridden_at"])
    return attempt


@dataclass(frozen=True)
class QuizResult:
    """One quiz as a learner's list shows it: their best effective percentage and the pass mark's verdict."""

    quiz: Quiz
    best: int | None
    attempts: int = 0

    @property
    def passed(self) -> bool | None:
        return meets_pass_mark(self.best, self.quiz.pass_mark)
