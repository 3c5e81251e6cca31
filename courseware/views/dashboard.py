from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import stats
from ..roles import is_instructor


def _require_instructor(request: HttpRequest) -> None:
    if not is_instructor(request.user):
        raise PermissionDenied("The dashboard is for instructors.")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_instructor(request)
    learner_count = User.objects.filter(is_active=True).exclude(groups__name="Instructors").count()
    return render(request, "dashboard/index.html", {
        "learner_count": learner_count,
        "activity": stats.recent_activity(),
        "misconceptions": stats.top_misconceptions(),
        "labs": stats.lab_activity(),
        "nav": "dashboard",
    })
