"""Access checks shared by the labs' views: another learner's object is a 404, never a 403."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from ..models import LabAttempt


def get_lab_attempt_for_user(request: HttpRequest, pk: int) -> LabAttempt:
    attempt = LabAttempt.objects.filter(pk=pk, user=request.user).first()
    if attempt is None:
        raise Http404("No such lab attempt.")
    return attempt
