from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from courseware.models import Lesson
from courseware.rendering import render as render_markdown

from .. import catalog
from ..apigw.model import Design
from ..models import LabAttempt


@require_GET
def lab_list(request: HttpRequest) -> HttpResponse:
    mine, free = {}, []
    if request.user.is_authenticated:
        attempts = list(LabAttempt.objects.filter(user=request.user))
        mine = {a.scenario: a for a in attempts if a.scenario}
        free = [a for a in attempts if not a.scenario]
    labs = [(scenario, mine.get(slug)) for slug, scenario in catalog.scenarios().items()]
    return render(request, "labs/index.html", {"labs": labs, "free_designs": free, "nav": "labs"})


@require_GET
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = catalog.get_or_404(slug)
    attempt = None
    if request.user.is_authenticated:
        attempt = LabAttempt.objects.filter(user=request.user, scenario=slug).first()
    lessons = Lesson.objects.published().filter(slug__in=scenario.lessons).in_course_order()
    return render(request, "labs/detail.html", {
        "scenario": scenario, "brief_html": render_markdown(scenario.brief).html, "attempt": attempt,
        "lessons": lessons, "nav": "labs",
    })


@login_required
@require_POST
def lab_start(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = catalog.get_or_404(slug)
    try:
        attempt, _ = LabAttempt.objects.get_or_create(
            user=request.user, scenario=slug,
            defaults={"title": scenario.title, "design": Design(api_type=scenario.api_type).to_dict()},
        )
    except IntegrityError:  # a double click created it a moment ago
        attempt = LabAttempt.objects.get(user=request.user, scenario=slug)
    if request.POST.get("restart") == "1":
        if request.POST.get("confirm") != "1":  # a design is work: ask before wiping it
            routes = len(attempt.read_design()[0].routes)
            return render(request, "labs/restart.html", {"scenario": scenario, "attempt": attempt, "routes": routes,
                                                         "nav": "labs"})
        attempt.restart(scenario.api_type)
        messages.info(request, "You are starting this lab afresh.")
    return redirect(attempt)
