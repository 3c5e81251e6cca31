from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courseware import stats

from .. import charts, queries
from ..access import get_cohort_for_user, require_instructor
from ..forms import CohortForm, DueDateForm
from ..models import Cohort, DueDate
from ..queries import Status

STATUS_COLOURS = {Status.ON_TRACK: "success", Status.NOT_STARTED: "secondary", Status.BEHIND: "warning",
                  Status.INACTIVE: "danger"}


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The instructor's cohorts, and what the whole site did in the last seven days."""
    require_instructor(request)
    cohorts = list(Cohort.objects.taught_by(request.user).with_learner_counts().select_related("owner"))
    active_learners, activity = stats.recent_figures()
    return render(request, "classroom/dashboard.html", {
        "cohorts": cohorts,
        "active_learners": active_learners,
        "activity": activity,
        "misconceptions": stats.top_misconceptions(),
        "labs": stats.lab_activity(),
        "nav": "dashboard",
    })


@login_required
@require_http_methods(["GET", "POST"])
def cohort_new(request: HttpRequest) -> HttpResponse:
    require_instructor(request)
    form = CohortForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        cohort = form.save(commit=False)
        cohort.owner = request.user
        cohort.save()
        form.save_m2m()
        messages.success(request, f"{cohort.name} is ready: share its link or code with your learners.")
        return redirect(cohort)
    return render(request, "classroom/cohort_form.html", {"form": form, "nav": "dashboard"})


@login_required
@require_http_methods(["GET", "POST"])
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    form = CohortForm(request.POST or None, instance=cohort, owner=cohort.owner)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect(cohort)
    return render(request, "classroom/cohort_form.html", {"form": form, "cohort": cohort, "nav": "dashboard"})


@login_required
@require_POST
def cohort_enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    """Open or close enrolment (`open=1` / `open=0`), or give the cohort a new code (`new_code=1`)."""
    cohort = get_cohort_for_user(request, pk)
    if request.POST.get("new_code") == "1":
        cohort.new_code()
        messages.success(request, f"New code {cohort.join_code_display}: the old link and code no longer work.")
    else:
        cohort.enrolment_open = request.POST.get("open") == "1"
        cohort.save(update_fields=["enrolment_open"])
        messages.success(request, "Enrolment is open." if cohort.enrolment_open else "Enrolment is closed.")
    return redirect(cohort)


@login_required
@require_GET
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    status = queries.status_counts(cohort)
    total = sum(status.values())
    funnel = queries.lesson_funnel(cohort)
    quizzes = queries.quizzes_in_order()
    distributions = queries.score_distributions(cohort, quizzes)
    labs = queries.lab_completion(cohort)
    weeks = queries.weekly_activity(cohort)
    return render(request, "classroom/overview.html", {
        "cohort": cohort, "total": total,
        "status": [(key, Status.LABELS[key], status[key]) for key in Status.ORDER],
        "status_rule": queries.STATUS_RULE, "at_risk": sum(status[k] for k in Status.AT_RISK),
        "status_chart": charts.stacked(
            [charts.Bar(Status.LABELS[k], status[k], STATUS_COLOURS[k]) for k in Status.ORDER],
            "Learners by status", ", ".join(f"{Status.LABELS[k]}: {status[k]}" for k in Status.ORDER)),
        "funnel": funnel,
        "funnel_chart": charts.bars(
            [charts.Bar(step.lesson.title, step.completed, "primary", f" of {total}") for step in funnel],
            "Lessons completed, in course order", f"How many of the {total} learners completed each lesson.",
            maximum=total or 1, label_width=250),
        "distributions": [
            (d, charts.columns([charts.Bar(label, n) for label, n in zip(d.short_labels, d.bins)],
                               f"{d.quiz.title}: best scores",
                               f"{d.learners} learners; " + ", ".join(f"{label}: {n}" for label, n in zip(d.labels, d.bins)),
                               width=320, height=120))
            for d in distributions
        ],
        "labs": labs,
        "labs_chart": charts.bars(
            [charts.Bar(row.lab.title, row.completed, "success", f" of {total}") for row in labs],
            "Labs completed", "How many learners completed each lab.", maximum=total or 1, label_width=300),
        "weeks": weeks,
        "weeks_chart": charts.columns(
            [charts.Bar(w.starts.strftime("%d %b"), w.active, "info") for w in weeks],
            "Active learners per week", ", ".join(f"week of {w.starts:%d %b}: {w.active}" for w in weeks)),
        "due_dates": queries.due_dates_for(cohort),
        "section": "overview", "nav": "dashboard",
    })


@login_required
@require_http_methods(["GET", "POST"])
def due_dates(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    form = DueDateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, slug = form.cleaned_data["item"]
        DueDate.objects.update_or_create(cohort=cohort, kind=kind, slug=slug,
                                         defaults={"due_at": form.cleaned_data["due_at"]})
        messages.success(request, "Due date saved.")
        return redirect("cohort_due_dates", pk=cohort.pk)
    return render(request, "classroom/due_dates.html", {
        "cohort": cohort, "form": form, "due_dates": queries.due_dates_for(cohort),
        "section": "due", "nav": "dashboard",
    })


@login_required
@require_POST
def due_date_delete(request: HttpRequest, pk: int, due_pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    get_object_or_404(DueDate, pk=due_pk, cohort=cohort).delete()
    messages.success(request, "Due date removed.")
    return redirect("cohort_due_dates", pk=cohort.pk)
