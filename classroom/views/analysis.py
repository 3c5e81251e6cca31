from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from courseware.models import Quiz

from .. import charts, queries
from ..access import get_cohort_for_user

WHICH = {"first": "First attempts", "all": "All attempts"}


@login_required
@require_GET
def quizzes(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    summaries = queries.quiz_summaries(cohort, queries.quizzes_in_order())
    return render(request, "classroom/quizzes.html", {
        "cohort": cohort, "summaries": summaries, "misconceptions": queries.quiz_misconceptions(cohort),
        "section": "quizzes", "nav": "dashboard",
    })


@login_required
@require_GET
def item_analysis(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """Moodle's quiz statistics for one quiz and the cohort: facility, discrimination, choices, flags."""
    cohort = get_cohort_for_user(request, pk)
    quiz = get_object_or_404(Quiz.objects.select_related("lesson"), slug=slug)
    which = request.GET.get("attempts", "first")
    which = which if which in WHICH else "first"
    stats, summary = queries.item_analysis(cohort, quiz, which)
    for stat in stats:
        stat.chart = charts.bars(
            [charts.Bar(c.letter, c.picked, "success" if c.choice.correct else "secondary") for c in stat.choices],
            f"Question {stat.number}: answers picked",
            "; ".join(f"{c.letter}{' (right)' if c.choice.correct else ''}: {c.picked}" for c in stat.choices),
            label_width=40, width=360,
        ) if stat.choices else ""
    return render(request, "classroom/item_analysis.html", {
        "cohort": cohort, "quiz": quiz, "stats": stats, "summary": summary,
        "mean": summary["mean"] and round(summary["mean"]), "which": which, "which_options": WHICH,
        "misconceptions": queries.quiz_misconceptions(cohort, queries.analysed_attempts(cohort, quiz, which)),
        "thresholds": {"easy": queries.TOO_EASY, "hard": queries.TOO_HARD, "weak": round(queries.WEAK_DISCRIMINATION * 100),
                       "min": queries.MIN_RESPONSES},
        "flagged": sum(1 for s in stats if s.flags), "section": "quizzes", "nav": "dashboard",
    })


@login_required
@require_GET
def labs(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    insights, misconceptions = queries.lab_insights(cohort)
    return render(request, "classroom/labs.html", {
        "cohort": cohort, "insights": insights, "misconceptions": misconceptions,
        "completion": queries.lab_completion(cohort), "section": "labs", "nav": "dashboard",
    })
