"""Read and check the course files (docs/content-format.md) before anything touches the database.

`load_course(dirs)` returns a `Course` or raises `ContentError` listing every problem with its file
and line, so an author fixes them all in one go and the database never holds half a course.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from . import quizfiles, rendering
from .contentfiles import SLUG, Problems, content_files, read_yaml, split_anchor

INTERACTIVE = {"decision-helper"}
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)


class ContentError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ModuleData:
    slug: str
    title: str
    summary: str
    order: int


@dataclass
class LessonData:
    slug: str
    module: str
    order: int
    title: str
    minutes: int
    objectives: list[str]
    labs: list[str]
    interactive: str
    body: str
    content_hash: str
    path: str
    html: str = ""
    toc: list[dict] = field(default_factory=list)
    text: str = ""


@dataclass
class GlossaryData:
    slug: str
    term: str
    definition: str
    lesson: str
    anchor: str


@dataclass
class MisconceptionData:
    slug: str
    statement: str
    correction: str
    lesson: str
    anchor: str


@dataclass
class Course:
    modules: list[ModuleData] = field(default_factory=list)
    lessons: list[LessonData] = field(default_factory=list)
    glossary: list[GlossaryData] = field(default_factory=list)
    misconceptions: list[MisconceptionData] = field(default_factory=list)
    quizzes: list[quizfiles.QuizData] = field(default_factory=list)

    def lesson(self, slug: str) -> LessonData | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)


def _load_modules(dirs: list[Path], course: Course, problems: Problems) -> None:
    order = 0
    for path in content_files(dirs, "modules.yaml"):
        data = read_yaml(path, problems)
        if data is None:
            continue
        if not isinstance(data, list):
            problems.add(path, 1, "must be a list of modules")
            continue
        for entry in data:
            if not isinstance(entry, dict) or not SLUG.match(str(entry.get("slug", ""))) or not entry.get("title"):
                problems.add(path, None, f"each module needs a slug and a title: {entry!r}")
                continue
            order += 1
            course.modules.append(
                ModuleData(entry["slug"], str(entry["title"]), str(entry.get("summary", "")), order)
            )


def _parse_lesson(path: Path, problems: Problems, module_slugs: set[str]) -> LessonData | None:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.add(path, None, f"cannot read: {error}")
        return None
    match = FRONT_MATTER.match(source)
    if not match:
        problems.add(path, 1, "missing front matter (a block between --- lines at the top)")
        return None
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.add(path, mark.line + 2 if mark else 1, f"invalid front matter: {getattr(error, 'problem', error)}")
        return None
    if not isinstance(meta, dict):
        problems.add(path, 2, "front matter must be a mapping of fields")
        return None

    def field_line(name: str) -> int:
        return rendering.line_of(source, f"\n{name}:") + 1 or 2

    before = len(problems)
    for name in ("title", "slug", "module", "order", "minutes", "objectives"):
        if name not in meta or meta[name] in (None, "", []):
            problems.add(path, 2, f"front matter needs {name!r}")
    if len(problems) > before:
        return None
    if not SLUG.match(str(meta["slug"])):
        problems.add(path, field_line("slug"), f"slug {meta['slug']!r} must be lower-case letters, digits and hyphens")
    if meta["module"] not in module_slugs:
        problems.add(path, field_line("module"), f"module {meta['module']!r} is not in modules.yaml")
    if not isinstance(meta["order"], int):
        problems.add(path, field_line("order"), "order must be a whole number")
    if not isinstance(meta["minutes"], int) or not 1 <= meta["minutes"] <= 60:
        problems.add(path, field_line("minutes"), "minutes must be a whole number from 1 to 60")
    objectives = meta["objectives"]
    if not isinstance(objectives, list) or not all(isinstance(o, str) and o.strip() for o in objectives):
        problems.add(path, field_line("objectives"), "objectives must be a list of sentences")
    labs = meta.get("labs") or []
    if not isinstance(labs, list) or not all(isinstance(slug, str) and SLUG.match(slug) for slug in labs):
        problems.add(path, field_line("labs"), "labs must be a list of lab slugs")
    interactive = str(meta.get("interactive") or "")
    if interactive and interactive not in INTERACTIVE:
        problems.add(path, field_line("interactive"), f"interactive must be one of {sorted(INTERACTIVE)}")
    body = source[match.end():]
    if not re.search(r"^##\s+Summary\b", body, re.M):
        problems.add(path, None, "the lesson needs a '## Summary' section")
    if len(problems) > before:
        return None
    return LessonData(
        slug=meta["slug"],
        module=meta["module"],
        order=meta["order"],
        title=str(meta["title"]),
        minutes=meta["minutes"],
        objectives=[o.strip() for o in objectives],
        labs=labs,
        interactive=interactive,
        body=body,
        content_hash=hashlib.sha256(source.encode()).hexdigest(),
        path=str(path),
    )


def _load_entries(dirs: list[Path], filename: str, fields: tuple[str, ...], what: str, make, problems: Problems) -> list:
    """Glossary terms and misconceptions: lists of mappings with a slug, text fields and a lesson."""
    entries = []
    for path in content_files(dirs, filename):
        for entry in read_yaml(path, problems) or []:
            if not isinstance(entry, dict) or not all(entry.get(k) for k in fields):
                problems.add(path, None, f"each {what} needs {', '.join(fields)}: {entry!r}")
                continue
            lesson, anchor = split_anchor(str(entry.get("lesson", "")))
            entries.append(make(*(str(entry[k]).strip() for k in fields), lesson, anchor))
    return entries


class LinkChecker:
    """Resolves course links while rendering and remembers the anchors to check once every lesson
    has been rendered (a lesson may link to a section of a lesson rendered after it)."""

    def __init__(self, course: Course):
        self.lessons = {lesson.slug: lesson for lesson in course.lessons}
        self.glossary = {term.slug: term for term in course.glossary}
        self.pending_anchors: list[tuple[str, str, str]] = []  # (lesson, anchor, where)
        self.where = ""

    def resolve(self, scheme: str, target: str) -> tuple[str, str] | None:
        if scheme == "lesson":
            slug, anchor = split_anchor(target)
            lesson = self.lessons.get(slug)
            if lesson is None:
                return None
            if anchor:
                self.pending_anchors.append((slug, anchor, self.where))
            url = reverse("lesson", args=[slug]) + (f"#{anchor}" if anchor else "")
            return url, lesson.title
        if scheme == "glossary":
            term = self.glossary.get(target)
            return (reverse("glossary") + f"#{target}", term.definition) if term else None
        if scheme == "diagram":
            if "/" in target or ".." in target or not finders.find(f"diagrams/{target}"):
                return None
            return static(f"diagrams/{target}"), ""
        return None

    def check_anchor(self, reference: str, where: str, problems: Problems) -> None:
        slug, anchor = split_anchor(reference)
        lesson = self.lessons.get(slug)
        if lesson is None:
            problems.append(f"{where}: links to a missing lesson {slug!r}")
        elif anchor and anchor not in {section["id"] for section in lesson.toc}:
            problems.append(f"{where}: lesson {slug!r} has no section #{anchor}")


def load_course(dirs: list[Path]) -> Course:
    """Parse, render and cross-check every content file. Raises ContentError on any problem."""
    problems = Problems()
    course = Course()
    for directory in dirs:
        if not Path(directory).is_dir():
            problems.add(directory, None, "content directory does not exist")
    _load_modules(dirs, course, problems)
    module_slugs = {module.slug for module in course.modules}
    for path in content_files(dirs, "lessons/*.md"):
        lesson = _parse_lesson(path, problems, module_slugs)
        if lesson:
            course.lessons.append(lesson)
    _check_unique(course.modules, "module", problems)
    _check_unique(course.lessons, "lesson", problems)
    course.glossary = _load_entries(
        dirs, "glossary.yaml", ("slug", "term", "definition"), "term", GlossaryData, problems
    )
    course.misconceptions = _load_entries(
        dirs, "misconceptions.yaml", ("slug", "statement", "correction"), "misconception", MisconceptionData, problems
    )
    _check_unique(course.glossary, "glossary term", problems)
    _check_unique(course.misconceptions, "misconception", problems)

    links = LinkChecker(course)
    for lesson in course.lessons:
        links.where = lesson.path
        rendered = rendering.render(lesson.body, links.resolve)
        lesson.html, lesson.toc, lesson.text = rendered.html, rendered.toc, rendered.text
        offset = lesson_body_offset(lesson)
        for error in rendered.errors:
            target = error.split("'")[1] if "'" in error else ""
            line = rendering.line_of(lesson.body, target) if target else 0
            problems.add(lesson.path, line + offset if line else None, error)
    for slug, anchor, where in links.pending_anchors:
        links.check_anchor(f"{slug}#{anchor}", where, problems)
    for term in course.glossary:
        if term.lesson:
            links.check_anchor(f"{term.lesson}#{term.anchor}", f"glossary term {term.slug!r}", problems)
    for item in course.misconceptions:
        if item.lesson:
            links.check_anchor(f"{item.lesson}#{item.anchor}", f"misconception {item.slug!r}", problems)

    course.quizzes = quizfiles.load_quizzes(dirs, course, links, problems)
    if problems:
        raise ContentError(list(problems))
    return course


def lesson_body_offset(lesson: LessonData) -> int:
    """Lines of front matter above the body, to turn body line numbers into file line numbers."""
    try:
        source = Path(lesson.path).read_text(encoding="utf-8")
    except OSError:
        return 0
    match = FRONT_MATTER.match(source)
    return source.count("\n", 0, match.end()) if match else 0


def _check_unique(items: list, kind: str, problems: Problems) -> None:
    seen: set[str] = set()
    for item in items:
        if item.slug in seen:
            problems.append(f"{getattr(item, 'path', kind)}: {kind} slug {item.slug!r} is used twice")
        seen.add(item.slug)
