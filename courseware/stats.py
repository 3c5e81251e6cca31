"""Site-wide figures of the last days for the instructor dashboard (classroom shows them under the
instructor's cohorts), read only from courseware's own tables."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from .events import SEPARATOR, ObjectType, Verb
from .models import Lab, LearningEvent, Misconception
from .roles import INSTRUCTORS_GROUP

ACTIVITY = (
    (Verb.COMPLETED, ObjectType.LESSON, "Lessons completed"),
    (Verb.COMPLETED, ObjectType.QUIZ, "Quizzes submitted"),
    (Verb.ANSWERED, ObjectType.QUESTION, "Questions answered"),
    (Verb.VALIDATED, ObjectType.LAB, "Lab designs checked"),
    (Verb.MET, ObjectType.OBJECTIVE, "Lab objectives met"),
    (Verb.COMPLETED, ObjectType.LAB, "Labs completed"),
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


def recent_figures(days: int = 7) -> tuple[int, list[tuple[str, int]]]:
    """Learners (not instructors) active in the last `days` days, and `recent_activity`: one query."""
    since = timezone.now() - timedelta(days=days)
    recent = LearningEvent.objects.filter(timestamp__gte=since).order_by()
    kinds = recent.values("verb", "object_type").annotate(n=Count("id"))
    learners = (
        recent.exclude(actor__groups__name=INSTRUCTORS_GROUP)
        .annotate(v=Value("*"), o=Value("learners")).values("v", "o").annotate(n=Count("actor", distinct=True))
    )
    counts = {(row["verb"], row["object_type"]): row["n"] for row in kinds.union(learners, all=True)}
    return counts.get(("*", "learners"), 0), [(label, counts.get((verb, kind), 0)) for verb, kind, label in ACTIVITY]


def top_misconceptions(limit: int = 5) -> list[tuple[Misconception | None, str, int]]:
    """The misconceptions wrong quiz answers revealed most often, with how many learners held each."""
    rows = list(
        LearningEvent.objects.filter(verb=Verb.ANSWERED, result__correct=False)
        .exclude(result__misconception="")
        .values("result__misconception")
        .annotate(learners=Count("actor", distinct=True))
        .order_by("-learners")[:limit]
    )
    known = Misconception.objects.select_related("lesson").in_bulk(
        [row["result__misconception"] for row in rows], field_name="slug"
    )
    return [(known.get(row["result__misconception"]), row["result__misconception"], row["learners"]) for row in rows]


def lab_activity(days: int = 7) -> list[Lab]:
    """The labs of the catalogue by title, in catalogue order, each with what learners did in it lately:
    `checked` (learners who had a design checked), `objectives_met` (objectives met, once per learner
    and objective) and `completed` (learners who met every objective). Labs taken off the catalogue
    are listed only while they have activity. One query, whatever the number of labs or events."""
    recent = LearningEvent.objects.filter(timestamp__gte=timezone.now() - timedelta(days=days))
    of_the_lab = recent.filter(object_type=ObjectType.LAB, object_id=OuterRef("slug"))
    # An objective's object id is "<lab>:<objective>" (courseware/events.py).
    objectives = recent.filter(object_type=ObjectType.OBJECTIVE,
                               object_id__startswith=Concat(OuterRef("slug"), Value(SEPARATOR)))
    labs = Lab.objects.only("slug", "title", "published", "order").annotate(
        checked=_count(of_the_lab.filter(verb=Verb.VALIDATED), Count("actor", distinct=True)),
        completed=_count(of_the_lab.filter(verb=Verb.COMPLETED), Count("actor", distinct=True)),
        objectives_met=_count(objectives.filter(verb=Verb.MET), Count("id")),
    )
    return [lab for lab in labs if lab.published or lab.checked or lab.completed or lab.objectives_met]


def _count(events, aggregate) -> Coalesce:
    """`aggregate` over `events` as a subquery of one value (0 when there are none)."""
    counted = events.values("object_type").annotate(n=aggregate).values("n")
    return Coalesce(Subquery(counted[:1]), 0)
