"""Read and check quiz files (docs/content-format.md, "A quiz").

Every question type is normalised here to one shape, so grading and storage need not know YAML:
single, multiple and true/false become choices with a `correct` flag; numeric keeps answer and
tolerance; ordering keeps its items in the right order; matching keeps its prompt → answer pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import rendering
from .contentfiles import SLUG, content_files, read_yaml, split_anchor

TYPES = {"single", "multiple", "true_false", "numeric", "ordering", "matching"}
MODES = {"practice", "exam"}


@dataclass
class ChoiceData:
    text: str  # rendered inline HTML
    correct: bool
    explanation: str  # rendered inline HTML
    misconception: str = ""


@dataclass
class QuestionData:
    key: str
    type: str
    stem: str  # rendered inline HTML
    explanation: str  # rendered HTML
    lesson: str
    anchor: str
    choices: list[ChoiceData] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # numeric / ordering / matching answer key
    misconception: str = ""  # numeric, ordering, matching: what a wrong answer reveals


@dataclass
class QuizData:
    slug: str
    title: str
    lesson: str
    mode: str
    pass_mark: int
    time_limit_minutes: int | None
    max_attempts: int | None
    draw: int | None
    path: str
    questions: list[QuestionData] = field(default_factory=list)


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def load_quizzes(dirs: list[Path], course, links, problems) -> list[QuizData]:
    """The quizzes, checked against the course read so far (`course`: its lessons and misconceptions;
    `links`: content's LinkChecker, which resolves course links and checks anchors)."""
    quizzes: list[QuizData] = []
    keys: dict[str, str] = {}
    misconceptions = {item.slug for item in course.misconceptions}
    for path in content_files(dirs, "quizzes/*.yaml"):
        data = read_yaml(path, problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.add(path, 1, "a quiz file must be a mapping with slug, title and questions")
            continue
        slug, mode = _text(data.get("slug")), _text(data.get("mode") or "practice")
        if not SLUG.match(slug):
            problems.add(path, None, f"quiz slug {slug!r} must be lower-case letters, digits and hyphens")
            continue
        if mode not in MODES:
            problems.add(path, None, f"mode must be practice or exam, not {mode!r}")
        lesson = _text(data.get("lesson"))
        if lesson and course.lesson(lesson) is None:
            problems.add(path, None, f"quiz links to a missing lesson {lesson!r}")
        quiz = QuizData(
            slug=slug,
            title=_text(data.get("title")) or slug,
            lesson=lesson,
            mode=mode,
            pass_mark=int(_number(data.get("pass_mark")) or 70),
            time_limit_minutes=_positive(data.get("time_limit_minutes"), "time_limit_minutes", path, problems),
            max_attempts=_positive(data.get("max_attempts"), "max_attempts", path, problems),
            draw=_positive(data.get("draw"), "draw", path, problems),
            path=str(path),
        )
        raw_questions = data.get("questions") or []
        if not isinstance(raw_questions, list):
            problems.add(path, None, "questions must be a list")
            raw_questions = []
        if not raw_questions and not quiz.draw:
            problems.add(path, None, "a quiz needs questions (or `draw` to draw from the whole bank)")
        for number, raw in enumerate(raw_questions, start=1):
            where = f"{path}: question {number}"
            if isinstance(raw, dict) and raw.get("key"):
                where = f"{path}: question {raw['key']!r}"
            question = _parse_question(raw, where, links, misconceptions, problems)
            if question is None:
                continue
            if question.key in keys:
                problems.append(f"{where}: key is already used in {keys[question.key]}")
                continue
            keys[question.key] = str(path)
            quiz.questions.append(question)
        quizzes.append(quiz)
    seen: set[str] = set()
    for quiz in quizzes:
        if quiz.slug in seen:
            problems.append(f"{quiz.path}: quiz slug {quiz.slug!r} is used twice")
        seen.add(quiz.slug)
    return quizzes


def _positive(value: Any, name: str, path, problems) -> int | None:
    if value in (None, ""):
        return None
    number = _number(value)
    if number is None or number < 1 or number != int(number):
        problems.add(path, None, f"{name} must be a whole number of 1 or more")
        return None
    return int(number)


def _parse_question(raw, where, links, misconceptions, problems) -> QuestionData | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    key, kind = _text(raw.get("key")), _text(raw.get("type"))
    missing = [name for name in ("key", "type", "stem", "lesson", "explanation") if not _text(raw.get(name))]
    if missing:
        problems.append(f"{where}: needs {', '.join(missing)}")
        return None
    if kind not in TYPES:
        problems.append(f"{where}: type {kind!r} is not one of {', '.join(sorted(TYPES))}")
        return None
    links.where = where
    links.check_anchor(_text(raw["lesson"]), where, problems)
    lesson, anchor = split_anchor(_text(raw["lesson"]))

    def md(text: Any, inline: bool = True) -> str:
        result = (rendering.render_inline if inline else rendering.render)(_text(text), links.resolve)
        for error in result.errors:
            problems.append(f"{where}: {error}")
        return result.html

    def misconception_of(entry: dict) -> str:
        slug = _text(entry.get("misconception"))
        if slug and slug not in misconceptions:
            problems.append(f"{where}: misconception {slug!r} is not in misconceptions.yaml")
        return slug

    question = QuestionData(
        key=key, type=kind, stem=md(raw["stem"]), explanation=md(raw["explanation"], inline=False),
        lesson=lesson, anchor=anchor,
    )
    if kind in {"single", "multiple"}:
        choices = raw.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            problems.append(f"{where}: needs at least two choices")
            return None
        for choice in choices:
            if not isinstance(choice, dict) or not _text(choice.get("text")) or not _text(choice.get("explanation")):
                problems.append(f"{where}: every choice needs text and an explanation")
                return None
            question.choices.append(
                ChoiceData(md(choice["text"]), choice.get("correct") is True, md(choice["explanation"]),
                           misconception_of(choice))
            )
        correct = sum(choice.correct for choice in question.choices)
        if kind == "single" and correct != 1:
            problems.append(f"{where}: a single-choice question needs exactly one correct choice (has {correct})")
        if kind == "multiple" and correct < 1:
            problems.append(f"{where}: a multiple-select question needs at least one correct choice")
    elif kind == "true_false":
        if not isinstance(raw.get("answer"), bool):
            problems.append(f"{where}: a true/false question needs `answer: true` or `answer: false`")
            return None
        if not _text(raw.get("wrong_explanation")):
            problems.append(f"{where}: a true/false question needs a wrong_explanation")
            return None
        right, wrong = md(raw["explanation"]), md(raw["wrong_explanation"])
        slug = misconception_of(raw)
        question.choices = [
            ChoiceData("True", raw["answer"] is True, right if raw["answer"] else wrong, "" if raw["answer"] else slug),
            ChoiceData("False", raw["answer"] is False, wrong if raw["answer"] else right, slug if raw["answer"] else ""),
        ]
    elif kind == "numeric":
        answer, tolerance = _number(raw.get("answer")), _number(raw.get("tolerance"))
        if answer is None:
            problems.append(f"{where}: a numeric question needs a numeric answer")
            return None
        if tolerance is None or tolerance < 0:
            problems.append(f"{where}: a numeric question needs a tolerance (0 or more)")
            return None
        question.data = {"answer": answer, "tolerance": tolerance, "unit": _text(raw.get("unit"))}
        question.misconception = misconception_of(raw)
    elif kind == "ordering":
        items = raw.get("items")
        if not isinstance(items, list) or len(items) < 3 or not all(_text(i) for i in items):
            problems.append(f"{where}: an ordering question needs three or more items")
            return None
        question.data = {"items": [md(item) for item in items]}
        question.misconception = misconception_of(raw)
    elif kind == "matching":
        pairs = raw.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2 or not all(
            isinstance(p, dict) and _text(p.get("prompt")) and _text(p.get("answer")) for p in pairs
        ):
            problems.append(f"{where}: a matching question needs two or more pairs of prompt and answer")
            return None
        options = list(dict.fromkeys([_text(p["answer"]) for p in pairs] + [_text(o) for o in raw.get("extra_options") or []]))
        question.data = {
            "pairs": [{"prompt": md(p["prompt"]), "answer": _text(p["answer"])} for p in pairs],
            "options": options,
        }
        question.misconception = misconception_of(raw)
    return question
