from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import progress

log = logging.getLogger(__name__)


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
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.warning("healthz: database did not answer", exc_info=True)
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
