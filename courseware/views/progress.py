"""A learner's own progress page: lessons, quiz scores (the effective score), labs, deployments, the
mistakes waiting for review, and what other apps add (classroom: cohorts and due dates)."""

from __future__ import annotations

from dataclasses import dataclass

import django.dispatch
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import quizzes
from ..events import ObjectType, Verb
from ..models import Lab, LearningEvent, ReviewItem
from ..progress import outline_for

#: Sent while the page is built, with `user`; a receiver returns a `ProgressSection` (or None). The
#: classroom app answers with the learner's cohorts and due dates: courseware never imports it.
progress_sections = django.dispatch.Signal()

RECENT_DEPLOYMENTS = 10


@dataclass(frozen=True)
class ProgressSection:
    template: str  # included with `section` in its context
    context: dict


@dataclass(frozen=True)
class LabProgress:
    lab: Lab
    checks: int
    objectives_met: int
    completed_at: object
    first_checked_at: object


def _labs(user) -> list[LabProgress]:
    """Each published lab with what the learner did in it: two queries."""
    labs = list(Lab.objects.published())
    rows = (
        LearningEvent.objects.filter(actor=user, object_type__in=[ObjectType.LAB, ObjectType.OBJECTIVE])
        .filter(verb__in=[Verb.VALIDATED, Verb.COMPLETED, Verb.MET])
        .values("object_type", "verb", "object_id")
        .annotate(n=Count("id"), first=Min("timestamp"), last=Max("timestamp"))
    )
    checks, met, completed, first = {}, {}, {}, {}
    for row in rows:
        if row["object_type"] == ObjectType.OBJECTIVE:
            slug = row["object_id"].partition(":")[0]
            met[slug] = met.get(slug, 0) + 1
        elif row["verb"] == Verb.VALIDATED:
            checks[row["object_id"]], first[row["object_id"]] = row["n"], row["first"]
        else:
            completed[row["object_id"]] = row["first"]
    return [LabProgress(lab, checks.get(lab.slug, 0), met.get(lab.slug, 0), completed.get(lab.slug), first.get(lab.slug))
            for lab in labs]


def _review_lessons(user) -> list[tuple[object, int]]:
    """The lessons behind the questions waiting for review, with how many wait: one query."""
    rows = (
        ReviewItem.objects.filter(user=user, streak__lt=ReviewItem.MASTERED, question__published=True,
                                  question__lesson__isnull=False)
        .values("question__lesson__slug", "question__lesson__title")
        .annotate(n=Count("id"))
        .order_by("-n", "question__lesson__title")
    )
    return [(row["question__lesson__slug"], row["question__lesson__title"], row["n"]) for row in rows]


@login_required
@require_GET
def my_progress(request: HttpRequest) -> HttpResponse:
    user = request.user
    deployments = list(
        LearningEvent.objects.filter(actor=user, object_type=ObjectType.DEPLOYMENT,
                                     verb__in=[Verb.DEPLOYED, Verb.TORN_DOWN])
        .order_by("-timestamp")[:RECENT_DEPLOYMENTS]
    )
    titles = Lab.objects.titles()
    deployments = [(event, titles.get(event.obj.slug, event.obj.slug)) for event in deployments]
    sections = [section for _, section in progress_sections.send(sender=my_progress, user=user) if section]
    results = quizzes.results_for(user)
    taken = [row for row in results if row.best is not None]
    return render(request, "progress/index.html", {
        "outline": outline_for(user),
        "results": results,
        "quizzes_taken": len(taken),
        "quizzes_passed": sum(1 for row in taken if row.passed),
        "labs": _labs(user),
        "deployments": deployments,
        "review": quizzes.review_status(user),
        "review_lessons": _review_lessons(user),
        "sections": sections,
        "nav": "progress",
    })

