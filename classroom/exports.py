"""CSV exports of a cohort, streamed: rows are read with a database cursor in chunks and written as they
come, so 10,000 learners never sit in memory at once.

Conventions spreadsheet users expect: UTF-8 with a byte-order mark (Excel then reads accents right),
a header row, one row per learner (gradebook) or per answer (responses), dates as ISO 8601
("2026-03-01 14:05", in the site's time zone, named in the header), percentages as whole numbers,
points with a dot, empty cells for "nothing yet", and text that a spreadsheet would run as a formula
(=, +, -, @ at the start) quoted with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone

from courseware import scores
from courseware.events import ObjectType, Verb
from courseware.models import Attempt, Choice, Lab, LearningEvent, Lesson, Question, Response
from courseware.rendering import html_to_text

from . import queries
from .models import Cohort

BOM = "\ufeff"
CHUNK = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value, zone) -> str | int | float:
    kind = type(value)
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if kind is int or kind is float:
        return value
    if kind is datetime:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def stream(header: list[str], rows: Iterable[list], batch: int = 500) -> Iterator[str]:
    """The CSV text: the header with a byte-order mark, then the rows, `batch` rows a chunk."""
    zone = timezone.get_current_timezone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield BOM + buffer.getvalue()
    pending = 0
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([_cell(v, zone) for v in row])
        pending += 1
        if pending == batch:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def _tz() -> str:
    return settings.TIME_ZONE


def _by_learner(rows: Iterator[dict], key: str) -> Iterator[tuple[int, dict]]:
    for row in rows:
        yield row[key], row


def gradebook(cohort: Cohort) -> tuple[list[str], Iterator[list]]:
    """One row per current learner: status, lessons, each quiz's best effective percentage (course order,
    final exam last), each lab's completion date, deployments and last activity.

    Three streams in username order, merged as they come: the roster's rows, one GROUP BY over the
    cohort's attempts (a conditional MAX per quiz) and one over its lab completions (a conditional MIN
    per lab). Each is a single pass; none is held in memory. Six queries."""
    quizzes = queries.quizzes_in_order()
    labs = list(Lab.objects.published())
    lesson_total = Lesson.objects.published().count()
    members = queries.member_ids(cohort)
    percent = scores.effective_percent_expression()
    bests = (
        Attempt.objects.filter(user_id__in=members, submitted_at__isnull=False, quiz__isnull=False, max_score__gt=0)
        .values("user__username", "user_id")
        .annotate(**{f"q{q.pk}": Max(percent, filter=Q(quiz_id=q.pk)) for q in quizzes})
        .order_by("user__username")
    )
    completions = (
        LearningEvent.objects.filter(queries.of_members(cohort), verb=Verb.COMPLETED, object_type=ObjectType.LAB,
                                     object_id__in=[lab.slug for lab in labs])
        .values("actor__username", "actor_id")
        .annotate(**{f"lab{i}": Min("timestamp", filter=Q(object_id=lab.slug)) for i, lab in enumerate(labs)})
        .order_by("actor__username")
    )
    rows = queries.learners(cohort).order_by("username")
    header = (
        ["username", "first_name", "last_name", "email", f"joined ({_tz()})", "status", f"lessons_done (of {lesson_total})"]
        + [f"{quiz.title} best %" for quiz in quizzes]
        + ["final_exam_passed", "quizzes_at_pass_mark"]
        + [f"{lab.title} completed ({_tz()})" for lab in labs]
        + ["labs_done", "sandbox_deploys", "aws_deploys", f"last_active ({_tz()})"]
    )
    exams = [quiz for quiz in quizzes if quiz.is_exam]

    def produce() -> Iterator[list]:
        best_rows = _by_learner(bests.iterator(chunk_size=CHUNK), "user_id")
        lab_rows = _by_learner(completions.iterator(chunk_size=CHUNK), "actor_id")
        best_next, lab_next = next(best_rows, None), next(lab_rows, None)
        for user in rows.iterator(chunk_size=CHUNK):
            # Every stream is in username order and the last two hold only learners of the roster.
            best = {}
            if best_next is not None and best_next[0] == user.pk:
                best, best_next = best_next[1], next(best_rows, None)
            done = {}
            if lab_next is not None and lab_next[0] == user.pk:
                done, lab_next = lab_next[1], next(lab_rows, None)
            percents = [scores.rounded(best.get(f"q{quiz.pk}")) for quiz in quizzes]
            exam = [scores.meets_pass_mark(scores.rounded(best.get(f"q{q.pk}")), q.pass_mark) for q in exams]
            yield (
                [user.username, user.first_name, user.last_name, user.email, user.joined_at,
                 queries.Status.LABELS[user.status], user.lessons_done]
                + percents + [exam[0] if exam else None, user.quizzes_passed]
                + [done.get(f"lab{i}") for i in range(len(labs))]
                + [user.labs_done, user.sandbox_deploys, user.aws_deploys, user.last_active]
            )

    return header, produce()


def _readable(question_type: str, answer: dict, letters: dict[int, str], data: dict) -> str:
    if "choice" in answer:
        return letters.get(answer["choice"], "?")
    if "choices" in answer:
        return "; ".join(letters.get(c, "?") for c in answer["choices"])
    if "value" in answer:
        return str(answer["value"])
    if "order" in answer:
        items = (data or {}).get("items", [])
        return " > ".join(items[i] if isinstance(i, int) and 0 <= i < len(items) else "?" for i in answer["order"])
    if "matches" in answer:
        pairs = (data or {}).get("pairs", [])
        return "; ".join(
            f"{pairs[int(k)]['prompt'] if k.isdigit() and int(k) < len(pairs) else k} → {v}"
            for k, v in sorted(answer["matches"].items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0)
        )
    return ""


def responses(cohort: Cohort) -> tuple[list[str], Iterator[list]]:
    """One row per answer given by a current learner in a quiz attempt: three queries, the last streamed."""
    choices = list(Choice.objects.only("pk", "question_id", "position", "text_html").order_by("question_id", "position"))
    letter = queries.choice_letters(choices)
    letters = {c.pk: f"{letter[c.pk]}. {html_to_text(c.text_html)[:120]}" for c in choices}
    data = dict(Question.objects.exclude(data={}).values_list("pk", "data"))
    rows = (
        Response.objects.filter(attempt__user_id__in=queries.member_ids(cohort), attempt__quiz__isnull=False)
        .order_by("attempt__user__username", "attempt__quiz__order", "attempt__started_at", "attempt_id",
                  "question__position")
        .values_list(
            "attempt__user__username", "attempt__quiz__slug", "attempt_id", "attempt__mode", "attempt__started_at",
            "attempt__submitted_at", "question__key", "question__type", "answer", "score", "correct", "answered_at",
            "question_id",
        )
    )
    header = ["username", "quiz", "attempt", "mode", f"started ({_tz()})", f"submitted ({_tz()})", "question",
              "question_type", "answer", "score (0-1)", "correct", f"answered ({_tz()})"]

    def produce() -> Iterator[list]:
        for (username, quiz, attempt, mode, started, submitted, key, qtype, answer, score, correct, answered,
             qid) in rows.iterator(chunk_size=CHUNK):
            yield [username, quiz, attempt, mode, started, submitted, key, qtype,
                   _readable(qtype, answer or {}, letters, data.get(qid, {})), round(score, 4), correct, answered]

    return header, produce()

