from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from courseware.models import Attempt, Choice, Lab, Lesson, LessonProgress, Response

from .. import labwork, queries
from ..access import get_cohort_for_user, get_member_for_cohort
from ..models import Intervention
from ..tables import RosterFilter, RosterTable, status_badge

PER_PAGE = 25


@login_required
@require_GET
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per learner, sortable, filterable, searchable, 25 a page. An htmx request (a sort, a page,
    a filter change) gets only the table back."""
    cohort = get_cohort_for_user(request, pk)
    filters = RosterFilter(request.GET, queryset=queries.learners(cohort))
    table = RosterTable(filters.qs, cohort=cohort)
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    context = {"cohort": cohort, "filter": filters, "table": table, "status_rule": queries.STATUS_RULE,
               "section": "roster", "nav": "dashboard"}
    if request.htmx and request.htmx.target == "roster-table":
        return render(request, "classroom/roster.html#roster-table", context)
    return render(request, "classroom/roster.html", context)


def _answer_text(response: Response, letters: dict[int, str]) -> str:
    answer = response.answer or {}

    def letter(cid) -> str:
        return letters.get(cid, "?")

    if "choice" in answer:
        return letter(answer["choice"])
    if "choices" in answer:
        return ", ".join(letter(c) for c in answer["choices"])
    if "value" in answer:
        return str(answer["value"])
    if "order" in answer:
        return " › ".join(str(i + 1) for i in answer["order"])
    if "matches" in answer:
        return "; ".join(f"{int(k) + 1} → {v}" for k, v in sorted(answer["matches"].items()))
    return ""


@login_required
@require_GET
def learner(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Everything one learner did: lessons, every attempt with each answer, their lab designs (read only:
    findings now, diagram, OpenAPI), lab findings over time, their latest sandbox calls with each trace,
    sandbox predictions, deployments, due dates and the interventions on their record."""
    cohort = get_cohort_for_user(request, pk)
    user, membership = get_member_for_cohort(cohort, user_id)
    row = queries.learners(cohort).filter(pk=user.pk).first() if membership.is_current else None
    attempts = list(Attempt.objects.filter(user=user, quiz__isnull=False).select_related("quiz", "overridden_by")
                    .order_by("quiz__order", "-started_at"))
    responses: dict[int, list[Response]] = {}
    for response in (Response.objects.filter(attempt__in=[a.pk for a in attempts]).select_related("question")
                     .order_by("attempt_id", "question__position")):
        responses.setdefault(response.attempt_id, []).append(response)
    question_ids = {r.question_id for rs in responses.values() for r in rs}
    letters = queries.choice_letters(Choice.objects.filter(question_id__in=question_ids).order_by("question_id", "position"))
    for attempt in attempts:
        attempt.answers = [(r, _answer_text(r, letters)) for r in responses.get(attempt.pk, [])]
    progress = {p.lesson_id: p for p in LessonProgress.objects.filter(user=user)}
    lessons = [(lesson, progress.get(lesson.pk)) for lesson in Lesson.objects.published().in_course_order()
               .only("slug", "title", "module__order", "order")]
    events = queries.learner_events(user)
    titles = Lab.objects.titles()
    for event in events:
        event.lab_title = titles.get(event.obj.slug, event.obj.slug)
    return render(request, "classroom/learner.html", {
        "cohort": cohort, "learner": user, "membership": membership, "row": row,
        "status_badge": status_badge(row.status) if row else "",
        "attempts": attempts, "lessons": lessons, "lessons_done": sum(1 for _, p in lessons if p and p.completed),
        "validations": [e for e in events if e.verb == "validated"],
        "predictions": [e for e in events if e.verb == "predicted"],
        "deployments": [e for e in events if e.object_type == "deployment"],
        "objectives": [e for e in events if e.object_type == "objective"],
        "designs": labwork.designs(user, titles), "calls": labwork.calls(user, titles),
        "due_dates": queries.due_dates_for(cohort, user),
        "interventions": list(Intervention.objects.filter(learner=user, cohort=cohort).select_related("actor")[:100]),
        "status_rule": queries.STATUS_RULE, "section": "roster", "nav": "dashboard",
    })
