"""Apply a checked `Course` to the database in one transaction: all of it or none of it.

Idempotent: running it twice changes nothing the second time. Lessons that left the files are
unpublished, not deleted, so learners' progress and bookmarks on them survive.

At the end, still inside the transaction, `content_synced` is sent; the labs app answers it by
registering its catalogue with `register_labs` (courseware imports nothing from labs). A receiver that
fails rolls the whole sync back, like a broken content file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import django.dispatch
from django.db import transaction

from . import pagecache
from .content import Course
from .models import GlossaryTerm, Lab, Lesson, Misconception, Module

#: Sent by `apply` once the course is written, inside its transaction, with `course` (the `Course`)
#: and `report` (the `SyncReport`, which receivers may add to). Sender: the `apply` function.
content_synced = django.dispatch.Signal()


class CatalogueError(Exception):
    """Raised by a `content_synced` receiver that cannot register its catalogue (a broken lab file):
    the sync is rolled back and `sync_content` reports the message."""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LabEntry:
    """One lab as its app registers it in the catalogue."""

    slug: str
    title: str
    summary: str = ""
    api_type: str = ""  # "rest", "http" or "websocket"
    minutes: int | None = None
    lessons: Sequence[str] = ()  # slugs of the lessons it practises
    features: Sequence[str] = ()  # what its reference design uses, "group:value" (see `Lab.features`)


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
    content_synced.send(sender=apply, course=course, report=report)
    link_lessons_to_labs()
    _check_lesson_labs(course, report)
    return report


@transaction.atomic
def register_labs(entries: Iterable[LabEntry], report: SyncReport | None = None) -> SyncReport:
    """Make the lab catalogue exactly `entries`, in that order: new labs are created, changed ones
    updated, and labs no longer listed unpublished (kept, so that their events still have a title).
    Lessons are linked by slug; a slug the course does not have is reported as a warning.
    Idempotent, like `apply`; the changes are added to `report` when one is given."""
    report = report if report is not None else SyncReport()
    entries = list(entries)
    lessons = {lesson.slug: lesson for lesson in Lesson.objects.only("id", "slug")}
    existing = {lab.slug: lab for lab in Lab.objects.prefetch_related("lessons")}
    for order, entry in enumerate(entries, start=1):
        fields = {
            "title": entry.title,
            "summary": entry.summary,
            "api_type": entry.api_type,
            "minutes": entry.minutes,
            "features": sorted(entry.features),
            "order": order,
            "published": True,
        }
        wanted = [lessons[slug] for slug in entry.lessons if slug in lessons]
        report.warnings.extend(
            f"lab {entry.slug!r} practises a lesson the course does not have: {slug!r}"
            for slug in entry.lessons if slug not in lessons
        )
        lab = existing.get(entry.slug)
        if lab is None:
            lab = Lab.objects.create(slug=entry.slug, **fields)
            report.created.append(f"lab {entry.slug}")
        elif any(getattr(lab, name) != value for name, value in fields.items()) or (
            {lesson.pk for lesson in lab.lessons.all()} != {lesson.pk for lesson in wanted}
        ):
            for name, value in fields.items():
                setattr(lab, name, value)
            lab.save()
            report.updated.append(f"lab {entry.slug}")
        else:
            continue
        lab.lessons.set(wanted)
    gone = sorted(slug for slug, lab in existing.items() if lab.published and slug not in {e.slug for e in entries})
    Lab.objects.filter(slug__in=gone).update(published=False)
    report.unpublished.extend(f"lab {slug}" for slug in gone)
    report.counts["labs"] = len(entries)
    link_lessons_to_labs()
    return report


def link_lessons_to_labs() -> None:
    """Write each lesson's `lab_links` (the labs its front matter lists that the catalogue publishes,
    with their titles) so that a lesson page names its labs without a query. Writes only what changed."""
    titles = dict(Lab.objects.published().values_list("slug", "title"))
    changed = []
    for lesson in Lesson.objects.only("id", "labs", "lab_links"):
        links = [{"slug": slug, "title": titles[slug]} for slug in lesson.labs if slug in titles]
        if links != lesson.lab_links:
            lesson.lab_links = links
            changed.append(lesson)
    Lesson.objects.bulk_update(changed, ["lab_links"], batch_size=500)
    # The last step of both `apply` and `register_labs`, still in their transaction: the course as it
    # now stands is a new release (bulk updates like the ones here send no signal).
    pagecache.content_changed()


def _check_lesson_labs(course: Course, report: SyncReport) -> None:
    """A lesson that lists a lab the catalogue does not publish shows no link to it: say so."""
    if not Lab.objects.exists():
        return  # no lab app registered a catalogue: nothing to check against
    published = set(Lab.objects.published().values_list("slug", flat=True))
    report.warnings.extend(
        f"{lesson.path}: lists a lab that is not in the lab catalogue: {slug!r}"
        for lesson in course.lessons
        for slug in lesson.labs
        if slug not in published
    )


def _replace(model, items, lessons, fields_of) -> None:
    for data in items:
        model.objects.update_or_create(
            slug=data.slug,
            defaults={**fields_of(data), "lesson": lessons.get(data.lesson), "anchor": data.anchor},
        )
    model.objects.exclude(slug__in=[data.slug for data in items]).delete()
