"""The few aggregations the ORM cannot say portably, as SQL for SQLite and PostgreSQL.

They all unnest a JSON array (an attempt's `question_ids`, a multiple-select answer's `choices`, a lab
validation's `rules`) and group by its elements, which needs `json_each` on SQLite and
`jsonb_array_elements_text` on PostgreSQL. Each takes the rows to read as an ORM queryset, compiled to
a subquery, so the filtering (cohort, first attempts) is written once, in Python.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from courseware.models import Attempt, Choice, Question, Response


def _subquery(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _elements(alias: str, column: str, key: str | None = None) -> str:
    """A FROM item that yields one row per element of the JSON array `alias.column[key]`, as `j.value`."""
    if _postgres():
        path = f"{alias}.{column} -> '{key}'" if key else f"{alias}.{column}"
        return (f"CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof({path}) = 'array' "
                f"THEN {path} ELSE '[]'::jsonb END) AS j(value)")
    path = f"'$.{key}'" if key else "'$'"
    return f"JOIN json_each({alias}.{column}, {path}) AS j ON json_type({alias}.{column}, {path}) = 'array'"


def _integer(expression: str) -> str:
    return f"CAST({expression} AS BIGINT)" if _postgres() else f"CAST({expression} AS INTEGER)"


def _fetch(sql: str, params: tuple) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def question_sums(attempts: QuerySet) -> list[tuple]:
    """Per question of the given (submitted) attempts: (question id, attempts that had it, answered, fully
    right, Σx, Σx², Σy, Σy², Σxy), x being the question's score (0 when unanswered) and y the rest of the
    attempt's score (its total less x): what the facility and discrimination indices need."""
    a, r = Attempt._meta.db_table, Response._meta.db_table
    sub, params = _subquery(attempts.values("pk"))
    qid = _integer("j.value")
    x = "COALESCE(r.score, 0)"
    y = f"(a.score - {x})"
    sql = (
        f"SELECT {qid} AS qid, COUNT(*), COUNT(r.id), SUM(CASE WHEN r.correct THEN 1 ELSE 0 END), "
        f"SUM({x}), SUM({x} * {x}), SUM({y}), SUM({y} * {y}), SUM({x} * {y}) "
        f"FROM {a} a {_elements('a', 'question_ids')} "
        f"LEFT JOIN {r} r ON r.attempt_id = a.id AND r.question_id = {qid} "
        f"WHERE a.id IN ({sub}) GROUP BY {qid}"
    )
    return _fetch(sql, params)


def choice_counts(attempts: QuerySet) -> list[tuple[int, int, int]]:
    """(question id, choice id, answers that picked it) over the single, true/false and multiple-select
    answers of the given attempts."""
    r = Response._meta.db_table
    sub, params = _subquery(attempts.values("pk"))
    if _postgres():
        single = (f"SELECT r.question_id, (r.answer ->> 'choice')::bigint, COUNT(*) FROM {r} r "
                  f"WHERE r.attempt_id IN ({sub}) AND jsonb_typeof(r.answer -> 'choice') = 'number' GROUP BY 1, 2")
    else:
        single = (f"SELECT r.question_id, CAST(json_extract(r.answer, '$.choice') AS INTEGER), COUNT(*) FROM {r} r "
                  f"WHERE r.attempt_id IN ({sub}) AND json_type(r.answer, '$.choice') = 'integer' GROUP BY 1, 2")
    multiple = (f"SELECT r.question_id, {_integer('j.value')}, COUNT(*) FROM {r} r {_elements('r', 'answer', 'choices')} "
                f"WHERE r.attempt_id IN ({sub}) GROUP BY r.question_id, j.value")
    return _fetch(f"{single} UNION ALL {multiple}", params + params)


