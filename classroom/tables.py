"""The roster as a django-tables2 table (sortable headers, pagination) filtered by a django-filter
FilterSet (search, status). Both work on the annotated queryset of `queries.learners`, so sorting and
filtering happen in the database and a page costs the same at 30 learners as at 10,000."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from courseware import scores

from .queries import Status

BADGES = {
    Status.ON_TRACK: "text-bg-success",
    Status.BEHIND: "text-bg-warning",
    Status.INACTIVE: "text-bg-danger",
    Status.NOT_STARTED: "text-bg-secondary",
}


def status_badge(value: str) -> str:
    return format_html('<span class="badge {}">{}</span>', BADGES.get(value, "text-bg-secondary"),
                       Status.LABELS.get(value, value))


NUMBER = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


class RosterTable(tables.Table):
    learner = tables.Column(accessor="username", verbose_name="Learner", order_by=("first_name", "username"))
    status = tables.Column(verbose_name="Status")
    lessons_done = tables.Column(verbose_name="Lessons done", attrs=NUMBER)
    quizzes_taken = tables.Column(verbose_name="Quizzes taken", attrs=NUMBER)
    quizzes_passed = tables.Column(verbose_name="At pass mark", attrs=NUMBER)
    exam_best = tables.Column(verbose_name="Final exam best", attrs=NUMBER)
    labs_done = tables.Column(verbose_name="Labs done", attrs=NUMBER)
    sandbox_deploys = tables.Column(verbose_name="Sandbox deploys", attrs=NUMBER)
    aws_deploys = tables.Column(verbose_name="AWS deploys", attrs=NUMBER)
    last_active = tables.DateTimeColumn(verbose_name="Last active", format="j M Y, H:i")

    class Meta:
        template_name = "django_tables2/bootstrap5-responsive.html"
        attrs = {"class": "table table-sm align-middle roster", "id": "roster"}
        empty_text = "No learner matches."
        order_by = ("learner",)
        orderable = True

    def __init__(self, *args, cohort, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cohort = cohort

    def render_learner(self, record) -> str:
        name = record.get_full_name() or record.username
        url = reverse("cohort_learner", args=[self.cohort.pk, record.pk])
        return format_html('<a href="{}">{}</a> <span class="small text-body-secondary">{}</span>', url, name,
                           record.username if name != record.username else "")

    def render_status(self, value) -> str:
        return status_badge(value)

    def render_exam_best(self, value) -> str:
        return f"{scores.rounded(value)}%"

    def value_exam_best(self, value):
        return scores.rounded(value)


class RosterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search",
                                  widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, username or e-mail"}))
    status = django_filters.ChoiceFilter(choices=Status.CHOICES, label="Status", empty_label="Everyone")
    at_risk = django_filters.BooleanFilter(method="only_at_risk", label="At risk only",
                                           widget=forms.CheckboxInput)

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(first_name__icontains=value)
                               | Q(last_name__icontains=value) | Q(email__icontains=value))

    def only_at_risk(self, queryset, name, value):
        return queryset.filter(status__in=Status.AT_RISK) if value else queryset
