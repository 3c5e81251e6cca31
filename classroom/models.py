"""Cohorts of learners taught by instructors, their due dates, and the audit trail of what instructors
changed. Everything a learner did is courseware's (attempts, progress, the learning log); classroom
only groups learners and reads it."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

# No 0/O, 1/I/L: a code read aloud in a classroom or copied from a slide survives. 31^10 ≈ 8·10^14 codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a learner typed ("abcde-fghjk ", "ABCDE FGHJK") as the stored code."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:CODE_LENGTH * 2]


class CohortError(Exception):
    """A rule stopped a learner joining or leaving; the message is for them."""


class CohortQuerySet(models.QuerySet):
    def taught_by(self, user) -> CohortQuerySet:
        """The cohorts `user` may see as an instructor: their own and those they co-teach; staff see all."""
        if user.is_staff:
            return self.all()
        return self.filter(Q(owner=user) | Q(co_instructors=user)).distinct()

    def with_learner_counts(self) -> CohortQuerySet:
        return self.annotate(learner_count=Count("memberships", filter=Q(memberships__left_at__isnull=True)))


class Cohort(models.Model):
    name = models.CharField(max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts_owned")
    co_instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="cohorts_co_taught")
    join_code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_join_code, editable=False)
    enrolment_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cohort", args=[self.pk])

    def get_join_url(self) -> str:
        return reverse("cohort_join_link", args=[self.join_code])

    @property
    def join_code_display(self) -> str:
        half = CODE_LENGTH // 2
        return f"{self.join_code[:half]}-{self.join_code[half:]}"

    def is_taught_by(self, user) -> bool:
        return user.is_staff or self.owner_id == user.pk or self.co_instructors.filter(pk=user.pk).exists()

    def new_code(self) -> None:
        """A fresh join code: the old link and code stop working (a code shared too widely)."""
        self.join_code = new_join_code()
        self.save(update_fields=["join_code"])

    @transaction.atomic
    def enrol(self, user) -> Membership:
        """Join (or rejoin after leaving) while enrolment is open."""
        if self.owner_id == user.pk or self.co_instructors.filter(pk=user.pk).exists():
            raise CohortError("You teach this cohort, so you cannot join it as a learner.")
        membership = Membership.objects.select_for_update().filter(cohort=self, user=user).first()
        if membership is not None and membership.is_current:
            return membership
        if not self.enrolment_open:
            raise CohortError(f"Enrolment in {self.name} is closed; ask your instructor.")
        if membership is None:
            return Membership.objects.create(cohort=self, user=user)
        membership.joined_at, membership.left_at = timezone.now(), None
        membership.save(update_fields=["joined_at", "left_at"])
        return membership

    def current_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(left_at__isnull=True)


class Membership(models.Model):
    """A learner in a cohort. Leaving keeps the row (left_at), so the instructor's history stays whole."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")]
        indexes = [models.Index(fields=["cohort", "left_at"])]

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    def leave(self) -> None:
        if self.left_at is None:
            self.left_at = timezone.now()
            self.save(update_fields=["left_at"])


class DueDate(models.Model):
    class Kind(models.TextChoices):
        QUIZ = "quiz"
        LAB = "lab"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="due_dates")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    slug = models.SlugField(help_text="The quiz's or lab's slug (courseware's Quiz and Lab tables).")
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "kind", "slug"]
        constraints = [models.UniqueConstraint(fields=["cohort", "kind", "slug"], name="one_due_date_per_item")]

    def __str__(self) -> str:
        return f"{self.kind} {self.slug} due {self.due_at:%Y-%m-%d %H:%M}"

    def due_for(self, extensions: dict[tuple[int, int], DueDateExtension], user_id: int):
        extension = extensions.get((self.pk, user_id))
        return extension.due_at if extension else self.due_at


class DueDateExtension(models.Model):
    """A later due date for one learner, granted as an intervention (the audit trail says who and why)."""

    due_date = models.ForeignKey(DueDate, on_delete=models.CASCADE, related_name="extensions")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="due_date_extensions")
    due_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["due_date", "learner"], name="one_extension_per_learner")]


class Intervention(models.Model):
    """What an instructor changed in a learner's record: who, when, what, before, after and why.
    Rows are only ever added."""

    class Action(models.TextChoices):
        OVERRIDE_SCORE = "override-score", "Score overridden"
        CLEAR_OVERRIDE = "clear-override", "Override removed"
        RESET_ATTEMPT = "reset-attempt", "Attempt reset"
        EXTEND_DUE_DATE = "extend-due-date", "Due date extended"

    cohort = models.ForeignKey(Cohort, null=True, on_delete=models.SET_NULL, related_name="interventions")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interventions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    target = models.CharField(max_length=200, help_text='What changed, in words: "Endpoint types, attempt 3".')
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["cohort", "learner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target}"
