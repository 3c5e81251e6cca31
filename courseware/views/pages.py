from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import health, pagecache, progress

log = logging.getLogger(__name__)


@pagecache.public_page
def home(request: HttpRequest) -> HttpResponse:
    outline = progress.outline_for(request.user)
    return render(
        request,
        "home.html",
        {"outline": outline, "continue_lesson": progress.continue_lesson(request.user, outline)},
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers (GET or HEAD): 200 when the database answers, has its schema and takes
    writes and the cache answers; else 503, with what is down."""
    problems = {"database": health.database_problem(connection), "cache": health.cache_problem()}
    for part, problem in problems.items():
        if problem:
            log.warning("healthz: %s", problem)
    body = {part: "down" if problem else "up" for part, problem in problems.items()}
    if any(problems.values()):
        return JsonResponse({"status": "unavailable", **body}, status=503)
    return JsonResponse({"status": "ok", **body})
