from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .. import interventions
from ..access import get_attempt_for_cohort, get_cohort_for_user, get_member_for_cohort
from ..forms import ExtensionForm, OverrideForm, ResetForm
from ..models import DueDate, Intervention
from ..queries import due_dates_for


@login_required
@require_http_methods(["GET", "POST"])
def override(request: HttpRequest, pk: int, attempt_pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    attempt = get_attempt_for_cohort(cohort, attempt_pk)
    if not attempt.is_submitted:
        raise Http404("Only a submitted attempt has a score to override.")
    initial = {"score": attempt.score_override if attempt.is_overridden else attempt.score}
    form = OverrideForm(request.POST or None, initial=initial, max_score=attempt.max_score)
    if request.method == "POST" and form.is_valid():
        interventions.override_score(cohort, attempt, form.cleaned_data["score"], form.cleaned_data["reason"],
                                     request.user)
        messages.success(request, "Score saved; the learner sees it on their result page.")
        return redirect("cohort_learner", pk=cohort.pk, user_id=attempt.user_id)
    return render(request, "classroom/intervention_form.html", {
        "cohort": cohort, "attempt": attempt, "learner": attempt.user, "form": form, "kind": "override",
        "section": "roster", "nav": "dashboard",
    })


@login_required
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, pk: int, attempt_pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    attempt = get_attempt_for_cohort(cohort, attempt_pk)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        interventions.reset_attempt(cohort, attempt, form.cleaned_data["reason"], request.user)
        messages.success(request, "Attempt reset: it no longer counts, and the learner may take the quiz again.")
        return redirect("cohort_learner", pk=cohort.pk, user_id=attempt.user_id)
    return render(request, "classroom/intervention_form.html", {
        "cohort": cohort, "attempt": attempt, "learner": attempt.user, "form": form, "kind": "reset",
        "section": "roster", "nav": "dashboard",
    })


@login_required
@require_http_methods(["GET", "POST"])
def extend(request: HttpRequest, pk: int, user_id: int, due_pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    learner, membership = get_member_for_cohort(cohort, user_id)
    due_date = get_object_or_404(DueDate, pk=due_pk, cohort=cohort)
    due_date = next(d for d in due_dates_for(cohort, learner) if d.pk == due_date.pk)
    form = ExtensionForm(request.POST or None, due_date=due_date)
    if request.method == "POST" and form.is_valid():
        interventions.extend_due_date(cohort, due_date, learner, form.cleaned_data["due_at"],
                                      form.cleaned_data["reason"], request.user)
        messages.success(request, "Due date extended for this learner.")
        return redirect("cohort_learner", pk=cohort.pk, user_id=learner.pk)
    return render(request, "classroom/intervention_form.html", {
        "cohort": cohort, "learner": learner, "due_date": due_date, "form": form, "kind": "extend",
        "section": "roster", "nav": "dashboard",
    })


@login_required
@require_GET
def audit(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_user(request, pk)
    rows = Intervention.objects.filter(cohort=cohort).select_related("actor", "learner")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "classroom/audit.html", {"cohort": cohort, "page": page, "section": "audit",
                                                    "nav": "dashboard"})
