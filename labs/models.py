"""A learner's lab work. The design itself is the plain dict of labs.apigw.model.Design."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class LabAttempt(models.Model):
    """A learner's design for one lab scenario (or a free design, e.g. from an OpenAPI import).

    Saved on every change, so closing the tab loses nothing and the learner resumes where they were.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_attempts")
    scenario = models.SlugField(blank=True, help_text="The scenario's slug; empty for a free design.")
    title = models.CharField(max_length=200, blank=True)
    design = models.JSONField(default=dict)
    step = models.CharField(max_length=20, default="api")
    objectives_met = models.JSONField(default=list, help_text="Ids of the objectives the design meets.")
    error_count = models.PositiveIntegerField(default=0)
    rule_ids = models.JSONField(default=list, help_text="The rules the design broke when last logged.")
    # Which page (a token per rendered builder page) and which edit on it saved last: an autosave
    # that arrives late (after the learner already submitted the same page) must not overwrite it.
    save_token = models.CharField(max_length=32, blank=True)
    save_seq = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scenario"], condition=~Q(scenario=""), name="one_attempt_per_scenario"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.scenario or self.title}"

    def get_absolute_url(self) -> str:
        return reverse("labs:builder", args=[self.pk, self.step])
