from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from courseware import pagecache
from courseware.models import Lesson
from courseware.rendering import render as render_markdown

from .. import catalog, sandboxes, troubleshooting
from ..models import LabAttempt


@require_GET
@pagecache.public_page
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
        attempt, created = LabAttempt.objects.get_or_create(
            user=request.user, scenario=slug, defaults=troubleshooting.initial_attempt(scenario))
    except IntegrityError:  # a double click created it a moment ago
        attempt, created = LabAttempt.objects.get(user=request.user, scenario=slug), False
    restart = request.POST.get("restart") == "1"
    if restart and request.POST.get("confirm") != "1":  # a design is work: ask before wiping it
        routes = len(attempt.read_design()[0].routes)
        return render(request, "labs/restart.html", {"scenario": scenario, "attempt": attempt, "routes": routes,
                                                     "nav": "labs"})
    if restart:
        attempt.restart(scenario.api_type)
        messages.info(request, "You are starting this lab afresh.")
    if (created or restart) and (scenario.troubleshooting or scenario.starting_design):
        return _set_up(request, attempt, scenario)
    return redirect(attempt)


def _set_up(request: HttpRequest, attempt: LabAttempt, scenario) -> HttpResponse:
    """A troubleshooting lab starts where the team left it: their design, their broken sandbox and its log."""
    try:
        troubleshooting.start(attempt, scenario)
    except sandboxes.TooManySandboxes as problem:
        messages.error(request, f"The lab's sandbox could not be set up: {problem} When one has expired, start "
                                "this lab afresh from its page.")
        return redirect(attempt)
    if scenario.troubleshooting:
        messages.info(request, "The team's API is deployed in your sandbox as they left it; their calls are in "
                               "the execution log.")
        return redirect("labs:sandbox", pk=attempt.pk)
    return redirect(attempt)
