from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from .. import exports
from ..access import get_cohort_for_user


def _csv(name: str, header, rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exports.stream(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@login_required
@require_GET
def gradebook_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    cohort = get_cohort_for_user(request, pk)
    header, rows = exports.gradebook(cohort)
    return _csv(f"{slugify(cohort.name) or 'cohort'}-gradebook", header, rows)


@login_required
@require_GET
def responses_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    cohort = get_cohort_for_user(request, pk)
    header, rows = exports.responses(cohort)
    return _csv(f"{slugify(cohort.name) or 'cohort'}-responses", header, rows)
