from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers: 200 when the database answers, has its schema and takes writes; else 503."""
    problem = health.database_problem(connection)
    if problem:
        log.warning("healthz: %s", problem)
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
