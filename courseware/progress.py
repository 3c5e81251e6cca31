"""A learner's way through the course: what they have read, finished, and where to go next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.db import connections, router
from django.utils import timezone

from .events import Obj, Verb, record
from .models import Bookmark, Lesson, LessonProgress, Module


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


# How stale the "last viewed" time of the lesson a learner keeps re-reading may get before it is
# written again. Only the order of last views is read (`continue_lesson`), and re-reading the most
# recent lesson does not change it: a reload costs no write.
VIEW_REFRESH = timedelta(minutes=5)


def read_lesson(user, lesson: Lesson) -> tuple[set[int], set[str]]:
    """Record that the learner opened `lesson`; return the lessons they have finished and the anchors
    they bookmarked in this one ("" for the lesson itself).

    Every signed-in lesson page asks, so this is two statements written once (`_reader_sql`) rather
    than built by the ORM each time (that was 0.5 ms of a 4 ms page), and a write only when the lesson
    was not opened before (its row and a learning-log event), another lesson was opened since, or the
    last view is older than `VIEW_REFRESH`."""
    if not user.is_authenticated:
        return set(), set()
    db = connections[router.db_for_read(LessonProgress)]
    progress_sql, bookmarks_sql = _reader_sql(db.vendor)
    now = timezone.now()
    with db.cursor() as cursor:
        # Newest view first; whether each view is recent is decided by the database (no date parsing here).
        cursor.execute(progress_sql, [db.ops.adapt_datetimefield_value(now - VIEW_REFRESH), user.pk])
        rows = cursor.fetchall()
        cursor.execute(bookmarks_sql, [user.pk, lesson.id])
        bookmarked = {anchor for (anchor,) in cursor.fetchall()}
    completed = {lesson_id for lesson_id, done, _ in rows if done}
    if rows and rows[0][0] == lesson.id and rows[0][2]:
        return completed, bookmarked
    if any(lesson_id == lesson.id for lesson_id, _, _ in rows):
        LessonProgress.objects.filter(user=user, lesson=lesson).update(last_viewed_at=now)
    else:
        _, created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
        if created:
            record(user, Verb.EXPERIENCED, Obj.lesson(lesson.slug))
    return completed, bookmarked


@lru_cache(maxsize=4)
def _reader_sql(vendor: str) -> tuple[str, str]:
    """`read_lesson`'s statements, from the models' own table and column names."""
    qn = connections[router.db_for_read(LessonProgress)].ops.quote_name
    progress, bookmark = LessonProgress._meta, Bookmark._meta
    col = {f.name: qn(f.column) for f in progress.concrete_fields}
    progress_sql = (f"SELECT {col['lesson']}, {col['completed_at']} IS NOT NULL, {col['last_viewed_at']} > %s "  # noqa: S608
                    f"FROM {qn(progress.db_table)} WHERE {col['user']} = %s ORDER BY {col['last_viewed_at']} DESC")
    bcol = {f.name: qn(f.column) for f in bookmark.concrete_fields}
    bookmarks_sql = (f"SELECT {bcol['anchor']} FROM {qn(bookmark.db_table)} "  # noqa: S608
                     f"WHERE {bcol['user']} = %s AND {bcol['lesson']} = %s")
    return progress_sql, bookmarks_sql


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
