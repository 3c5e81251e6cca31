"""Who may see what in the classroom, checked at the top of every view (never by a template).

- Anonymous: the login page.
- Not an instructor (nor staff): 403, "This page is not for your account", as the dashboard always said.
- An instructor: their own cohorts and those they co-teach; any other cohort is a 404, as if it did not
  exist. Staff see every cohort.
- A learner page needs the learner to be (or to have been) in the cohort: another learner is a 404.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from courseware.models import Attempt
from courseware.roles import is_instructor

from .models import Cohort, Membership


def may_teach(user) -> bool:
    return user.is_authenticated and (user.is_staff or is_instructor(user))


def require_instructor(request: HttpRequest) -> None:
    if not may_teach(request.user):
        raise PermissionDenied("The dashboard is for instructors.")


def get_cohort_for_user(request: HttpRequest, pk: int) -> Cohort:
    require_instructor(request)
    cohort = get_object_or_404(Cohort.objects.taught_by(request.user).select_related("owner"), pk=pk)
    without_jit()  # every cohort page aggregates: see below
    return cohort


def without_jit() -> None:
    """PostgreSQL compiles a query to machine code (JIT) when its estimated cost is high, and the
    roster's correlated subqueries estimate in the millions: at 10,000 learners compiling took 1.2 s of
    a 2.7 s query, to save nothing. Off for this connection; a web app's queries are all short."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")


def get_member_for_cohort(cohort: Cohort, user_id: int) -> tuple[User, Membership]:
    membership = (
        Membership.objects.select_related("user").filter(cohort=cohort, user_id=user_id).first()
    )
    if membership is None:
        raise Http404("No such learner in this cohort.")
    return membership.user, membership


def get_attempt_for_cohort(cohort: Cohort, pk: int) -> Attempt:
    """A quiz attempt by a learner of the cohort (current or former)."""
    attempt = (
        Attempt.objects.select_related("quiz", "user")
        .filter(pk=pk, quiz__isnull=False, user__cohort_memberships__cohort=cohort)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt in this cohort.")
    return attempt
