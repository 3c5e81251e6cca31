"""The classroom's part of the learner's my-progress page (courseware): their cohorts and due dates."""

from __future__ import annotations

from courseware.views.progress import ProgressSection

from .models import Membership
from .queries import due_dates


def my_cohorts_section(sender=None, user=None, **kwargs) -> ProgressSection:
    """Two queries, however many cohorts the learner is in."""
    memberships = list(Membership.objects.filter(user=user, left_at__isnull=True).select_related("cohort", "cohort__owner"))
    dates = due_dates([m.cohort_id for m in memberships], user) if memberships else []
    cohorts = [(m, [d for d in dates if d.cohort_id == m.cohort_id]) for m in memberships]
    return ProgressSection("classroom/_my_cohorts.html", {"cohorts": cohorts})
