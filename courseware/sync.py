"""Apply a checked `Course` to the database in one transaction: all of it or none of it.

Idempotent: running it twice changes nothing the second time. Lessons that left the files are
unpublished, not deleted, so learners' progress and bookmarks on them survive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from .content import Course
from .models import GlossaryTerm, Lesson, Misconception, Module


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def apply(course: Course) -> SyncReport:
    report = SyncReport()
    modules = {}
    for data in course.modules:
        module, _ = Module.objects.update_or_create(
            slug=data.slug, defaults={"title": data.title, "summary": data.summary, "order": data.order}
        )
        modules[data.slug] = module

    existing = {lesson.slug: lesson for lesson in Lesson.objects.all()}
    for data in course.lessons:
        fields = {
            "module": modules[data.module],
            "order": data.order,
            "title": data.title,
            "minutes": data.minutes,
            "objectives": data.objectives,
            "labs": data.labs,
            "interactive": data.interactive,
            "body_markdown": data.body,
            "body_html": data.html,
            "toc": data.toc,
            "search_text": data.text,
            "content_hash": data.content_hash,
            "source_path": data.path,
            "published": True,
        }
        lesson = existing.get(data.slug)
        if lesson is None:
            Lesson.objects.create(slug=data.slug, **fields)
            report.created.append(data.slug)
        elif any(getattr(lesson, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(lesson, name, value)
            lesson.save()
            report.updated.append(data.slug)
    gone = set(existing) - {data.slug for data in course.lessons}
    report.unpublished = sorted(s for s in gone if existing[s].published)
    Lesson.objects.filter(slug__in=gone).update(published=False)
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.all()}

    _replace(GlossaryTerm, course.glossary, lessons, lambda d: {"term": d.term, "definition": d.definition})
    _replace(Misconception, course.misconceptions, lessons,
             lambda d: {"statement": d.statement, "correction": d.correction})

    from . import quizsync  # quizzes need the lessons above

    quizsync.apply(course, lessons, report)
    report.counts = {
        "modules": len(course.modules),
        "lessons": len(course.lessons),
        "glossary terms": len(course.glossary),
        "misconceptions": len(course.misconceptions),
        "quizzes": len(course.quizzes),
        "questions": sum(len(quiz.questions) for quiz in course.quizzes),
    }
    return report


def _replace(model, items, lessons, fields_of) -> None:
    for data in items:
        model.objects.update_or_create(
            slug=data.slug,
            defaults={**fields_of(data), "lesson": lessons.get(data.lesson), "anchor": data.anchor},
        )
    model.objects.exclude(slug__in=[data.slug for data in items]).delete()
