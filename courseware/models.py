"""The course and the learner's record.

Content models (Module, Lesson, GlossaryTerm, Misconception) are written only by
`manage.py sync_content` from the files in CONTENT_DIRS, and the lab catalogue (Lab) by the labs app
during that sync; learner models (LessonProgress, Bookmark,
LearningEvent) are written by people using the site.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from . import scores
from .events import Obj, ObjectType, Verb, record


class ContentRelease(models.Model):
    """One row: a token that changes whenever the course does (a sync, an edit in the admin).

    Pages and fragments that are the same for every visitor are kept per process under this token
    (courseware/pagecache.py); reading it is one indexed query, and changing it in the same
    transaction as the content means no app server can serve the new token with old content.
    A random token, not a counter: a rolled-back change must never reuse a token already cached.
    """

    token = models.CharField(max_length=32)
    released_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"release {self.token} at {self.released_at:%Y-%m-%d %H:%M}"


class Module(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title


class LessonQuerySet(models.QuerySet):
    def published(self) -> LessonQuerySet:
        return self.filter(published=True)

    def in_course_order(self) -> LessonQuerySet:
        return self.select_related("module").order_by("module__order", "order", "slug")


class Lesson(models.Model):
    slug = models.SlugField(unique=True)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="lessons")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    minutes = models.PositiveSmallIntegerField(default=10)
    objectives = models.JSONField(default=list)
    labs = models.JSONField(default=list, help_text="Slugs of the lab scenarios that practise it.")
    # Written at sync from `labs` and the lab catalogue, so a lesson page names its labs without a query.
    lab_links = models.JSONField(
        default=list, blank=True, help_text="[{slug, title}] of the labs in `labs` that the catalogue publishes."
    )
    interactive = models.CharField(
        max_length=50, blank=True, help_text="An interactive tool shown with the lesson (decision-helper)."
    )
    # Rendered once at sync time, keyed by the source's hash: a page view never parses Markdown.
    body_markdown = models.TextField()
    body_html = models.TextField()
    toc = models.JSONField(default=list, help_text="[{id, title, level}] of the ## and ### sections.")
    search_text = models.TextField(blank=True, help_text="The lesson as plain text, for search.")
    content_hash = models.CharField(max_length=64)
    source_path = models.CharField(max_length=500)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["module__order", "order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lesson", args=[self.slug])

    def section_title(self, anchor: str) -> str:
        return next((s["title"] for s in self.toc if s["id"] == anchor), "")

    @property
    def lab_entries(self) -> list[LabLink]:
        """The labs its front matter lists (`labs`) that the catalogue publishes, in that order, with
        their titles: read from `lab_links`, no query."""
        return [LabLink(link["slug"], link["title"]) for link in self.lab_links]


class GlossaryTerm(models.Model):
    slug = models.SlugField(unique=True)
    term = models.CharField(max_length=200)
    definition = models.TextField(help_text="Inline course Markdown, as written in glossary.yaml.")
    definition_html = models.TextField(blank=True, help_text="The definition rendered and sanitized, on save.")
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL)
    anchor = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term

    def save(self, *args, **kwargs) -> None:
        # Rendered whenever the definition is written (by sync, in practice), like a lesson's HTML:
        # the glossary page never parses Markdown.
        from .rendering import render_definition

        self.definition_html = render_definition(self.definition)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "definition" in update_fields:
            kwargs["update_fields"] = {*update_fields, "definition_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{reverse('glossary')}#{self.slug}"

    @property
    def taught_at(self) -> str:
        """The lesson (and section) that teaches the term; empty when none is named."""
        if self.lesson is None:
            return ""
        url = self.lesson.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url

    @property
    def taught_in(self) -> str:
        if self.lesson is None:
            return ""
        section = self.lesson.section_title(self.anchor) if self.anchor else ""
        return f"{self.lesson.title} › {section}" if section else self.lesson.title


class Misconception(models.Model):
    """A named wrong belief; quiz distractors and lab findings point to one so that the
    dashboard can count how often a cohort holds it."""

    slug = models.SlugField(unique=True)
    statement = models.TextField()
    correction = models.TextField()
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL)
    anchor = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.slug


class LabQuerySet(models.QuerySet):
    def published(self) -> LabQuerySet:
        return self.filter(published=True)

    def titles(self) -> dict[str, str]:
        """slug -> title of every lab ever registered (a lab taken off still names its old events)."""
        return dict(self.values_list("slug", "title"))


def lab_url(slug: str) -> str:
    return reverse("labs:detail", args=[slug])


@dataclass(frozen=True)
class LabLink:
    """A lab as a page links to it."""

    slug: str
    title: str

    def get_absolute_url(self) -> str:
        return lab_url(self.slug)


class Lab(models.Model):
    """A hands-on lab of the catalogue. The labs app registers its scenarios here at sync
    (`courseware.sync.register_labs`, on the `content_synced` signal), so courseware can name and link
    labs, and count their events, without importing labs. A lab that leaves the catalogue is
    unpublished, not deleted: its events still have a title."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    api_type = models.CharField(max_length=20, blank=True, help_text='"rest", "http" or "websocket".')
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    lessons = models.ManyToManyField(Lesson, blank=True, related_name="practised_in",
                                     help_text="The lessons the lab practises.")
    features = models.JSONField(
        default=list, blank=True,
        help_text='What its reference design uses, as "group:value" tags: "endpoint:PRIVATE", '
                  '"integration:aws", "authorizer:JWT", "feature:canary" (the decision helper reads them).',
    )
    order = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LabQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return lab_url(self.slug)


class LessonProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    first_viewed_at = models.DateTimeField(default=timezone.now)
    last_viewed_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_lesson")]
        indexes = [models.Index(fields=["user", "-last_viewed_at"])]

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


class Bookmark(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="bookmarks")
    anchor = models.CharField(max_length=100, blank=True, help_text="Section id; empty for the lesson.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson", "anchor"], name="one_bookmark_per_section")
        ]

    def get_absolute_url(self) -> str:
        url = self.lesson.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url

    @property
    def title(self) -> str:
        return self.lesson.section_title(self.anchor) or self.lesson.title


class LearningEventQuerySet(models.QuerySet):
    def about(self, obj: Obj) -> LearningEventQuerySet:
        """The events whose object is `obj` (an `events.Obj`)."""
        return self.filter(**obj.lookup())


class LearningEvent(models.Model):
    """What a learner did, shaped like an xAPI statement (actor, verb, object, result), so the
    dashboard reads one table for lessons, quizzes and labs alike, and an LMS can take it later.

    The vocabulary and the stored format of the object are `courseware.events`: write with
    `events.record(actor, Verb.X, Obj.y(...), result)`, read the object back with `event.obj`.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    object_type = models.CharField(max_length=30, choices=ObjectType.choices)
    object_id = models.CharField(max_length=200, help_text='"<slug>" or "<slug>:<part>" (courseware/events.py).')
    result = models.JSONField(default=dict, blank=True)
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)

    objects = LearningEventQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp"]
        indexes = [
            models.Index(fields=["actor", "-timestamp"]),
            models.Index(fields=["verb", "object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} {self.object_type}:{self.object_id}"

    @property
    def obj(self) -> Obj:
        """The object, parsed back from the stored columns."""
        return Obj.parse(self.object_type, self.object_id)


def record_event(actor, verb: str, object_type: str, object_id: str, result: dict | None = None) -> LearningEvent:
    """Deprecated: use `courseware.events.record(actor, Verb.X, Obj.y(...), result)`. Kept while
    labs/views.py still calls it; the verb and object are checked against the vocabulary all the same."""
    return record(actor, Verb(verb), Obj.parse(object_type, object_id), result)


# --- Quizzes ---------------------------------------------------------------------------------------


class Quiz(models.Model):
    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice: feedback after each answer"
        EXAM = "exam", "Exam: feedback after submitting"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="quizzes")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent needed to pass (exam).")
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    max_attempts = models.PositiveIntegerField(null=True, blank=True)
    draw = models.PositiveIntegerField(null=True, blank=True, help_text="Questions drawn at random per attempt.")
    order = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "slug"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quiz", args=[self.slug])

    @property
    def is_exam(self) -> bool:
        return self.mode == self.Mode.EXAM


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple select"
        TRUE_FALSE = "true_false", "True or false"
        NUMERIC = "numeric", "Numeric"
        ORDERING = "ordering", "Ordering"
        MATCHING = "matching", "Matching"

    key = models.SlugField(max_length=120, unique=True, help_text="Stable id from the quiz file.")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=12, choices=Type.choices)
    stem_html = models.TextField()
    explanation_html = models.TextField()
    lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions")
    anchor = models.CharField(max_length=100, blank=True)
    # Answer key for numeric (answer, tolerance, unit), ordering (items in order), matching (pairs, options).
    data = models.JSONField(default=dict, blank=True)
    misconception = models.CharField(max_length=60, blank=True)
    # Bumped by sync when an author changes the answer key; `regrade` compares it with responses.
    answer_version = models.PositiveIntegerField(default=1)
    answer_fingerprint = models.CharField(max_length=64, blank=True)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["quiz", "position"]

    def __str__(self) -> str:
        return self.key


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text_html = models.TextField()
    correct = models.BooleanField(default=False)
    explanation_html = models.TextField(blank=True)
    misconception = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["question", "position"], name="one_choice_per_position")]


class AttemptQuerySet(models.QuerySet):
    def in_progress(self) -> AttemptQuerySet:
        return self.filter(submitted_at__isnull=True)

    def submitted(self) -> AttemptQuerySet:
        return self.filter(submitted_at__isnull=False)


class Attempt(models.Model):
    class Kind(models.TextChoices):
        QUIZ = "quiz"
        REVIEW = "review", "Review of mistakes"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey(Quiz, null=True, blank=True, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUIZ)
    mode = models.CharField(max_length=10, choices=Quiz.Mode.choices)
    question_ids = models.JSONField(default=list, help_text="The questions of this attempt, in order.")
    seed = models.PositiveIntegerField(help_text="Shuffles choices the same way on every reload.")
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Points, each question worth 1.")
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(null=True)
    regrade_note = models.TextField(blank=True)
    # An instructor's score, which counts instead of `score` (courseware/scores.py); classroom keeps the
    # audit trail of who changed it, from what, and why.
    score_override = models.FloatField(null=True, blank=True, help_text="Points set by an instructor.")
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "quiz", "submitted_at"])]

    def __str__(self) -> str:
        return f"Attempt {self.pk} by {self.user_id}"

    def get_absolute_url(self) -> str:
        return reverse("attempt", args=[self.pk])

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def percent(self) -> int | None:
        """The graded percentage (before any override), rounded as every score is (courseware/scores.py)."""
        return scores.rounded(scores.percent_value(self.score, self.max_score))

    @property
    def is_overridden(self) -> bool:
        return self.score_override is not None

    @property
    def effective_score(self) -> float | None:
        """The points that count (an instructor's override, else the graded score): courseware/scores.py."""
        return scores.effective_score(self.score, self.score_override)

    @property
    def effective_percent(self) -> int | None:
        return scores.rounded(scores.percent_value(self.effective_score, self.max_score))

    @property
    def effective_passed(self) -> bool | None:
        """An exam's verdict on the effective score; None for practice and review. Without an override it
        is the verdict stored at submit (and regrade), which the same rule computed."""
        if not self.is_overridden:
            return self.passed
        if not (self.quiz_id and self.quiz.is_exam):
            return None
        return scores.meets_pass_mark(self.effective_percent, self.quiz.pass_mark)

    @property
    def title(self) -> str:
        return self.quiz.title if self.quiz_id else "Review my mistakes"

    def time_is_up(self, now=None) -> bool:
        return self.deadline is not None and (now or timezone.now()) >= self.deadline


class Response(models.Model):
    """One answer to one question in one attempt. The unique constraint makes a double click, a
    second tab or a retried request update the same row instead of adding one."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="responses")
    answer = models.JSONField()
    score = models.FloatField(help_text="0 to 1.")
    correct = models.BooleanField()
    graded_version = models.PositiveIntegerField(default=1)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="one_response_per_question")]


class ReviewItem(models.Model):
    """A question the learner got wrong, to practise until answered right twice in a row."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    streak = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    MASTERED = 2

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_review_item_per_question")]
