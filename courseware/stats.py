"""Figures for the instructor dashboard, read only from courseware's own tables."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from .models import LearningEvent, Misconception

ACTIVITY = (
    ("completed", "lesson", "Lessons completed"),
    ("completed", "quiz", "Quizzes submitted"),
    ("answered", "question", "Questions answered"),
    ("validated", "lab", "Lab designs checked"),
    ("met", "objective", "Lab objectives met"),
    ("completed", "lab", "Labs completed"),
)


def recent_activity(days: int = 7) -> list[tuple[str, int]]:
    """How much learning happened lately: one grouped query."""
    since = timezone.now() - timedelta(days=days)
    counts = {
        (row["verb"], row["object_type"]): row["n"]
        for row in LearningEvent.objects.filter(timestamp__gte=since)
        .values("verb", "object_type")
        .annotate(n=Count("id"))
    }
    return [(label, counts.get((verb, kind), 0)) for verb, kind, label in ACTIVITY]


def top_misconceptions(limit: int = 5) -> list[tuple[Misconception | None, str, int]]:
    """The misconceptions wrong quiz answers revealed most often, with how many learners held each."""
    rows = list(
        LearningEvent.objects.filter(verb="answered", result__correct=False)
        .exclude(result__misconception="")
        .values("result__misconception")
        .annotate(learners=Count("actor", distinct=True))
        .order_by("-learners")[:limit]
    )
    known = Misconception.objects.in_bulk([row["result__misconception"] for row in rows], field_name="slug")
    return [(known.get(row["result__misconception"]), row["result__misconception"], row["learners"]) for row in rows]
