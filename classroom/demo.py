"""A realistic demo cohort: `manage.py seed_demo --learners N`.

"Demo class", owned by the demo instructor, with the demo learners and N generated ones whose record
looks like a real class's: a spread of progress through the lessons (some never started, some gone
quiet), practice quizzes and the final exam answered question by question from the real question
bank and graded by the real grader, the misconceptions wrong choices name, lab designs checked with
the rules learners break (real rule ids of the validator, with their lessons), objectives met, sandbox
predictions right and wrong, and deployments. Everything is written with `bulk_create` in batches,
from a seeded generator: the same N gives the same class, 30 learners take about a second and
10,000 a few minutes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from courseware import grading
from courseware.events import Obj, ObjectType, Verb
from courseware.models import (
    Attempt, Lab, LearningEvent, Lesson, LessonProgress, Question, Quiz, Response, ReviewItem,
)
from courseware.quizzes import key_for

from .models import Cohort, DueDate, Membership

COHORT_NAME = "Demo class"
BATCH = 250

FIRST = ["Amara", "Bruno", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ivan", "Jun", "Kwame", "Lucía",
         "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomás", "Uma", "Viktor", "Wen", "Ximena",
         "Yusuf", "Zoë", "Aiko", "Bilal", "Carmen", "Dara", "Emeka", "Freya", "Giorgos", "Hiroshi", "Inés", "Jana"]
LAST = ["Okafor", "Silva", "Novak", "Haddad", "Kowalski", "Nguyen", "Müller", "García", "Rossi", "Kim", "Dubois",
        "Andersson", "Petrov", "Yilmaz", "Mensah", "Tanaka", "O'Brien", "Fernández", "Lindqvist", "Chowdhury",
        "Moreau", "Schmidt", "Costa", "Ivanova", "Park", "Jensen", "Ahmed", "Bianchi", "Larsen", "Santos"]

# Rule ids of the lab validator (labs.apigw.rules, read when this was written: the dashboard's figures do not
# import labs) with the lesson section that teaches each and the misconception it reveals, per lab.
RULES = {
    "endpoint.private-rest-only": ("endpoint-types#private", "private-not-rest-only"),
    "policy.private-needs-policy": ("endpoint-types#resource-policy", "private-needs-no-policy"),
    "endpoint.regional-only": ("endpoint-types#regional", ""),
    "integration.timeout-range": ("synchronous-invocation#timeout", "timeout-always-raisable"),
    "integration.http-api-no-mock": ("integrations#mock", "http-api-has-mock"),
    "integration.proxy-no-templates": ("integrations#proxy-vs-custom", "proxy-allows-mapping-templates"),
    "integration.lambda-post": ("integrations#proxy-vs-custom", ""),
    "integration.aws-needs-role": ("integrations#aws-service", ""),
    "apikey.not-on-http": ("security#api-keys", "http-api-has-rest-features"),
    "apikey.required-without-plan": ("security#api-keys", ""),
    "auth.authorizer-missing": ("security#layers", ""),
    "security.write-route-open": ("security#layers", ""),
    "cors.credentials-wildcard": ("security#cors", ""),
    "stage.canary-rest-only": ("stages-deployments#canary-releases", "http-api-has-rest-features"),
    "stage.canary-percent": ("stages-deployments#canary-releases", ""),
    "stage.no-throttling": ("stages-deployments#throttling", ""),
    "stage.none": ("stages-deployments#deployments", "rest-changes-live-on-save"),
    "websocket.route-selection-required": ("api-types#websocket", "websocket-routes-by-path"),
    "websocket.route-key-like-path": ("api-types#websocket", "websocket-routes-by-path"),
}
LAB_RULES = {
    "rest-order-service": ["integration.lambda-post", "integration.timeout-range", "apikey.required-without-plan",
                           "security.write-route-open", "stage.none", "stage.no-throttling"],
    "http-jwt-cors": ["cors.credentials-wildcard", "apikey.not-on-http", "auth.authorizer-missing",
                      "integration.http-api-no-mock", "endpoint.private-rest-only"],
    "websocket-chat": ["websocket.route-selection-required", "websocket.route-key-like-path", "auth.authorizer-missing"],
    "dynamodb-direct": ["integration.aws-needs-role", "integration.proxy-no-templates", "stage.none"],
    "private-api": ["policy.private-needs-policy", "endpoint.private-rest-only", "endpoint.regional-only"],
    "canary-release": ["stage.canary-percent", "stage.canary-rest-only", "stage.no-throttling"],
}
SANDBOX_STEPS = [("endpoint", 403), ("route", 404), ("authorizer", 401), ("api-key", 403), ("throttling", 429),
                 ("validation", 400), ("integration", 502), ("integration-response", 200)]


@dataclass
class Rows:
    progress: list
    events: list
    attempts: list  # (Attempt, [Response], [event results]) kept together until the attempt has its pk
    reviews: list


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


class Generator:
    """Builds one learner's record at a time from a seeded generator, with the course read once."""

    def __init__(self, seed: int = 2026, now: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.lessons = list(Lesson.objects.published().in_course_order().only("slug", "order", "module__order"))
        quizzes = list(Quiz.objects.filter(published=True).select_related("lesson"))
        self.practice = {q.lesson_id: q for q in quizzes if not q.is_exam and q.lesson_id}
        self.exams = [q for q in quizzes if q.is_exam]
        questions = list(Question.objects.filter(published=True).prefetch_related("choices"))
        self.by_quiz: dict[int, list[Question]] = {}
        for question in questions:
            self.by_quiz.setdefault(question.quiz_id, []).append(question)
        self.pool = [q.pk for q in questions if not any(e.pk == q.quiz_id for e in self.exams)]
        self.questions = {q.pk: q for q in questions}
        self.keys = {q.pk: key_for(q) for q in questions}
        # Each question's difficulty, and how tempting each wrong choice is, fixed by its key.
        self.difficulty = {q.pk: random.Random(q.key).gauss(-0.6, 1.0) for q in questions}
        self.labs = [lab.slug for lab in Lab.objects.published()]

    # --- one learner ---------------------------------------------------------------------------------

    def learner(self, user: User, joined: datetime, rows: Rows) -> None:
        rng = self.rng
        kind = rng.random()
        if kind < 0.08:
            return  # joined, never started
        ability = rng.gauss(0, 1)
        if kind < 0.22:  # gone quiet
            last = self.now - timedelta(days=rng.uniform(15, 40))
        else:
            last = self.now - timedelta(hours=rng.uniform(1, 24 * 12))
        start = min(joined + timedelta(hours=rng.uniform(1, 48)), last - timedelta(hours=1))
        span = max((last - start).total_seconds(), 3600)
        engagement = min(1.0, max(0.05, rng.betavariate(2.2, 1.6) + 0.1 * ability))
        done = max(1, round(engagement * len(self.lessons)))

        def when(fraction: float) -> datetime:
            return start + timedelta(seconds=span * min(1.0, max(0.0, fraction)))

        for index, lesson in enumerate(self.lessons[: min(done + 1, len(self.lessons))]):
            at = when((index + rng.random()) / (done + 1))
            completed = index < done
            rows.progress.append(LessonProgress(user=user, lesson=lesson, first_viewed_at=at, last_viewed_at=at,
                                                completed_at=at + timedelta(minutes=rng.randint(5, 30)) if completed else None))
            rows.events.append(self._event(user, Verb.EXPERIENCED, Obj.lesson(lesson.slug), {}, at))
            if completed:
                rows.events.append(self._event(user, Verb.COMPLETED, Obj.lesson(lesson.slug), {}, at + timedelta(minutes=20)))
                quiz = self.practice.get(lesson.pk)
                if quiz and rng.random() < 0.85:
                    tries = 1 + (rng.random() < 0.3) + (rng.random() < 0.08)
                    for n in range(tries):
                        at_quiz = at + timedelta(minutes=30 + 40 * n)
                        ids = [q.pk for q in self.by_quiz.get(quiz.pk, [])]
                        rng.shuffle(ids)
                        self._attempt(user, quiz, ids, ability + 0.5 * n, at_quiz, rows)
        if done == len(self.lessons) and self.exams and rng.random() < 0.7:
            exam = self.exams[0]
            for n in range(1 + (rng.random() < 0.3)):
                ids = rng.sample(self.pool, min(exam.draw or 20, len(self.pool)))
                self._attempt(user, exam, ids, ability + 0.3 * n, when(0.97 + 0.01 * n), rows)
        self._labs(user, ability, engagement, when, rows)

    def _event(self, user, verb, obj: Obj, result: dict, at: datetime) -> LearningEvent:
        return LearningEvent(actor=user, verb=verb.value, **obj.lookup(), result=result, timestamp=at)

    def _answer(self, question: Question, right: bool) -> dict:
        rng = self.rng
        choices = sorted(question.choices.all(), key=lambda c: c.position)
        correct = [c.pk for c in choices if c.correct]
        wrong = [c.pk for c in choices if not c.correct]
        kind = question.type
        if kind in {Question.Type.SINGLE, Question.Type.TRUE_FALSE}:
            if right or not wrong:
                return {"choice": correct[0]}
            weights = [random.Random(f"{question.key}:{c}").random() ** 2 + 0.05 for c in wrong]
            return {"choice": rng.choices(wrong, weights)[0]}
        if kind == Question.Type.MULTIPLE:
            if right:
                return {"choices": sorted(correct)}
            picked = set(correct)
            if len(picked) > 1 and rng.random() < 0.6:
                picked.discard(rng.choice(correct))
            if wrong and rng.random() < 0.7:
                picked.add(rng.choice(wrong))
            return {"choices": sorted(picked or {rng.choice(wrong or correct)})}
        if kind == Question.Type.NUMERIC:
            value = float(question.data["answer"])
            return {"value": value if right else value * rng.choice([2, 0.5, 10]) + rng.choice([1, -1])}
        if kind == Question.Type.ORDERING:
            order = list(range(len(question.data["items"])))
            if not right and len(order) > 1:
                i = rng.randrange(len(order) - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
            return {"order": order}
        if kind == Question.Type.MATCHING:
            pairs = question.data["pairs"]
            answers = [p["answer"] for p in pairs]
            if not right and len(answers) > 1:
                i, j = rng.sample(range(len(answers)), 2)
                answers[i], answers[j] = answers[j], answers[i]
            return {"matches": {str(i): a for i, a in enumerate(answers)}}
        return {}

    def _misconception(self, question: Question, answer: dict, correct: bool) -> str:
        if correct:
            return ""
        picked = [answer["choice"]] if "choice" in answer else answer.get("choices", [])
        for choice in question.choices.all():
            if choice.pk in picked and not choice.correct and choice.misconception:
                return choice.misconception
        return question.misconception

    def _attempt(self, user, quiz: Quiz, ids: list[int], ability: float, at: datetime, rows: Rows) -> None:
        rng = self.rng
        at = min(at, self.now - timedelta(minutes=5))
        attempt = Attempt(user=user, quiz=quiz, kind=Attempt.Kind.QUIZ, mode=quiz.mode, question_ids=ids,
                          seed=rng.randrange(2**31), started_at=at, max_score=len(ids),
                          deadline=at + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None)
        responses, results = [], []
        for n, qid in enumerate(ids):
            question = self.questions[qid]
            if quiz.is_exam and rng.random() < 0.03:
                continue  # left unanswered
            right = rng.random() < _sigmoid(1.2 * ability - self.difficulty[qid] + 0.6)
            answer = self._answer(question, right)
            try:
                result = grading.grade(self.keys[qid], answer)
            except grading.AnswerError:
                continue
            answered = at + timedelta(seconds=40 * (n + 1))
            responses.append(Response(question_id=qid, answer=answer, score=result.score, correct=result.correct,
                                      graded_version=question.answer_version, answered_at=answered))
            results.append((question, answered, {
                "correct": result.correct, "score": result.score,
                "misconception": self._misconception(question, answer, result.correct), "mode": quiz.mode,
            }))
            if not result.correct:
                rows.reviews.append(ReviewItem(user=user, question_id=qid))
        attempt.submitted_at = at + timedelta(seconds=40 * (len(ids) + 1))
        attempt.score = round(sum(r.score for r in responses), 4)
        attempt.passed = (attempt.percent or 0) >= quiz.pass_mark if quiz.is_exam else None
        rows.attempts.append((attempt, responses, results))

    def _labs(self, user, ability: float, engagement: float, when, rows: Rows) -> None:
        rng = self.rng
        for index, slug in enumerate(self.labs):
            if rng.random() > engagement * (0.95 - 0.1 * index):
                continue
            lab = Obj.lab(slug)
            plausible = [r for r in LAB_RULES.get(slug, []) if r in RULES]
            broken = set(rng.sample(plausible, k=min(len(plausible), rng.randint(1, 3)))) if plausible else set()
            checks = rng.randint(2, 7)
            completes = rng.random() < _sigmoid(ability + 1.2 * engagement)
            base = 0.3 + 0.6 * rng.random()
            for n in range(checks):
                last = n == checks - 1
                if last and completes:
                    broken = set()
                elif broken and rng.random() < 0.45:
                    broken.discard(rng.choice(sorted(broken)))
                rules = sorted(broken)
                rows.events.append(self._event(user, Verb.VALIDATED, lab, {
                    "step": rng.choice(["api", "endpoint", "routes", "integrations", "security", "stages"]),
                    "rules": rules, "errors": len(rules),
                    "misconceptions": sorted({RULES[r][1] for r in rules if RULES[r][1]}),
                    "lessons": {r: RULES[r][0] for r in rules},
                }, when(base + 0.01 * n)))
            if completes:
                at = when(base + 0.01 * checks)
                for objective in ("design", "security", "stages"):
                    rows.events.append(self._event(user, Verb.MET, Obj.objective(slug, objective), {}, at))
                rows.events.append(self._event(user, Verb.COMPLETED, lab, {"objectives": 3}, at))
                for d in range(rng.randint(0, 2)):
                    deployment = f"{slug[:3]}{rng.randrange(10**6):06d}"
                    rows.events.append(self._event(user, Verb.DEPLOYED, Obj.deployment(slug, deployment),
                                                   {"target": "sandbox", "canary": slug == "canary-release",
                                                    "routes": rng.randint(2, 8)}, at + timedelta(minutes=5 + d)))
                    for p in range(rng.randint(0, 4)):
                        step, status = rng.choice(SANDBOX_STEPS)
                        right = rng.random() < _sigmoid(ability + 0.3)
                        guess_step, guess_status = (step, status) if right else rng.choice(SANDBOX_STEPS)
                        rows.events.append(self._event(
                            user, Verb.PREDICTED, Obj.sandbox_request(slug, f"{deployment}-{p}"),
                            {"predicted_status": guess_status, "actual_status": status, "predicted_step": guess_step,
                             "actual_step": step, "correct": right and guess_status == status},
                            at + timedelta(minutes=10 + d + p)))
                if rng.random() < 0.05:
                    rows.events.append(self._event(user, Verb.DEPLOYED, Obj.deployment(slug, f"aws{rng.randrange(10**6)}"),
                                                   {"target": "aws"}, at + timedelta(minutes=30)))


def _flush(rows: Rows) -> None:
    LessonProgress.objects.bulk_create(rows.progress, batch_size=2000, ignore_conflicts=True)
    attempts = [a for a, _, _ in rows.attempts]
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    responses, events = [], list(rows.events)
    for attempt, answers, results in rows.attempts:
        for response in answers:
            response.attempt_id = attempt.pk
            responses.append(response)
        events.append(LearningEvent(actor_id=attempt.user_id, verb=Verb.ATTEMPTED, object_type=ObjectType.QUIZ,
                                    object_id=attempt.quiz.slug, result={"attempt": attempt.pk},
                                    timestamp=attempt.started_at))
        for question, answered, result in results:
            events.append(LearningEvent(actor_id=attempt.user_id, verb=Verb.ANSWERED, object_type=ObjectType.QUESTION,
                                        object_id=question.key, result={**result, "attempt": attempt.pk},
                                        timestamp=answered))
        events.append(LearningEvent(actor_id=attempt.user_id, verb=Verb.COMPLETED, object_type=ObjectType.QUIZ,
                                    object_id=attempt.quiz.slug, timestamp=attempt.submitted_at,
                                    result={"attempt": attempt.pk, "score": attempt.score, "max": attempt.max_score,
                                            "percent": attempt.percent, "passed": attempt.passed}))
    Response.objects.bulk_create(responses, batch_size=2000)
    # Written in time order, so that a later id is a later event, as on the live site.
    events.sort(key=lambda e: e.timestamp)
    LearningEvent.objects.bulk_create(events, batch_size=2000)
    ReviewItem.objects.bulk_create(rows.reviews, batch_size=2000, ignore_conflicts=True)


def _due_dates(cohort: Cohort, now: datetime) -> None:
    quizzes = {q.slug for q in Quiz.objects.filter(published=True)}
    labs = set(Lab.objects.published().values_list("slug", flat=True))
    wanted = [("quiz", "front-door", -21), ("quiz", "api-types", -14), ("quiz", "endpoint-types", -4),
              ("quiz", "integrations", 3), ("quiz", "security", 10), ("lab", "rest-order-service", 7),
              ("lab", "http-jwt-cors", 18), ("quiz", "final", 35)]
    for kind, slug, days in wanted:
        if slug in (quizzes if kind == "quiz" else labs):
            DueDate.objects.get_or_create(cohort=cohort, kind=kind, slug=slug,
                                          defaults={"due_at": now + timedelta(days=days)})


def build_cohort(owner: User, learners: int, *, extra_members: list[User] = (), password: str, seed: int = 2026,
                 prefix: str = "learner", now: datetime | None = None, progress=None) -> Cohort:
    """The demo cohort with `learners` generated learners (usernames `learner00001`…): those that already
    exist are kept as they are, missing ones are created with their activity. Safe to run again."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = Cohort.objects.filter(name=COHORT_NAME, owner=owner).first()
        if cohort is None:
            cohort = Cohort.objects.create(name=COHORT_NAME, owner=owner, created_at=now - timedelta(days=60))
        _due_dates(cohort, now)
    generator = Generator(seed, now)
    hashed = make_password(password)  # one hash for every generated learner: hashing 10,000 would take minutes
    names = [f"{prefix}{n:05d}" for n in range(1, learners + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True)) if names else set()
    missing = [name for name in names if name not in existing]
    rng = random.Random(seed)
    for user in extra_members:
        _enrol(cohort, user, now - timedelta(days=rng.uniform(20, 50)))
        if not LearningEvent.objects.filter(actor=user).exists():
            rows = Rows([], [], [], [])
            generator.learner(user, now - timedelta(days=30), rows)
            _flush(rows)
    for start in range(0, len(missing), BATCH):
        batch = missing[start:start + BATCH]
        with transaction.atomic():
            users = [User(username=name, password=hashed, email=f"{name}@example.com",
                          first_name=rng.choice(FIRST), last_name=rng.choice(LAST)) for name in batch]
            User.objects.bulk_create(users, batch_size=1000)
            users = list(User.objects.filter(username__in=batch).order_by("username"))
            joined = {u.pk: now - timedelta(days=rng.uniform(1, 56)) for u in users}
            Membership.objects.bulk_create([Membership(cohort=cohort, user=u, joined_at=joined[u.pk]) for u in users],
                                           ignore_conflicts=True)
            rows = Rows([], [], [], [])
            for user in users:
                generator.learner(user, joined[user.pk], rows)
            _flush(rows)
        if progress:
            progress(start + len(batch), len(missing))
    return cohort


def _enrol(cohort: Cohort, user: User, joined: datetime) -> None:
    Membership.objects.get_or_create(cohort=cohort, user=user, defaults={"joined_at": joined})
