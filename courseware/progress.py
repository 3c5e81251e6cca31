"""A learner's way through the course: what they have read, finished, and where to go next."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from .events import Obj, Verb, record
from .models import Lesson, LessonProgress, Module


@dataclass
class OutlineLesson:
    lesson: Lesson
    completed: bool
    current: bool = False


@dataclass
class OutlineModule:
    module: Module
    lessons: list[OutlineLesson]

    @property
    def completed_count(self) -> int:
        return sum(item.completed for item in self.lessons)


@dataclass
class Outline:
    modules: list[OutlineModule]
    lessons: list[Lesson]
    completed_ids: set[int]

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def completed_count(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.id in self.completed_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_count / self.total) if self.total else 0

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        index = next((i for i, item in enumerate(self.lessons) if item.id == lesson.id), None)
        if index is None:
            return None, None
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def completed_ids(user) -> set[int]:
    """The lessons the learner has finished (one query; none for an anonymous visitor)."""
    if not user.is_authenticated:
        return set()
    return set(LessonProgress.objects.filter(user=user, completed_at__isnull=False).values_list("lesson_id", flat=True))


def course_lessons() -> list[Lesson]:
    """The published lessons in course order, with their modules and without their bodies (one query)."""
    return list(Lesson.objects.published().in_course_order().defer("body_markdown", "body_html", "search_text", "toc"))


def outline_for(user, current: Lesson | None = None, completed: set[int] | None = None,
                lessons: list[Lesson] | None = None) -> Outline:
    """The whole course in order with the learner's ticks: two queries whatever its size, fewer when
    `completed` (their `completed_ids`) or `lessons` (`course_lessons()`) are already known."""
    if lessons is None:
        lessons = course_lessons()
    if completed is None:
        completed = completed_ids(user)
    modules: list[OutlineModule] = []
    for lesson in lessons:
        if not modules or modules[-1].module.id != lesson.module_id:
            modules.append(OutlineModule(lesson.module, []))
        modules[-1].lessons.append(
            OutlineLesson(lesson, lesson.id in completed, current is not None and lesson.id == current.id)
        )
    return Outline(modules, lessons, completed)


def record_view(user, lesson: Lesson) -> None:
    if not user.is_authenticated:
        return
    now = timezone.now()
    if not LessonProgress.objects.filter(user=user, lesson=lesson).update(last_viewed_at=now):
        LessonProgress.objects.get_or_create(user=user, lesson=lesson)
        record(user, Verb.EXPERIENCED, Obj.lesson(lesson.slug))


def set_complete(user, lesson: Lesson, complete: bool) -> LessonProgress:
    progress, _ = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if complete and progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
        record(user, Verb.COMPLETED, Obj.lesson(lesson.slug))
    elif not complete and progress.completed_at is not None:
        progress.completed_at = None
        progress.save(update_fields=["completed_at"])
    return progress


def continue_lesson(user, outline: Outline) -> Lesson | None:
    """Where to pick up: the last lesson opened and not finished, else the first unfinished one."""
    if not user.is_authenticated or not outline.lessons:
        return outline.lessons[0] if outline.lessons else None
    recent = (
        LessonProgress.objects.filter(user=user, completed_at__isnull=True, lesson__published=True)
        .order_by("-last_viewed_at")
        .values_list("lesson_id", flat=True)
        .first()
    )
    by_id = {lesson.id: lesson for lesson in outline.lessons}
    if recent in by_id:
        return by_id[recent]
    return next((lesson for lesson in outline.lessons if lesson.id not in outline.completed_ids), None)
