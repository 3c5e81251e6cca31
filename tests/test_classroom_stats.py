"""The dashboard's figures against values worked out by hand on a small cohort: the at-risk rule, the
roster's columns, Moodle's facility and discrimination indices, choice counts, score bands, the lesson
funnel, lab insights and sandbox predictions, and the one rounding shared by Python and SQL."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from classroom import queries
from classroom.models import DueDate, DueDateExtension, Membership
from courseware import scores
from courseware.models import Attempt, LessonProgress, Question, Quiz

from .classroom_support import event, make_cohort, make_learners, right_answer, submit_attempt, wrong_answer
from .factories import make_user

pytestmark = pytest.mark.django_db


# --- The at-risk rule -------------------------------------------------------------------------------------------


def test_the_status_rule(instructor, course):
    new, gone, quiet, behind, fine, extended = make_learners(6)
    cohort = make_cohort(instructor, new, gone, quiet, behind, fine, extended)
    Membership.objects.filter(user=gone).update(joined_at=timezone.now() - timedelta(days=20))  # joined, nothing since
    event(quiet, "experienced", "lesson", "front-door", days_ago=15)  # active once, 15 days ago
    for user in (behind, fine, extended):
        event(user, "experienced", "lesson", "front-door", days_ago=1)
    assert {u.username: u.status for u in queries.learners(cohort)}[new.username] == "not-started"
    due = DueDate.objects.create(cohort=cohort, kind="quiz", slug="front-door", due_at=timezone.now() - timedelta(days=1))
    DueDate.objects.create(cohort=cohort, kind="lab", slug="private-api", due_at=timezone.now() + timedelta(days=5))
    submit_attempt(fine, Quiz.objects.get(slug="front-door"), {})
    DueDateExtension.objects.create(due_date=due, learner=extended, due_at=timezone.now() + timedelta(days=2))

    rows = {u.username: u.status for u in queries.learners(cohort)}
    # A newcomer with a passed due date is behind already; nothing overdue, they would be "not started".
    assert rows == {new.username: "behind", gone.username: "inactive", quiet.username: "inactive",
                    behind.username: "behind", fine.username: "on-track", extended.username: "on-track"}
    assert queries.status_counts(cohort) == {"on-track": 2, "not-started": 0, "behind": 2, "inactive": 2}
    # A lab due date counts once it passes, until the lab is completed.
    DueDate.objects.filter(kind="lab").update(due_at=timezone.now() - timedelta(hours=1))
    assert {u.username: u.status for u in queries.learners(cohort)}[fine.username] == "behind"
    event(fine, "completed", "lab", "private-api")
    assert {u.username: u.status for u in queries.learners(cohort)}[fine.username] == "on-track"


def test_the_roster_columns(instructor, learner, course):
    cohort = make_cohort(instructor, learner)
    lessons = list(course[:3])
    for lesson in lessons:
        LessonProgress.objects.create(user=learner, lesson=lesson, completed_at=timezone.now())
    LessonProgress.objects.create(user=learner, lesson=course[5])  # opened, not completed
    front = Quiz.objects.get(slug="front-door")
    questions = list(front.questions.order_by("position"))
    submit_attempt(learner, front, {q: right_answer(q) for q in questions})  # 100 %
    submit_attempt(learner, front, {q: wrong_answer(q) for q in questions})  # second attempt: not the best
    api = Quiz.objects.get(slug="api-types")
    submit_attempt(learner, api, {q: right_answer(q) for q in api.questions.all()[:1]},
                   question_ids=list(api.questions.values_list("pk", flat=True)))  # 1 of 8: below the pass mark
    final = Quiz.objects.get(slug="final")
    exam = submit_attempt(learner, final, {q: right_answer(q) for q in questions[:5]},
                          question_ids=[q.pk for q in Question.objects.filter(quiz__slug="security")[:8]])
    exam.score_override = 6.8  # 6.8 of 8 = 85 %
    exam.save()
    event(learner, "completed", "lab", "private-api")
    event(learner, "completed", "lab", "private-api")  # twice in the log, one lab
    event(learner, "deployed", "deployment", "private-api:abc", {"target": "sandbox"})
    event(learner, "deployed", "deployment", "private-api:def", {"target": "sandbox"})
    event(learner, "deployed", "deployment", "private-api:aws1", {"target": "aws"})
    last = event(learner, "experienced", "lesson", "front-door", days_ago=0.01)

    row = queries.learners(cohort).get()
    assert (row.lessons_done, row.quizzes_taken, row.quizzes_passed) == (3, 3, 2)
    assert scores.rounded(row.exam_best) == 85
    assert (row.labs_done, row.sandbox_deploys, row.aws_deploys) == (1, 2, 1)
    assert row.last_active == last.timestamp


# --- Item analysis --------------------------------------------------------------------------------------------


@pytest.fixture
def item_cohort(instructor, course):
    """Five learners, one first attempt each at three questions of "front-door" (and a second attempt):

        learner  q1 (single)  q2 (multiple)  q3 (numeric)  total
        L1       right        right          right          3
        L2       right        wrong (F)      right          2
        L3       wrong (B)    right          wrong          1
        L4       right        wrong (G)      unanswered     1
        L5       wrong (C)    wrong (F)      wrong          0
        L1 again wrong (B)    wrong (F)      wrong          0   (a second attempt)
    """
    quiz = Quiz.objects.get(slug="front-door")
    q1 = quiz.questions.get(key="front-door-no-retries")
    q2 = quiz.questions.get(key="front-door-managed-features")
    q3 = quiz.questions.get(key="front-door-http-timeout")
    learners = make_learners(5, prefix="item")
    cohort = make_cohort(instructor, *learners)
    R, W = right_answer, wrong_answer
    plan = [
        {q1: R(q1), q2: R(q2), q3: R(q3)},
        {q1: R(q1), q2: W(q2, 0), q3: R(q3)},
        {q1: W(q1, 0), q2: R(q2), q3: W(q3)},
        {q1: R(q1), q2: W(q2, 1), q3: None},
        {q1: W(q1, 1), q2: W(q2, 0), q3: W(q3)},
    ]
    start = timezone.now() - timedelta(days=2)
    for user, answers in zip(learners, plan):
        submit_attempt(user, quiz, answers, started=start)
    submit_attempt(learners[0], quiz, {q1: W(q1, 0), q2: W(q2, 0), q3: W(q3)}, started=start + timedelta(hours=1))
    assert set(Attempt.objects.values_list("score", flat=True)) == {3.0, 2.0, 1.0, 0.0}  # no partial credit here
    return cohort, quiz, (q1, q2, q3)


def _by_key(stats):
    return {s.question.key: s for s in stats}


def test_facility_and_discrimination_by_hand(item_cohort):
    cohort, quiz, (q1, q2, q3) = item_cohort
    stats, summary = queries.item_analysis(cohort, quiz, "first")
    got = _by_key(stats)
    assert summary["n"] == 5 and round(summary["mean"], 4) == round(100 * (3 + 2 + 1 + 1 + 0) / 15, 4)
    # Facility: mean score, an unanswered question scoring 0.
    assert (got[q1.key].facility, got[q2.key].facility, got[q3.key].facility) == (60.0, 40.0, 40.0)
    assert (got[q3.key].attempts, got[q3.key].answered) == (5, 4)
    # Discrimination: Pearson's r of the question's score with the rest of the attempt.
    # q1: x = 1 1 0 1 0, rest = 2 1 1 0 0: r = 0.6 / sqrt(1.2 * 2.8)
    assert got[q1.key].discrimination == pytest.approx(0.6 / math.sqrt(1.2 * 2.8))
    # q2: x = 1 0 1 0 0, rest = 2 2 0 1 0: the deviations cancel, r = 0
    assert got[q2.key].discrimination == pytest.approx(0.0, abs=1e-9)
    # q3: x = 1 1 0 0 0, rest = 2 1 1 1 0: r = 1 / sqrt(1.2 * 2)
    assert got[q3.key].discrimination == pytest.approx(1 / math.sqrt(2.4))
    assert got[q1.key].discrimination_percent == 33
    # Flags: q2 separates nobody (r = 0); the others are within bounds.
    assert got[q2.key].flags == ["weak discrimination"]
    assert got[q1.key].flags == [] and got[q3.key].flags == []


def test_choice_counts_by_hand(item_cohort):
    cohort, quiz, (q1, q2, q3) = item_cohort
    got = _by_key(queries.item_analysis(cohort, quiz, "first")[0])
    assert [(c.letter, c.picked) for c in got[q1.key].choices] == [("A", 3), ("B", 1), ("C", 1), ("D", 0)]
    assert [c.share for c in got[q1.key].choices] == [60, 20, 20, 0]
    # Multiple select: each picked choice counts; A–D are right, E and F wrong.
    assert [(c.letter, c.picked) for c in got[q2.key].choices] == [
        ("A", 2), ("B", 2), ("C", 2), ("D", 2), ("E", 2), ("F", 1)]
    # A wrong choice names its misconception, with the lesson that teaches it.
    wrong = got[q1.key].choices[1]
    assert wrong.misconception.slug == "lambda-retries" and wrong.misconception.lesson.slug == "synchronous-invocation"


def test_all_attempts_count_the_second_one(item_cohort):
    cohort, quiz, (q1, q2, q3) = item_cohort
    stats, summary = queries.item_analysis(cohort, quiz, "all")
    got = _by_key(stats)
    assert summary["n"] == 6
    assert got[q1.key].facility == pytest.approx(50.0) and got[q1.key].choices[1].picked == 2


def test_flags_for_too_easy_too_hard_and_misleading():
    from classroom.queries import ChoiceStat, QuestionStat, _flags

    question = Question(type="single")
    right, wrong = ChoiceStat(choice=type("C", (), {"correct": True})(), letter="A", picked=0, share=None), \
        ChoiceStat(choice=type("C", (), {"correct": False})(), letter="B", picked=0, share=None)
    easy = QuestionStat(question, 1, attempts=10, facility=95, discrimination=0.4)
    hard = QuestionStat(question, 2, attempts=10, facility=20, discrimination=0.4)
    upside_down = QuestionStat(question, 3, attempts=10, facility=50, discrimination=-0.2)
    tempting = QuestionStat(question, 4, attempts=10, facility=40, discrimination=0.3,
                            choices=[ChoiceStat(right.choice, "A", 4, 40), ChoiceStat(wrong.choice, "B", 6, 60)])
    too_few = QuestionStat(question, 5, attempts=3, facility=100, discrimination=None)
    assert _flags(easy) == ["too easy"] and _flags(hard) == ["too hard"]
    assert _flags(upside_down) == ["misleading"] and _flags(tempting) == ["misleading"]
    assert _flags(too_few) == []


def test_the_item_page_shows_the_figures(item_cohort, instructor_client):
    cohort, quiz, (q1, q2, q3) = item_cohort
    html = instructor_client.get(f"/dashboard/cohorts/{cohort.pk}/quizzes/front-door/").content.decode()
    assert f'data-testid="facility-{q1.key}">60%<' in html
    assert f'data-testid="discrimination-{q1.key}">33<' in html
    assert f'data-testid="picked-{q1.key}-A">3 (60%)<' in html
    assert "weak discrimination" in html and 'role="img"' in html


def test_score_bands_and_pass_counts(item_cohort):
    cohort, quiz, _ = item_cohort
    quizzes = queries.quizzes_in_order()
    by_quiz = {d.quiz.slug: d for d in queries.score_distributions(cohort, quizzes)}
    front = by_quiz["front-door"]
    # Best per learner: 100 (L1's better attempt), 67, 33, 33, 0.
    assert front.bins == [1, 0, 0, 2, 0, 0, 1, 0, 0, 1] and front.learners == 5 and front.passed == 1
    assert by_quiz["api-types"].learners == 0


# --- Overview -----------------------------------------------------------------------------------------------------


def test_lesson_funnel_labs_and_weeks(instructor, course):
    a, b, c = make_learners(3, prefix="fun")
    cohort = make_cohort(instructor, a, b)  # c is not in the cohort
    first = course[0]
    LessonProgress.objects.create(user=a, lesson=first, completed_at=timezone.now())
    LessonProgress.objects.create(user=b, lesson=first)
    LessonProgress.objects.create(user=c, lesson=first, completed_at=timezone.now())
    funnel = queries.lesson_funnel(cohort)
    assert [s.lesson.slug for s in funnel] == [lesson.slug for lesson in course]
    assert (funnel[0].opened, funnel[0].completed) == (2, 1) and funnel[1].opened == 0
    event(a, "validated", "lab", "private-api", {"rules": []})
    event(b, "validated", "lab", "private-api", {"rules": []})
    event(a, "completed", "lab", "private-api")
    event(c, "completed", "lab", "private-api")
    labs = {row.lab.slug: row for row in queries.lab_completion(cohort)}
    assert (labs["private-api"].started, labs["private-api"].completed) == (2, 1)
    weeks = queries.weekly_activity(cohort)
    assert len(weeks) == 8 and weeks[-1].active == 2 and weeks[-1].events == 3 and sum(w.events for w in weeks) == 3


def test_the_dashboard_counts_learners_active_in_the_last_seven_days_and_no_instructor(instructor, instructor_client,
                                                                                       course):
    twice, lately, long_ago, idle = make_learners(4, prefix="act")
    event(twice, "experienced", "lesson", "front-door", days_ago=2)
    event(twice, "completed", "lesson", "front-door", days_ago=2)  # two events, one learner
    event(lately, "experienced", "lesson", "front-door", days_ago=10)
    event(lately, "experienced", "lesson", "api-types", days_ago=1)  # active again since
    event(long_ago, "experienced", "lesson", "front-door", days_ago=10)  # outside the seven days
    event(instructor, "experienced", "lesson", "front-door", days_ago=0.01)  # today, but an instructor
    html = instructor_client.get("/dashboard/").content.decode()
    shown = re.search(r"Learners active</dt>\s*<dd[^>]*>\s*(\d+)\s*</dd>", html)
    assert shown, "the dashboard shows no active-learner figure"
    assert int(shown.group(1)) == 2  # twice and lately; not long_ago, idle or the instructor


# --- Lab insights ------------------------------------------------------------------------------------------------


def test_lab_insights_by_hand(instructor, course):
    l1, l2, l3, outsider = make_learners(4, prefix="lab")
    cohort = make_cohort(instructor, l1, l2, l3)
    a, b, c = "policy.private-needs-policy", "endpoint.private-rest-only", "endpoint.regional-only"
    event(l1, "validated", "lab", "private-api", {"rules": [a, b], "misconceptions": ["private-needs-no-policy"]}, days_ago=3)
    event(l1, "validated", "lab", "private-api", {"rules": [b], "misconceptions": []}, days_ago=2)
    event(l2, "validated", "lab", "private-api", {"rules": [a]}, days_ago=3)
    event(l2, "validated", "lab", "private-api", {"rules": []}, days_ago=2)
    event(l3, "validated", "lab", "private-api", {"rules": [a, c], "lessons": {a: "endpoint-types#resource-policy"}})
    event(outsider, "validated", "lab", "private-api", {"rules": [a, b, c]})
    event(l1, "predicted", "sandbox-request", "private-api:1",
          {"predicted_status": 200, "actual_status": 200, "predicted_step": "authorizer", "actual_step": "authorizer",
           "correct": True})
    event(l1, "predicted", "sandbox-request", "private-api:2",
          {"predicted_status": 502, "actual_status": 429, "predicted_step": "integration", "actual_step": "throttling",
           "correct": False})
    event(l2, "predicted", "sandbox-request", "private-api:3", {})  # a row from before the sandbox said more

    insights, misconceptions = queries.lab_insights(cohort)
    lab = next(i for i in insights if i.slug == "private-api")
    rules = {r.rule: (r.learners, r.still) for r in lab.rules}
    assert rules == {a: (3, 1), b: (1, 1), c: (1, 1)}
    assert lab.rules[0].rule == a and lab.rules[0].lesson.slug == "endpoint-types" and lab.rules[0].anchor == "resource-policy"
    assert lab.rules[0].lesson_url.endswith("/course/endpoint-types/#resource-policy")
    assert (lab.predictions, lab.wrong_predictions) == (3, 1)
    assert lab.wrong_by_step == [("throttling", "integration", 1)]
    assert [(m.slug, m.learners, m.still) for m in misconceptions] == [("private-needs-no-policy", 1, 0)]
    assert misconceptions[0].lesson_url.endswith("#resource-policy")


def test_quiz_misconceptions_count_learners(instructor, course):
    a, b, outsider = make_learners(3, prefix="mis")
    cohort = make_cohort(instructor, a, b)
    quiz = Quiz.objects.get(slug="front-door")
    retries = quiz.questions.get(key="front-door-no-retries")  # each wrong choice: lambda-retries
    sigv4 = quiz.questions.get(key="front-door-sigv4")  # each wrong choice: callers-must-sign-sigv4
    managed = quiz.questions.get(key="front-door-managed-features")  # E: lambda-retries
    timeout = quiz.questions.get(key="front-door-http-timeout")  # numeric: the question's own, if any
    submit_attempt(a, quiz, {retries: wrong_answer(retries, 0), sigv4: wrong_answer(sigv4, 0),
                             timeout: wrong_answer(timeout), managed: right_answer(managed)})
    submit_attempt(b, quiz, {retries: wrong_answer(retries, 1), managed: wrong_answer(managed, 0),
                             sigv4: right_answer(sigv4)})
    submit_attempt(outsider, quiz, {retries: wrong_answer(retries, 0)})
    expected = {("lambda-retries", 2, 3), ("callers-must-sign-sigv4", 1, 1)}
    if timeout.misconception:
        expected.add((timeout.misconception, 1, 1))
    rows = queries.quiz_misconceptions(cohort)
    assert {(m.slug, m.learners, m.times) for m in rows} == expected
    assert rows[0].slug == "lambda-retries"
    assert rows[0].lesson_url.endswith("/course/synchronous-invocation/#retries")
    other = queries.quiz_misconceptions(cohort, Attempt.objects.filter(quiz__slug="api-types"))
    assert other == []


# --- One rounding in Python and SQL ------------------------------------------------------------------------------


def test_python_and_sql_agree_on_every_percentage_and_pass(learner, course):
    quiz = Quiz.objects.get(slug="final")  # pass mark 70
    values = [round(0.05 * n, 2) for n in range(0, 401)]  # 0 to 20 points in steps of 0.05
    Attempt.objects.bulk_create([
        Attempt(user=learner, quiz=quiz, mode="exam", question_ids=[], seed=1, max_score=20, score=v,
                submitted_at=timezone.now()) for v in values
    ])
    from django.db.models import F

    rows = Attempt.objects.annotate(pct=scores.effective_percent_expression()).values_list("score", "pct")
    for score, pct in rows:
        assert scores.rounded(pct) == scores.rounded(scores.percent_value(score, 20))
    passing = set(Attempt.objects.annotate(pct=scores.effective_percent_expression())
                  .filter(scores.reaches(F("pct"), F("quiz__pass_mark"))).values_list("score", flat=True))
    assert passing == {v for v in values if scores.meets_pass_mark(scores.rounded(scores.percent_value(v, 20)), 70)}
    assert 13.9 in passing and 13.8 not in passing  # 69.5 % passes, 69 % does not
    assert scores.rounded(68.5) == 69 and scores.rounded(2.5) == 3  # half up, never half to even


def test_an_override_counts_in_sql_too(learner, course):
    quiz = Quiz.objects.get(slug="front-door")
    attempt = submit_attempt(learner, quiz, {q: wrong_answer(q) for q in quiz.questions.all()})
    scores.apply_override(attempt, 8, "Marked by hand", make_user("teach", instructor=True))
    from courseware.quizzes import best_percents

    assert best_percents(learner)[quiz.pk] == 100 == attempt.effective_percent
    with pytest.raises(ValueError):
        scores.apply_override(attempt, 9, "too many", None)
