"""The learner's side: join a cohort by its link or its code, leave it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from courseware.throttle import Limit

from ..forms import JoinForm
from ..models import Cohort, CohortError, Membership, normalise_code

#: Wrong codes per account: a code has 31^10 possibilities, and this keeps guessing pointless.
WRONG_CODES = Limit("cohort-code", attempts=20, window_seconds=3600)


def _join(request: HttpRequest, cohort: Cohort) -> HttpResponse:
    try:
        cohort.enrol(request.user)
    except CohortError as error:
        messages.error(request, str(error))
        return redirect("cohort_join")
    messages.success(request, f"You joined {cohort.name}. Its due dates are on your progress page.")
    return redirect("my_progress")


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        who = str(request.user.pk)
        if WRONG_CODES.exceeded(who):
            form.add_error("code", f"Too many wrong codes; try again in {WRONG_CODES.window_text}.")
        else:
            cohort = Cohort.objects.filter(join_code=form.cleaned_data["code"]).first()
            if cohort is not None:
                return _join(request, cohort)
            WRONG_CODES.hit(who)
            form.add_error("code", "No cohort has that code. Check it with your instructor.")
    return render(request, "classroom/join.html", {"form": form, "nav": "progress"})


@login_required
@require_http_methods(["GET", "POST"])
def join_link(request: HttpRequest, code: str) -> HttpResponse:
    """A shared link: GET shows the cohort and a button (a link never changes anything by itself)."""
    cohort = Cohort.objects.select_related("owner").filter(join_code=normalise_code(code)).first()
    if cohort is None:
        raise Http404("No cohort has that code.")
    if request.method == "POST":
        return _join(request, cohort)
    member = Membership.objects.filter(cohort=cohort, user=request.user, left_at__isnull=True).exists()
    return render(request, "classroom/join_link.html", {"cohort": cohort, "member": member, "nav": "progress"})


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.select_related("cohort").filter(cohort_id=pk, user=request.user,
                                                                    left_at__isnull=True).first()
    if membership is None:
        raise Http404("You are not in that cohort.")
    membership.leave()
    messages.success(request, f"You left {membership.cohort.name}. Your own progress is kept.")
    return redirect("my_progress")
