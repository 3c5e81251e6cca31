"""The figures of the instructor dashboard, computed by the database.

Every function here runs a fixed number of queries whatever the size of the cohort: learners are
annotated with correlated subqueries (one row each, indexed lookups), the rest are GROUP BY queries
over courseware's tables and its learning log, and the few aggregations the ORM cannot say portably
are in `classroom.sql`. Nothing here imports `labs`: labs are named by courseware's catalogue (`Lab`)
and their work is read from the log (verb "validated" on a lab, "predicted" on a sandbox request,
"deployed"/"torn-down" on a deployment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import (
    Case, CharField, Count, Exists, F, FloatField, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When,
)
from django.db.models.functions import Coalesce, Left, StrIndex
from django.utils import timezone

from courseware import scores
from courseware.events import ObjectType, Verb
from courseware.models import (
    Attempt, Choice, Lab, LearningEvent, Lesson, LessonProgress, Misconception, Question, Quiz,
)

from . import sql
from .models import Cohort, DueDate, DueDateExtension, Membership

# --- The at-risk rule -------------------------------------------------------------------------------------

INACTIVE_DAYS = 14


class Status:
    ON_TRACK = "on-track"
    BEHIND = "behind"
    INACTIVE = "inactive"
    NOT_STARTED = "not-started"

    LABELS = {ON_TRACK: "On track", BEHIND: "Behind", INACTIVE: "Inactive", NOT_STARTED: "Not started yet"}
    ORDER = (ON_TRACK, NOT_STARTED, BEHIND, INACTIVE)
    AT_RISK = (BEHIND, INACTIVE)
    CHOICES = [(ON_TRACK, "On track"), (NOT_STARTED, "Not started yet"), (BEHIND, "Behind"), (INACTIVE, "Inactive")]


STATUS_RULE = (
    f"Inactive: nothing recorded (no lesson opened, answer given or lab design checked) for "
    f"{INACTIVE_DAYS} days, counted from joining for a learner who has done nothing yet. "
    "Behind: not inactive, but a due date of the cohort has passed (or the learner's extension of it) for "
    "a quiz not yet submitted or a lab not yet completed. Not started yet: joined less than "
    f"{INACTIVE_DAYS} days ago, nothing recorded and nothing overdue. On track: everyone else. "
    "Inactive and behind learners are at risk."
)


def member_ids(cohort: Cohort) -> QuerySet:
    """The current learners of the cohort, as a subquery of user ids."""
    return Membership.objects.filter(cohort=cohort, left_at__isnull=True).values("user_id")


def of_members(cohort: Cohort, ref: str = "actor_id") -> Exists:
    """"The row's learner is in the cohort", as EXISTS: on log rows filtered by verb the database then
    walks the (verb, object type) index and checks membership, instead of walking every event of every
    learner through the actor index (ten times faster at 10,000 learners on SQLite)."""
    return Exists(Membership.objects.filter(cohort=cohort, left_at__isnull=True, user_id=OuterRef(ref)))


def members(cohort: Cohort) -> QuerySet:
    """The cohort's current learners, joined to their membership (`joined_at`). A join, not `pk IN
    (subquery)`: PostgreSQL, misjudging how many rows a status filter keeps, turned the IN into a nested
    loop of every member against every user (2.6 s at 10,000 learners)."""
    return User.objects.filter(cohort_memberships__cohort=cohort, cohort_memberships__left_at__isnull=True).annotate(
        joined_at=F("cohort_memberships__joined_at"))


def _count(queryset: QuerySet, group: str, counted: str = "pk", distinct: bool = False) -> Coalesce:
    """COUNT over `queryset` (correlated to the outer row) as one value, 0 when there is none."""
    rows = queryset.order_by().values(group).annotate(n=Count(counted, distinct=distinct)).values("n")
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


def _filtered_count(queryset: QuerySet, condition: Q, group: str = "actor") -> Coalesce:
    """COUNT(*) FILTER (condition) over `queryset` (correlated to the outer row), 0 when there is none."""
    rows = queryset.order_by().values(group).annotate(n=Count("pk", filter=condition)).values("n")
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


def _submitted(user_ref) -> QuerySet:
    return Attempt.objects.filter(user=user_ref, submitted_at__isnull=False, quiz__isnull=False, max_score__gt=0)


def _overdue(cohort: Cohort, now: datetime) -> Coalesce:
    """Due dates of the cohort passed for the learner (their extension counts) whose quiz they have not
    submitted or whose lab they have not completed."""
    learner = OuterRef(OuterRef("pk"))
    extension = DueDateExtension.objects.filter(due_date=OuterRef("pk"), learner=learner).values("due_at")[:1]
    quiz_done = Attempt.objects.filter(user=learner, quiz__slug=OuterRef("slug"), submitted_at__isnull=False)
    lab_done = LearningEvent.objects.filter(actor=learner, verb=Verb.COMPLETED, object_type=ObjectType.LAB,
                                            object_id=OuterRef("slug"))
    missed = (
        DueDate.objects.filter(cohort=cohort)
        .annotate(due=Coalesce(Subquery(extension), F("due_at")), quiz_done=Exists(quiz_done), lab_done=Exists(lab_done))
        .filter(due__lt=now)
        .filter(Q(kind=DueDate.Kind.QUIZ, quiz_done=False) | Q(kind=DueDate.Kind.LAB, lab_done=False))
    )
    return _count(missed, "cohort")


def with_status(users: QuerySet, cohort: Cohort, now: datetime | None = None) -> QuerySet:
    """`users` (`members(cohort)`, which carry joined_at) with last_active, overdue and status, in SQL."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=INACTIVE_DAYS)
    last = LearningEvent.objects.filter(actor=OuterRef("pk")).order_by("-timestamp").values("timestamp")[:1]
    return users.annotate(
        last_active=Subquery(last), overdue=_overdue(cohort, now),
    ).annotate(
        status=Case(
            When(Q(last_active__lt=cutoff) | Q(last_active__isnull=True, joined_at__lt=cutoff), then=Value(Status.INACTIVE)),
            When(overdue__gt=0, then=Value(Status.BEHIND)),
            When(last_active__isnull=True, then=Value(Status.NOT_STARTED)),
            default=Value(Status.ON_TRACK),
            output_field=CharField(),
        )
    )


def learners(cohort: Cohort, now: datetime | None = None) -> QuerySet:
    """The roster: one row per current learner with what the roster shows and sorts by, in SQL."""
    user = OuterRef("pk")
    percent = scores.effective_percent_expression()
    passed = _submitted(user).annotate(pct=percent).filter(scores.reaches(F("pct"), F("quiz__pass_mark")))
    exam_best = (
        _submitted(user).filter(quiz__mode=Quiz.Mode.EXAM).annotate(pct=percent).order_by("-pct").values("pct")[:1]
    )
    # Counted over the learner's own events (the actor index) with the verb in the aggregate's filter: a
    # WHERE on the verb tempts PostgreSQL into intersecting the (verb, type) index for every learner.
    own = LearningEvent.objects.filter(actor=user)
    deployed = Q(verb=Verb.DEPLOYED, object_type=ObjectType.DEPLOYMENT)
    return with_status(members(cohort), cohort, now).annotate(
        lessons_done=_count(LessonProgress.objects.filter(user=user, completed_at__isnull=False, lesson__published=True), "user"),
        quizzes_taken=_count(_submitted(user), "user", "quiz", distinct=True),
        quizzes_passed=_count(passed, "user", "quiz", distinct=True),
        exam_best=Subquery(exam_best, output_field=FloatField()),
        labs_done=_count(LearningEvent.objects.filter(actor=user, verb=Verb.COMPLETED, object_type=ObjectType.LAB),
                         "actor", "object_id", distinct=True),
        sandbox_deploys=_filtered_count(own, deployed & Q(result__target="sandbox")),
        aws_deploys=_filtered_count(own, deployed & Q(result__target="aws")),
    )


# --- Overview ---------------------------------------------------------------------------------------------------


def status_counts(cohort: Cohort, now: datetime | None = None) -> dict[str, int]:
    rows = with_status(members(cohort), cohort, now).values("status").annotate(n=Count("pk")).order_by()
    found = {row["status"]: row["n"] for row in rows}
    return {key: found.get(key, 0) for key in Status.ORDER}


@dataclass(frozen=True)
class FunnelStep:
    lesson: Lesson
    opened: int
    completed: int


def lesson_funnel(cohort: Cohort) -> list[FunnelStep]:
    """Each published lesson in course order with how many learners opened and completed it: two queries."""
    lessons = list(Lesson.objects.published().in_course_order().only("slug", "title", "module__order", "order"))
    rows = (
        LessonProgress.objects.filter(user_id__in=member_ids(cohort))
        .values("lesson_id")
        .annotate(opened=Count("id"), completed=Count("id", filter=Q(completed_at__isnull=False)))
        .order_by()
    )
    found = {row["lesson_id"]: row for row in rows}
    return [FunnelStep(lesson, found.get(lesson.pk, {}).get("opened", 0), found.get(lesson.pk, {}).get("completed", 0))
            for lesson in lessons]


#: Score bins of the distributions: 0–9 %, 10–19 %, … 90–100 % (a rounded percentage decides the bin).
BINS = list(range(0, 100, 10))


@dataclass
class QuizDistribution:
    quiz: Quiz
    bins: list[int]
    learners: int = 0
    passed: int = 0

    @property
    def labels(self) -> list[str]:
        return [f"{edge}–{edge + 9}%" if edge < 90 else "90–100%" for edge in BINS]

    @property
    def short_labels(self) -> list[str]:
        """The bins' lower edges, which fit under a small chart ("0", "10", … "90")."""
        return [str(edge) for edge in BINS]


def quizzes_in_order() -> list[Quiz]:
    from courseware.quizzes import in_course_order

    return list(in_course_order(Quiz.objects.filter(published=True)))


def score_distributions(cohort: Cohort, quizzes: list[Quiz]) -> list[QuizDistribution]:
    """Per quiz, how many learners' best (effective) score falls in each tenth: one query, binned in SQL."""
    best = (
        Attempt.objects.filter(user_id__in=member_ids(cohort), submitted_at__isnull=False, quiz__isnull=False,
                               max_score__gt=0)
        .values("quiz_id", "user_id")
        .annotate(best=Max(scores.effective_percent_expression()) + Value(0.5))  # + 0.5: binned as rounded
        .order_by()
    )
    out = {quiz.pk: QuizDistribution(quiz, [0] * len(BINS)) for quiz in quizzes}
    for quiz_id, index, n in sql.binned(best, "best", "quiz_id", BINS):
        if quiz_id in out:
            out[quiz_id].bins[index] += n
            out[quiz_id].learners += n
    # Learners with an attempt at or above the pass mark (the bins' edges are not the pass mark's).
    passes = (
        Attempt.objects.filter(user_id__in=member_ids(cohort), submitted_at__isnull=False, quiz__isnull=False,
                               max_score__gt=0)
        .annotate(pct=scores.effective_percent_expression())
        .filter(scores.reaches(F("pct"), F("quiz__pass_mark")))
        .values("quiz_id").annotate(n=Count("user", distinct=True)).order_by()
    )
    for row in passes:
        if row["quiz_id"] in out:
            out[row["quiz_id"]].passed = row["n"]
    return [out[quiz.pk] for quiz in quizzes]


@dataclass(frozen=True)
class LabCompletion:
    lab: Lab
    started: int  # learners who had a design checked
    completed: int


def lab_completion(cohort: Cohort) -> list[LabCompletion]:
    labs = list(Lab.objects.published())
    rows = (
        LearningEvent.objects.filter(of_members(cohort), object_type=ObjectType.LAB,
                                     verb__in=[Verb.VALIDATED, Verb.COMPLETED])
        .values("object_id", "verb").annotate(n=Count("actor", distinct=True)).order_by()
    )
    found = {(row["object_id"], row["verb"]): row["n"] for row in rows}
    return [LabCompletion(lab, found.get((lab.slug, Verb.VALIDATED), 0), found.get((lab.slug, Verb.COMPLETED), 0))
            for lab in labs]


@dataclass(frozen=True)
class Week:
    starts: datetime
    active: int
    events: int


def weekly_activity(cohort: Cohort, weeks: int = 8, now: datetime | None = None) -> list[Week]:
    """Learners active and events recorded in each of the last `weeks` weeks (Monday to Sunday, in the
    site's time zone): one pass over the log, grouped by a CASE on the timestamp (no per-row date function)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    starts = [timezone.make_aware(datetime.combine(first + timedelta(days=7 * n), datetime.min.time()))
              for n in range(weeks + 1)]
    week = Case(*[When(timestamp__gte=starts[n], then=Value(n)) for n in reversed(range(weeks))],
                output_field=IntegerField())
    rows = (
        LearningEvent.objects.filter(actor_id__in=member_ids(cohort), timestamp__gte=starts[0], timestamp__lt=starts[-1])
        .annotate(week=week).values("week")
        .annotate(active=Count("actor", distinct=True), events=Count("id")).order_by()
    )
    found = {row["week"]: row for row in rows}
    return [Week(starts[n], found.get(n, {}).get("active", 0), found.get(n, {}).get("events", 0)) for n in range(weeks)]


# --- Quiz item analysis ------------------------------------------------------------------------------------------

MIN_RESPONSES = 5  # fewer answers than this say too little to flag a question
TOO_EASY, TOO_HARD, WEAK_DISCRIMINATION = 90, 30, 0.2


@dataclass
class ChoiceStat:
    choice: Choice
    letter: str
    picked: int
    share: int | None  # percent of the answers to the question
    misconception: Misconception | None = None


@dataclass
class QuestionStat:
    question: Question
    number: int
    attempts: int = 0  # analysed attempts that had the question
    answered: int = 0
    right: int = 0
    facility: float | None = None  # mean score, percent
    discrimination: float | None = None  # correlation with the rest of the attempt, -1 to 1
    choices: list[ChoiceStat] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    misconception: Misconception | None = None

    @property
    def facility_rounded(self) -> int | None:
        return scores.rounded(self.facility)

    @property
    def discrimination_percent(self) -> int | None:
        return None if self.discrimination is None else scores.rounded(self.discrimination * 100)


def letter(index: int) -> str:
    """A choice's letter by its place among the question's choices (A for the first)."""
    return chr(ord("A") + index) if 0 <= index < 26 else str(index + 1)


def choice_letters(choices) -> dict[int, str]:
    """choice id -> letter, for choices given in (question, position) order."""
    out, seen = {}, {}
    for choice in choices:
        n = seen.get(choice.question_id, 0)
        out[choice.pk] = letter(n)
        seen[choice.question_id] = n + 1
    return out


def analysed_attempts(cohort: Cohort, quiz: Quiz, which: str = "first") -> QuerySet:
    """Submitted attempts at `quiz` by the cohort's learners; `which="first"` keeps each learner's first."""
    attempts = Attempt.objects.filter(quiz=quiz, submitted_at__isnull=False, user_id__in=member_ids(cohort))
    if which == "first":
        first = (Attempt.objects.filter(quiz=quiz, user=OuterRef("user"), submitted_at__isnull=False)
                 .order_by("started_at", "pk").values("pk")[:1])
        attempts = attempts.filter(pk=Subquery(first))
    return attempts


def correlation(n: int, sx: float, sxx: float, sy: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums; None when either side does not vary (everyone scored the same)."""
    if n < 2:
        return None
    vx, vy = n * sxx - sx * sx, n * syy - sy * sy
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(vx * vy)


def item_analysis(cohort: Cohort, quiz: Quiz, which: str = "first") -> tuple[list[QuestionStat], dict]:
    """Moodle's quiz statistics, per question: facility index (mean score), discrimination index
    (correlation of the question's score with the rest of the attempt's score), how often each choice was
    picked, and flags. Unanswered questions count 0, as in Moodle. Five queries whatever the cohort size."""
    attempts = analysed_attempts(cohort, quiz, which)
    summary = attempts.aggregate(n=Count("id"), mean=_avg_percent())
    sums = {row[0]: row[1:] for row in sql.question_sums(attempts)}
    ids = list(sums) if quiz.draw else list(quiz.questions.filter(published=True).values_list("pk", flat=True))
    questions = list(Question.objects.filter(pk__in=set(ids) | set(sums)).prefetch_related("choices")
                     .select_related("lesson", "quiz").order_by("quiz__order", "position"))
    picks = {(qid, cid): n for qid, cid, n in sql.choice_counts(attempts)}
    slugs = {q.misconception for q in questions} | {c.misconception for q in questions for c in q.choices.all()}
    misconceptions = Misconception.objects.select_related("lesson").in_bulk([s for s in slugs if s], field_name="slug")
    stats = []
    for number, question in enumerate(questions, start=1):
        stat = QuestionStat(question, number, misconception=misconceptions.get(question.misconception))
        if question.pk in sums:
            n, answered, right, sx, sxx, sy, syy, sxy = sums[question.pk]
            stat.attempts, stat.answered, stat.right = n, answered, right or 0
            stat.facility = 100.0 * (sx or 0) / n if n else None
            stat.discrimination = correlation(n, sx or 0, sxx or 0, sy or 0, syy or 0, sxy or 0)
        for index, choice in enumerate(question.choices.all()):
            picked = picks.get((question.pk, choice.pk), 0)
            stat.choices.append(ChoiceStat(choice, letter(index),
                                           picked, scores.rounded(100 * picked / stat.answered) if stat.answered else None,
                                           misconceptions.get(choice.misconception)))
        stat.flags = _flags(stat)
        stats.append(stat)
    return stats, summary


def _avg_percent():
    from django.db.models import Avg

    return Avg(scores.effective_percent_expression())


def _flags(stat: QuestionStat) -> list[str]:
    if stat.attempts < MIN_RESPONSES or stat.facility is None:
        return []
    flags = []
    if stat.facility >= TOO_EASY:
        flags.append("too easy")
    elif stat.facility <= TOO_HARD:
        flags.append("too hard")
    right = [c.picked for c in stat.choices if c.choice.correct]
    wrong = [c.picked for c in stat.choices if not c.choice.correct]
    misleading = stat.discrimination is not None and stat.discrimination < 0
    if stat.question.type in {Question.Type.SINGLE, Question.Type.TRUE_FALSE} and right and wrong:
        misleading = misleading or max(wrong) > max(right)
    if misleading:
        flags.append("misleading")
    elif stat.discrimination is not None and stat.discrimination < WEAK_DISCRIMINATION and "too easy" not in flags:
        flags.append("weak discrimination")
    return flags


@dataclass(frozen=True)
class QuizSummary:
    quiz: Quiz
    learners: int
    attempts: int
    mean: int | None


def quiz_summaries(cohort: Cohort, quizzes: list[Quiz]) -> list[QuizSummary]:
    rows = (
        Attempt.objects.filter(user_id__in=member_ids(cohort), submitted_at__isnull=False, quiz__isnull=False,
                               max_score__gt=0)
        .values("quiz_id").annotate(learners=Count("user", distinct=True), attempts=Count("id"), mean=_avg_percent())
        .order_by()
    )
    found = {row["quiz_id"]: row for row in rows}
    return [QuizSummary(q, found.get(q.pk, {}).get("learners", 0), found.get(q.pk, {}).get("attempts", 0),
                        scores.rounded(found.get(q.pk, {}).get("mean"))) for q in quizzes]


@dataclass(frozen=True)
class MisconceptionCount:
    slug: str
    misconception: Misconception | None
    learners: int
    times: int
    still: int = 0  # labs: learners whose latest check still shows it

    @property
    def lesson_url(self) -> str:
        m = self.misconception
        if m is None or m.lesson is None:
            return ""
        return f"{m.lesson.get_absolute_url()}#{m.anchor}" if m.anchor else m.lesson.get_absolute_url()


def quiz_misconceptions(cohort: Cohort, attempts: QuerySet | None = None, limit: int = 20) -> list[MisconceptionCount]:
    """The misconceptions the cohort's wrong answers named (in `attempts`, else in every quiz attempt),
    with the learners who gave them and how often: two queries."""
    if attempts is None:
        attempts = Attempt.objects.filter(user_id__in=member_ids(cohort), quiz__isnull=False)
    rows = sql.wrong_answer_misconceptions(attempts)
    rows = sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))[:limit]
    known = Misconception.objects.select_related("lesson").in_bulk([r[0] for r in rows], field_name="slug")
    return [MisconceptionCount(slug, known.get(slug), learners_, times) for slug, learners_, times in rows]


# --- Lab insights ------------------------------------------------------------------------------------------------


@dataclass
class RuleCount:
    lab_slug: str
    rule: str
    learners: int
    still: int
    lesson: Lesson | None = None
    anchor: str = ""

    @property
    def lesson_url(self) -> str:
        if self.lesson is None:
            return ""
        return f"{self.lesson.get_absolute_url()}#{self.anchor}" if self.anchor else self.lesson.get_absolute_url()


@dataclass
class LabInsight:
    lab: Lab | None
    slug: str
    rules: list[RuleCount] = field(default_factory=list)
    predictions: int = 0
    wrong_predictions: int = 0
    wrong_by_step: list[tuple[str, str, int]] = field(default_factory=list)  # (actual step, predicted step, n)

    @property
    def title(self) -> str:
        return self.lab.title if self.lab else ("A design of their own" if self.slug == "free-design" else self.slug)


def _validations(cohort: Cohort) -> QuerySet:
    return LearningEvent.objects.filter(of_members(cohort), verb=Verb.VALIDATED, object_type=ObjectType.LAB).order_by()


def lab_insights(cohort: Cohort) -> tuple[list[LabInsight], list[MisconceptionCount]]:
    """The rules the cohort breaks most, per lab (learners who broke each; those whose latest check still
    breaks it), the misconceptions lab findings name, and sandbox predictions gone wrong: five queries."""
    labs = {lab.slug: lab for lab in Lab.objects.prefetch_related("lessons")}
    insights: dict[str, LabInsight] = {}

    def insight(slug: str) -> LabInsight:
        return insights.setdefault(slug, LabInsight(labs.get(slug), slug))

    rows = sql.lab_array_counts(_validations(cohort))
    rule_rows = [row[1:] for row in rows if row[0] == "rules"]
    misconception_rows = [row[1:] for row in rows if row[0] == "misconceptions"]
    lesson_slugs = {(ref or "").partition("#")[0] for *_, ref in rule_rows if ref}
    lessons = Lesson.objects.in_bulk(list(lesson_slugs), field_name="slug") if lesson_slugs else {}
    for slug, rule, learners_, still, ref in rule_rows:
        lesson_slug, _, anchor = (ref or "").partition("#")
        insight(slug).rules.append(RuleCount(slug, rule, learners_, still, lessons.get(lesson_slug), anchor))
    for item in insights.values():
        item.rules.sort(key=lambda r: (-r.learners, -r.still, r.rule))
    predictions = (
        LearningEvent.objects.filter(of_members(cohort), verb=Verb.PREDICTED, object_type=ObjectType.SANDBOX_REQUEST)
        .annotate(lab=Left("object_id", StrIndex("object_id", Value(":")) - 1))
        .values("lab", "result__actual_step", "result__predicted_step")
        .annotate(total=Count("id"), wrong=Count("id", filter=Q(result__correct=False)))
        .order_by()
    )
    for row in predictions:
        item = insight(row["lab"])
        item.predictions += row["total"]
        item.wrong_predictions += row["wrong"]
        if row["wrong"]:
            item.wrong_by_step.append((row["result__actual_step"] or "?", row["result__predicted_step"] or "?", row["wrong"]))
    for item in insights.values():
        item.wrong_by_step.sort(key=lambda r: -r[2])
    order = list(labs)
    ordered = sorted(insights.values(), key=lambda i: (order.index(i.slug) if i.slug in order else len(order), i.slug))
    totals: dict[str, list[int]] = {}
    for _lab, slug, learners_, still, _ in misconception_rows:
        counts = totals.setdefault(slug, [0, 0])
        counts[0], counts[1] = counts[0] + learners_, counts[1] + still
    known = Misconception.objects.select_related("lesson").in_bulk(list(totals), field_name="slug") if totals else {}
    misconceptions = sorted(
        (MisconceptionCount(slug, known.get(slug), n, n, still) for slug, (n, still) in totals.items()),
        key=lambda m: (-m.learners, m.slug),
    )
    return ordered, misconceptions


# --- One learner -------------------------------------------------------------------------------------------------


def learner_events(user: User, limit: int = 500) -> list[LearningEvent]:
    """The learner's lab work from the log, newest first: validations (findings), sandbox predictions,
    deployments and objectives."""
    return list(
        LearningEvent.objects.filter(actor=user, object_type__in=[ObjectType.LAB, ObjectType.SANDBOX_REQUEST,
                                                                  ObjectType.DEPLOYMENT, ObjectType.OBJECTIVE])
        .order_by("-timestamp", "-pk")[:limit]
    )


def due_dates(cohorts, user: User | None = None) -> list[DueDate]:
    """The due dates of `cohorts` (a cohort, or a queryset or list of them) with their quiz's or lab's title
    (`title`) and, for `user`, their own date (`due`, `extended_at`), whether they have done the item
    (`done`) and whether it is overdue (`overdue`). One query, however many cohorts and dates."""
    dates = DueDate.objects.filter(cohort__in=cohorts if not isinstance(cohorts, Cohort) else [cohorts])
    quiz_title = Quiz.objects.filter(slug=OuterRef("slug")).values("title")[:1]
    lab_title = Lab.objects.filter(slug=OuterRef("slug")).values("title")[:1]
    dates = dates.annotate(title=Coalesce(
        Case(When(kind=DueDate.Kind.QUIZ, then=Subquery(quiz_title)), default=Subquery(lab_title)), F("slug"),
        output_field=CharField(),
    ))
    if user is not None:
        extension = DueDateExtension.objects.filter(due_date=OuterRef("pk"), learner=user).values("due_at")[:1]
        dates = dates.annotate(
            extended_at=Subquery(extension),
            quiz_done=Exists(Attempt.objects.filter(user=user, quiz__slug=OuterRef("slug"), submitted_at__isnull=False)),
            lab_done=Exists(LearningEvent.objects.filter(actor=user, verb=Verb.COMPLETED, object_type=ObjectType.LAB,
                                                         object_id=OuterRef("slug"))),
        )
    now = timezone.now()
    out = list(dates.select_related("cohort").order_by("due_at", "kind", "slug"))
    for d in out:
        d.extended_at = getattr(d, "extended_at", None)
        d.due = d.extended_at or d.due_at
        d.done = (d.quiz_done if d.kind == DueDate.Kind.QUIZ else d.lab_done) if user is not None else None
        d.overdue = user is not None and not d.done and d.due < now
    return out


def due_dates_for(cohort: Cohort, user: User | None = None) -> list[DueDate]:
    return due_dates(cohort, user)