def lab_array_counts(events: QuerySet, keys: tuple[str, ...] = ("rules", "misconceptions"),
                     lessons: str = "rules") -> list[tuple]:
    """Over lab validations (`events`), per key, lab and element of result[key]: (key, lab, element,
    learners who ever had it, learners whose latest validation of that lab still has it, lesson). The
    lesson is what result["lessons"] names for an element of `lessons` (the labs app may record
    {rule id: "lesson-slug#anchor"}; NULL when it does not). One pass over the rows for every key."""
    sub, params = _subquery(events.values("id", "actor_id", "object_id", "result"))
    if _postgres():
        lesson = "MAX(v.result -> 'lessons' ->> j.value)"
    else:
        lesson = "MAX(json_extract(v.result, '$.lessons.\"' || j.value || '\"'))"
    selects = [
        f"SELECT '{key}', v.object_id, j.value, COUNT(DISTINCT v.actor_id), "
        f"COUNT(DISTINCT CASE WHEN v.newest = 1 THEN v.actor_id END), {lesson if key == lessons else 'NULL'} "
        f"FROM v {_elements('v', 'result', key)} GROUP BY v.object_id, j.value"
        for key in keys
    ]
    # The latest validation of each (learner, lab) is the one with the highest id: the log is written in
    # time order. A window function finds it in the same pass over the rows.
    sql = (
        f"WITH v AS MATERIALIZED (SELECT s.id, s.actor_id, s.object_id, s.result, "
        f"ROW_NUMBER() OVER (PARTITION BY s.actor_id, s.object_id ORDER BY s.id DESC) AS newest FROM ({sub}) s) "
        + " UNION ALL ".join(selects)
    )
    return _fetch(sql, params)


def wrong_answer_misconceptions(attempts: QuerySet) -> list[tuple[str, int, int]]:
    """(misconception, learners, wrong answers) over the answers of the given attempts: a wrong answer names the
    misconception of a wrong choice it picked, else its question's (as `courseware.quizzes` records it
    in the log). Read from the answers, whose `correct` is a column, not from the log's JSON."""
    r, a, c, q = (Response._meta.db_table, Attempt._meta.db_table, Choice._meta.db_table,
                  Question._meta.db_table)
    sub, params = _subquery(attempts.values("pk"))
    if _postgres():
        single = "CASE WHEN jsonb_typeof(w.answer -> 'choice') = 'number' THEN (w.answer ->> 'choice')::bigint END"
    else:
        single = "CASE WHEN json_type(w.answer, '$.choice') = 'integer' THEN json_extract(w.answer, '$.choice') END"
    sql = (
        f"WITH w AS (SELECT r.id, r.question_id, r.answer, a.user_id FROM {r} r JOIN {a} a ON a.id = r.attempt_id "
        f"WHERE r.attempt_id IN ({sub}) AND NOT r.correct), "
        f"picked AS (SELECT w.id, w.user_id, ch.misconception AS m FROM w JOIN {c} ch ON ch.id = {single} "
        f"WHERE NOT ch.correct AND ch.misconception <> '' "
        f"UNION ALL SELECT w.id, w.user_id, ch.misconception FROM w {_elements('w', 'answer', 'choices')} "
        f"JOIN {c} ch ON ch.id = {_integer('j.value')} WHERE NOT ch.correct AND ch.misconception <> ''), "
        f"one AS (SELECT id, MIN(user_id) AS user_id, MIN(m) AS m FROM picked GROUP BY id), "
        f"named AS (SELECT id, user_id, m FROM one UNION ALL "
        f"SELECT w.id, w.user_id, qq.misconception FROM w JOIN {q} qq ON qq.id = w.question_id "
        f"WHERE qq.misconception <> '' AND NOT EXISTS (SELECT 1 FROM one WHERE one.id = w.id)) "
        f"SELECT m, COUNT(DISTINCT user_id), COUNT(*) FROM named GROUP BY m"
    )
    return _fetch(sql, params)


def binned(inner: QuerySet, value: str, group: str, bins: list[int], extra_sql: str = "") -> list[tuple]:
    """Group the rows of an aggregated queryset again: (group, bin index, rows) where bin i holds values
    from bins[i] (inclusive) to bins[i + 1]; the last bin is open. `extra_sql` adds aggregates over the
    same rows (written on `t`)."""
    sub, params = _subquery(inner)
    cases = " ".join(f"WHEN t.{value} >= {edge} THEN {index}" for index, edge in reversed(list(enumerate(bins))))
    sql = (f"SELECT t.{group}, CASE {cases} ELSE 0 END AS bin, COUNT(*){extra_sql} FROM ({sub}) t "
           f"WHERE t.{value} IS NOT NULL GROUP BY t.{group}, bin")
    return _fetch(sql, params)
