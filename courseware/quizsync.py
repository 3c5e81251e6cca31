"""Write the checked quizzes to the database.

Questions are matched by their stable key and choices by position, so attempts keep pointing at
the same rows when an author edits wording. When the answer key itself changes, the question's
`answer_version` goes up and `manage.py regrade` can regrade the answers given before.
"""

from __future__ import annotations

import hashlib
import json

from .models import Choice, Question, Quiz


def fingerprint(question) -> str:
    key = {
        "type": question.type,
        "correct": [choice.correct for choice in question.choices],
        "data": question.data,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def apply(course, lessons, report) -> None:
    seen_quizzes, seen_questions = [], []
    for order, data in enumerate(course.quizzes, start=1):
        quiz, _ = Quiz.objects.update_or_create(
            slug=data.slug,
            defaults={
                "title": data.title, "lesson": lessons.get(data.lesson), "mode": data.mode,
                "pass_mark": data.pass_mark, "time_limit_minutes": data.time_limit_minutes,
                "max_attempts": data.max_attempts, "draw": data.draw, "order": order, "published": True,
            },
        )
        seen_quizzes.append(quiz.slug)
        existing = {q.key: q for q in Question.objects.filter(key__in=[q.key for q in data.questions])}
        for position, qdata in enumerate(data.questions, start=1):
            seen_questions.append(qdata.key)
            answer_print = fingerprint(qdata)
            fields = {
                "quiz": quiz, "position": position, "type": qdata.type, "stem_html": qdata.stem,
                "explanation_html": qdata.explanation, "lesson": lessons.get(qdata.lesson),
                "anchor": qdata.anchor, "data": qdata.data, "misconception": qdata.misconception,
                "published": True,
            }
            question = existing.get(qdata.key)
            if question is None:
                question = Question.objects.create(key=qdata.key, answer_fingerprint=answer_print, **fields)
            else:
                if question.answer_fingerprint != answer_print:
                    fields["answer_version"] = question.answer_version + 1
                    fields["answer_fingerprint"] = answer_print
                changed = [name for name, value in fields.items() if getattr(question, name) != value]
                if changed:
                    for name in changed:
                        setattr(question, name, fields[name])
                    question.save(update_fields=changed)
            _sync_choices(question, qdata.choices)
    Quiz.objects.exclude(slug__in=seen_quizzes).update(published=False)
    Question.objects.exclude(key__in=seen_questions).update(published=False)


def _sync_choices(question: Question, choices) -> None:
    current = {choice.position: choice for choice in question.choices.all()}
    for position, data in enumerate(choices, start=1):
        fields = {"text_html": data.text, "correct": data.correct, "explanation_html": data.explanation,
                  "misconception": data.misconception}
        choice = current.pop(position, None)
        if choice is None:
            Choice.objects.create(question=question, position=position, **fields)
        elif any(getattr(choice, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(choice, name, value)
            choice.save()
    if current:
        Choice.objects.filter(pk__in=[c.pk for c in current.values()]).delete()
