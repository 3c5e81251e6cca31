"""Who may see what: every URL pattern of the site, visited as six actors (issue "Who may see what").

What this file guarantees:

- The set of URL patterns found by walking Django's resolver (``get_resolver().url_patterns``, recursively,
  with full routes and namespaced names) is exactly the set classified in ``MATRIX`` below, less a short,
  commented allow-list (``UNCLASSIFIED``). A new URL fails ``test_every_url_pattern_is_in_the_matrix``
  until someone writes down who may use it.
- Each row of ``MATRIX`` says how to build the URL's kwargs from real rows (made through the project's own
  helpers: ``make_user``, ``make_cohort``, ``submit_attempt``, the lab and sandbox views themselves) and
  what each actor gets: a page (200), the login page (302 to ``/accounts/login/?next=``), "not for your
  account" (403), "no such thing" (404), a redirect, or, for a POST, "not refused" (200 or a redirect that
  is not the login page). Pages are visited with GET; POST-only endpoints with POST, and a GET on them is
  a 405 (a GET never changes anything).
- Some rows mix objects on purpose (one's own cohort with another cohort's learner, one's own design with
  another learner's AWS deployment): the object-level check must hold, not only the first lookup.
- Some rows also say who must see a given text on a 200 page (the learner's cohort on their progress
  page, an instructor's cohort on the dashboard, the learner's bookmark and quiz attempts): a 200 that
  shows someone else's things is a failure too.

The actors: anonymous; ``learner`` (Ada: owns the designs, attempts, sandbox, deployment, bookmark);
``other_learner`` (Ben, in another cohort); ``instructor`` (Inès, who teaches Ada's cohort);
``other_instructor`` (Omar, who teaches Ben's cohort); ``staff`` (Sam, ``is_staff``: sees every cohort,
but nobody's own designs or attempts). The intended outcomes are those of classroom/access.py,
labs/views/access.py and courseware/views/quizzes.py's ``_get_attempt_for_user``: another learner's object
is a 404, never a 403; a non-instructor on the dashboard is a 403; another cohort is a 404.

Speed: the world (users, cohorts, attempts, a solved lab deployed in its sandbox, an AWS plan) is built
once for the module inside one transaction that is rolled back at the end, and every single request runs
in a savepoint that is rolled back too: each actor meets the same world, whatever the previous one
changed (a reset attempt, a left cohort, a logout), and nothing leaks into other test modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from classroom.models import DueDate
from courseware import quizzes
from courseware.models import Lesson, Quiz
from labs.models import AwsDeployment, LabAttempt, LabSandbox

from .classroom_support import make_cohort, right_answer, submit_attempt, wrong_answer
from .factories import make_user
from .test_sandbox_web import console, deploy, solved

# --- The actors ---------------------------------------------------------------------------------------------

ANON, LEARNER, OTHER, INSTRUCTOR, OTHER_INSTRUCTOR, STAFF = ACTORS = (
    "anonymous", "learner", "other_learner", "instructor", "other_instructor", "staff")


# --- The outcomes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    label: str
    check: Callable[[Any], bool]

    def __repr__(self) -> str:
        return self.label


def _to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


def _status(code: int) -> Outcome:
    return Outcome(str(code), lambda r: r.status_code == code)


OK = _status(200)
DENIED = _status(403)  # "This page is not for your account"
HIDDEN = _status(404)  # as if it did not exist
LOGIN = Outcome("302→login", _to_login)
REDIRECT = Outcome("302", lambda r: r.status_code == 302 and not _to_login(r))
#: A POST by someone allowed to make it: answered (a page, a fragment, a redirect), not refused.
DONE = Outcome("done", lambda r: r.status_code == 200 or (r.status_code == 302 and not _to_login(r)))


def each(outcome: Outcome) -> tuple[Outcome, ...]:
    return (outcome,) * len(ACTORS)


def public_api(code: int) -> tuple[Outcome, ...]:
    """A sandbox invoke URL is an API like API Gateway's: the key is the address, no session is read."""
    return each(_status(code))


# Who gets what, in ACTORS order: (anonymous, learner, other_learner, instructor, other_instructor, staff)
EVERYONE = each(OK)
SIGNED_IN = (LOGIN, OK, OK, OK, OK, OK)
SIGNED_IN_POST = (LOGIN, DONE, DONE, DONE, DONE, DONE)  # the actor's own progress, bookmarks, attempts
OWNER = (LOGIN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN)  # a learner's own object: nobody else's business
OWNER_REDIRECT = (LOGIN, REDIRECT, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
OWNER_POST = (LOGIN, DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
NOBODY = (LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)  # an object that does not belong with the others
TEACHERS = (LOGIN, DENIED, DENIED, OK, OK, OK)  # the dashboard: instructors and staff
COHORT = (LOGIN, DENIED, DENIED, OK, HIDDEN, OK)  # Ada's cohort: its instructor and staff
COHORT_POST = (LOGIN, DENIED, DENIED, DONE, HIDDEN, DONE)
NOT_IN_COHORT = (LOGIN, DENIED, DENIED, HIDDEN, HIDDEN, HIDDEN)  # teachers of the cohort, but not of that learner
MEMBER_POST = (LOGIN, DONE, HIDDEN, HIDDEN, HIDDEN, HIDDEN)  # leaving a cohort one is in


# --- The world ---------------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    #: One client per actor, kept: a new Client loads the middleware again (WhiteNoise scans the static files)
    clients: dict[str, Client]
    sessions: dict[str, str | None]  # actor → session key (None: anonymous)
    cohort: Any  # Ada's, taught by Inès
    cohort2: Any  # Ben's, taught by Omar
    due: Any  # a due date of Ada's cohort
    due2: Any  # a due date of Ben's cohort
    lesson: Lesson
    anchor: str  # the section of `lesson` Ada bookmarked
    attempt_done: Any  # Ada's submitted quiz attempt
    attempt_open: Any  # Ada's quiz attempt in progress
    attempt_done2: Any  # Ben's submitted quiz attempt
    lab: LabAttempt  # Ada's solved design, deployed in her sandbox
    sandbox: LabSandbox
    deployment: AwsDeployment  # Ada's planned AWS deployment
    lab2: LabAttempt  # Ben's, with a plan too
    deployment2: AwsDeployment

    @property
    def learner(self):
        return self.users[LEARNER]

    @property
    def other(self):
        return self.users[OTHER]


def _plan(client: Client, attempt: LabAttempt) -> AwsDeployment:
    response = client.post(reverse("labs:aws_plan", args=[attempt.pk]),
                           {"region": "us-east-1", "stage": "", "hours": "2.0", "credential": "pasted"})
    assert response.status_code == 302, response.content[:300]
    return attempt.aws_deployments.get()


def _build_world() -> World:
    users = {
        LEARNER: make_user("ada", first_name="Ada"),
        OTHER: make_user("ben", first_name="Ben"),
        INSTRUCTOR: make_user("ines", first_name="Inès", instructor=True),
        OTHER_INSTRUCTOR: make_user("omar", first_name="Omar", instructor=True),
        STAFF: make_user("sam", first_name="Sam", is_staff=True),
    }
    clients = {}
    for actor, user in users.items():
        clients[actor] = Client()
        clients[actor].force_login(user)
    sessions = {ANON: None, **{a: c.cookies[settings.SESSION_COOKIE_NAME].value for a, c in clients.items()}}
    ada, ben = users[LEARNER], users[OTHER]

    cohort = make_cohort(users[INSTRUCTOR], ada, name="Cohort Alpha-7")
    cohort2 = make_cohort(users[OTHER_INSTRUCTOR], ben, name="Cohort Bravo-9")
    soon = timezone.now() + timedelta(days=3)
    due = DueDate.objects.create(cohort=cohort, kind="quiz", slug="api-types", due_at=soon)
    due2 = DueDate.objects.create(cohort=cohort2, kind="quiz", slug="api-types", due_at=soon)

    quiz = Quiz.objects.get(slug="front-door")
    questions = list(quiz.questions.order_by("position"))
    answers = {q: right_answer(q) if i % 2 else wrong_answer(q) for i, q in enumerate(questions)}
    attempt_done = submit_attempt(ada, quiz, answers)
    attempt_done2 = submit_attempt(ben, quiz, answers)
    with transaction.atomic():  # start_attempt locks rows, as the view's request does
        attempt_open = quizzes.start_attempt(Quiz.objects.get(slug="api-types"), ada)

    lesson = Lesson.objects.published().in_course_order().exclude(toc=[]).first()
    anchor = lesson.toc[0]["id"]
    assert clients[LEARNER].post(reverse("lesson_bookmark", args=[lesson.slug]), {"anchor": anchor}).status_code == 302

    lab = solved(clients[LEARNER], "rest-order-service")
    assert deploy(clients[LEARNER], lab).status_code == 302
    console(clients[LEARNER], lab, path="/orders")
    sandbox = LabSandbox.objects.get(attempt=lab)
    deployment = _plan(clients[LEARNER], lab)
    lab2 = solved(clients[OTHER], "http-jwt-cors")
    deployment2 = _plan(clients[OTHER], lab2)
    return World(users=users, clients={ANON: Client(), **clients}, sessions=sessions, cohort=cohort, cohort2=cohort2,
                 due=due, due2=due2, lesson=lesson, anchor=anchor, attempt_done=attempt_done,
                 attempt_open=attempt_open, attempt_done2=attempt_done2,
                 lab=lab, sandbox=sandbox, deployment=deployment, lab2=lab2, deployment2=deployment2)


# The role template needs the site's AWS principal; no AWS call is ever made (no plan is applied: the
# applies below have no credentials pasted, and are answered with "paste them" on the plan page).
AWS_SETTINGS = {"AWS_SITE_PRINCIPAL": "arn:aws:iam::111122223333:role/gateway-academy-site",
                "AWS_ROLE_TEMPLATE_URL": "", "AWS_DEPLOY_SERVER_CREDENTIALS": False, "AWS_DEPLOY_ENDPOINT_URL": ""}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once, inside a transaction rolled back when the module is done (pytest-django wraps each test in
    a savepoint of it)."""
    with override_settings(**AWS_SETTINGS), django_db_blocker.unblock(), transaction.atomic():
        from django.core.cache import cache

        cache.clear()  # throttles other modules may have filled
        yield _build_world()
        transaction.set_rollback(True)


# --- The table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    method: str
    kwargs: Callable[[World], dict]
    expect: tuple[Outcome, ...]  # in ACTORS order
    label: str = ""
    data: Callable[[World], dict] = lambda w: {}
    #: [(text, the actors whose 200 page must show it; every other actor's 200 page must not), ...]
    shows: Callable[[World], list[tuple[str, set[str]]]] = lambda w: []


def get(kwargs, expect, label="", shows=lambda w: []) -> Case:
    return Case("GET", kwargs, expect, label, shows=shows)


def post(kwargs, expect, label="", data=lambda w: {}) -> Case:
    return Case("POST", kwargs, expect, label, data=data)


@dataclass(frozen=True)
class Url:
    route: str  # as the resolver spells it: the coverage test compares (name, route) pairs
    cases: tuple[Case, ...]

    def __init__(self, route: str, *cases: Case):
        object.__setattr__(self, "route", route)
        object.__setattr__(self, "cases", cases)


NONE = lambda w: {}  # noqa: E731
COHORT_PK = lambda w: {"pk": w.cohort.pk}  # noqa: E731
LAB = lambda w: {"pk": w.lab.pk}  # noqa: E731
DEPLOYMENT = lambda w: {"pk": w.lab.pk, "dpk": w.deployment.pk}  # noqa: E731
#: Ada's own design with Ben's deployment: the deployment must belong to the design, not just exist.
ALIEN_DEPLOYMENT = lambda w: {"pk": w.lab.pk, "dpk": w.deployment2.pk}  # noqa: E731
#: Ada's cohort's pages name Ada, never Ben (who is in another cohort).
ADA_NOT_BEN = lambda w: [("Ada", {INSTRUCTOR, STAFF}), ("Ben", set())]  # noqa: E731
CONSOLE = lambda w: {"stage": "prod", "method": "GET", "path": "/"}  # noqa: E731

MATRIX: dict[str, Url] = {
    # --- classroom: the instructor's dashboard (classroom/access.py) ----------------------------------------
    "dashboard": Url("dashboard/", get(NONE, TEACHERS, shows=lambda w: [(w.cohort.name, {INSTRUCTOR, STAFF}),
                                                                        (w.cohort2.name, {OTHER_INSTRUCTOR, STAFF})])),
    "cohort_new": Url("dashboard/cohorts/new/", get(NONE, TEACHERS)),
    "cohort": Url("dashboard/cohorts/<int:pk>/", get(COHORT_PK, COHORT)),
    "cohort_edit": Url("dashboard/cohorts/<int:pk>/edit/", get(COHORT_PK, COHORT)),
    "cohort_enrolment": Url("dashboard/cohorts/<int:pk>/enrolment/",
                            post(COHORT_PK, COHORT_POST, data=lambda w: {"open": "0"})),
    "cohort_due_dates": Url("dashboard/cohorts/<int:pk>/due-dates/", get(COHORT_PK, COHORT)),
    "cohort_due_date_delete": Url(
        "dashboard/cohorts/<int:pk>/due-dates/<int:due_pk>/delete/",
        post(lambda w: {"pk": w.cohort.pk, "due_pk": w.due.pk}, COHORT_POST),
        post(lambda w: {"pk": w.cohort.pk, "due_pk": w.due2.pk}, NOT_IN_COHORT, "another cohort's due date")),
    "cohort_roster": Url("dashboard/cohorts/<int:pk>/roster/", get(COHORT_PK, COHORT, shows=ADA_NOT_BEN)),
    "cohort_learner": Url(
        "dashboard/cohorts/<int:pk>/learners/<int:user_id>/",
        get(lambda w: {"pk": w.cohort.pk, "user_id": w.learner.pk}, COHORT, shows=ADA_NOT_BEN),
        get(lambda w: {"pk": w.cohort.pk, "user_id": w.other.pk}, NOT_IN_COHORT, "a learner of another cohort"),
        get(lambda w: {"pk": w.cohort2.pk, "user_id": w.learner.pk}, NOT_IN_COHORT, "Ada through Ben's cohort")),
    "cohort_extend": Url(
        "dashboard/cohorts/<int:pk>/learners/<int:user_id>/due-dates/<int:due_pk>/extend/",
        get(lambda w: {"pk": w.cohort.pk, "user_id": w.learner.pk, "due_pk": w.due.pk}, COHORT),
        get(lambda w: {"pk": w.cohort.pk, "user_id": w.learner.pk, "due_pk": w.due2.pk}, NOT_IN_COHORT,
            "another cohort's due date"),
        get(lambda w: {"pk": w.cohort.pk, "user_id": w.other.pk, "due_pk": w.due.pk}, NOT_IN_COHORT,
            "a learner of another cohort")),
    "cohort_override": Url(
        "dashboard/cohorts/<int:pk>/attempts/<int:attempt_pk>/override/",
        get(lambda w: {"pk": w.cohort.pk, "attempt_pk": w.attempt_done.pk}, COHORT),
        get(lambda w: {"pk": w.cohort.pk, "attempt_pk": w.attempt_done2.pk}, NOT_IN_COHORT,
            "another cohort's attempt")),
    "cohort_reset": Url(
        "dashboard/cohorts/<int:pk>/attempts/<int:attempt_pk>/reset/",
        get(lambda w: {"pk": w.cohort.pk, "attempt_pk": w.attempt_done.pk}, COHORT),
        get(lambda w: {"pk": w.cohort.pk, "attempt_pk": w.attempt_done2.pk}, NOT_IN_COHORT,
            "another cohort's attempt")),
    "cohort_audit": Url("dashboard/cohorts/<int:pk>/interventions/", get(COHORT_PK, COHORT)),
    "cohort_quizzes": Url("dashboard/cohorts/<int:pk>/quizzes/", get(COHORT_PK, COHORT)),
    "cohort_item_analysis": Url("dashboard/cohorts/<int:pk>/quizzes/<slug:slug>/",
                                get(lambda w: {"pk": w.cohort.pk, "slug": "front-door"}, COHORT)),
    "cohort_labs": Url("dashboard/cohorts/<int:pk>/labs/", get(COHORT_PK, COHORT)),
    "cohort_gradebook_csv": Url("dashboard/cohorts/<int:pk>/gradebook.csv", get(
        COHORT_PK, COHORT, shows=lambda w: [("ada@example.com", {INSTRUCTOR, STAFF}), ("ben@example.com", set())])),
    "cohort_responses_csv": Url("dashboard/cohorts/<int:pk>/responses.csv", get(
        COHORT_PK, COHORT, shows=lambda w: [("\nada,front-door,", {INSTRUCTOR, STAFF}), ("\nben,", set())])),
    # --- classroom: the learner's side. A join link is the invitation: whoever holds it sees the cohort. ---
    "cohort_join": Url("cohorts/join/", get(NONE, SIGNED_IN)),
    "cohort_join_link": Url("cohorts/join/<str:code>/", get(lambda w: {"code": w.cohort.join_code}, SIGNED_IN)),
    "cohort_leave": Url("cohorts/<int:pk>/leave/", post(COHORT_PK, MEMBER_POST)),
    # --- courseware: the course is public; progress, bookmarks and attempts are one's own -------------------
    "home": Url("", get(NONE, EVERYONE)),
    "healthz": Url("healthz", get(NONE, EVERYONE)),
    "signup": Url("accounts/signup/", get(NONE, (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT))),
    "my_progress": Url("progress/", get(NONE, SIGNED_IN, shows=lambda w: [(w.cohort.name, {LEARNER}),
                                                                        (w.cohort2.name, {OTHER})])),
    "outline": Url("course/", get(NONE, EVERYONE)),
    "decision_helper": Url("course/choose/", get(NONE, EVERYONE)),
    "lesson": Url("course/<slug:slug>/", get(lambda w: {"slug": w.lesson.slug}, EVERYONE)),
    "lesson_complete": Url("course/<slug:slug>/complete/", post(lambda w: {"slug": w.lesson.slug}, SIGNED_IN_POST)),
    "lesson_bookmark": Url("course/<slug:slug>/bookmark/", post(lambda w: {"slug": w.lesson.slug}, SIGNED_IN_POST)),
    "bookmarks": Url("bookmarks/", get(NONE, SIGNED_IN, shows=lambda w: [(f"#{w.anchor}", {LEARNER})])),
    "glossary": Url("glossary/", get(NONE, EVERYONE)),
    "search": Url("search/", get(NONE, EVERYONE)),
    "quizzes": Url("quizzes/", get(NONE, EVERYONE)),
    "start_review": Url("quizzes/review/", post(NONE, SIGNED_IN_POST)),
    "quiz": Url("quizzes/<slug:slug>/", get(
        lambda w: {"slug": "front-door"}, EVERYONE,
        shows=lambda w: [(reverse("attempt_result", args=[w.attempt_done.pk]), {LEARNER}),
                         (reverse("attempt_result", args=[w.attempt_done2.pk]), {OTHER})])),
    "quiz_start": Url("quizzes/<slug:slug>/start/", post(lambda w: {"slug": "security"}, SIGNED_IN_POST)),
    "attempt": Url("attempts/<int:pk>/", get(lambda w: {"pk": w.attempt_open.pk}, OWNER)),
    "attempt_answer": Url("attempts/<int:pk>/questions/<int:question_id>/", post(
        lambda w: {"pk": w.attempt_open.pk, "question_id": w.attempt_open.question_ids[0]}, OWNER_POST)),
    "attempt_submit": Url("attempts/<int:pk>/submit/", post(lambda w: {"pk": w.attempt_open.pk}, OWNER_POST)),
    "attempt_result": Url("attempts/<int:pk>/result/", get(lambda w: {"pk": w.attempt_done.pk}, OWNER)),
    # --- accounts (Django's views; two with attempts bounded). A reset link is the credential itself. -------
    "password_reset": Url("accounts/password_reset/", get(NONE, EVERYONE)),
    "password_change": Url("accounts/password_change/", get(NONE, SIGNED_IN)),
    "login": Url("accounts/login/", get(NONE, EVERYONE)),
    "logout": Url("accounts/logout/", post(NONE, each(DONE))),
    "password_change_done": Url("accounts/password_change/done/", get(NONE, SIGNED_IN)),
    "password_reset_done": Url("accounts/password_reset/done/", get(NONE, EVERYONE)),
    "password_reset_confirm": Url("accounts/reset/<uidb64>/<token>/", get(
        lambda w: {"uidb64": urlsafe_base64_encode(force_bytes(w.learner.pk)),
                   "token": default_token_generator.make_token(w.learner)}, each(REDIRECT))),
    "password_reset_complete": Url("accounts/reset/done/", get(NONE, EVERYONE)),
    # --- labs: the catalogue is public; a design and all it has (sandbox, AWS) is its learner's only ------
    "labs:index": Url("labs/", get(NONE, EVERYONE)),
    "labs:import": Url("labs/import/", get(NONE, EVERYONE)),
    "labs:aws_list": Url("labs/aws/", get(NONE, SIGNED_IN)),
    "labs:sandbox": Url("labs/designs/<int:pk>/sandbox/", get(LAB, OWNER)),
    "labs:sandbox_deploy": Url("labs/designs/<int:pk>/sandbox/deploy/", post(LAB, OWNER_POST)),
    "labs:sandbox_send": Url("labs/designs/<int:pk>/sandbox/send/", post(LAB, OWNER_POST, data=CONSOLE)),
    "labs:sandbox_load": Url("labs/designs/<int:pk>/sandbox/load/", post(
        LAB, OWNER_POST, data=lambda w: {**CONSOLE(w), "count": "10", "rate": "5"})),
    "labs:sandbox_ws": Url("labs/designs/<int:pk>/sandbox/websocket/", post(LAB, OWNER_POST)),
    "labs:sandbox_promote": Url("labs/designs/<int:pk>/sandbox/promote/", post(LAB, OWNER_POST,
                                                                                 data=lambda w: {"stage": "prod"})),
    "labs:aws": Url("labs/designs/<int:pk>/aws/", get(LAB, OWNER)),
    "labs:aws_role": Url("labs/designs/<int:pk>/aws/role/", post(LAB, OWNER_POST, data=lambda w: {"role_arn": ""})),
    "labs:aws_role_template": Url("labs/designs/<int:pk>/aws/role-template.json", get(LAB, OWNER)),
    "labs:aws_plan": Url("labs/designs/<int:pk>/aws/plan/", post(LAB, OWNER_POST, data=lambda w: {
        "region": "us-east-1", "stage": "", "hours": "2.0", "credential": "pasted"})),
    "labs:aws_progress": Url("labs/designs/<int:pk>/aws/<int:dpk>/", get(DEPLOYMENT, OWNER),
                             get(ALIEN_DEPLOYMENT, NOBODY, "another learner's deployment")),
    "labs:aws_plan_page": Url("labs/designs/<int:pk>/aws/<int:dpk>/plan/", get(DEPLOYMENT, OWNER),
                              get(ALIEN_DEPLOYMENT, NOBODY, "another learner's deployment")),
    "labs:aws_apply": Url("labs/designs/<int:pk>/aws/<int:dpk>/apply/", post(DEPLOYMENT, OWNER_POST),
                          post(ALIEN_DEPLOYMENT, NOBODY, "another learner's deployment")),
    "labs:aws_teardown": Url("labs/designs/<int:pk>/aws/<int:dpk>/teardown/", post(DEPLOYMENT, OWNER_POST),
                             post(ALIEN_DEPLOYMENT, NOBODY, "another learner's deployment")),
    "labs:aws_resume": Url("labs/designs/<int:pk>/aws/<int:dpk>/resume/", post(DEPLOYMENT, OWNER_POST),
                           post(ALIEN_DEPLOYMENT, NOBODY, "another learner's deployment")),
    "labs:builder": Url("labs/designs/<int:pk>/<slug:step>/", get(lambda w: {"pk": w.lab.pk, "step": "api"}, OWNER)),
    "labs:check": Url("labs/designs/<int:pk>/<slug:step>/check/", post(lambda w: {"pk": w.lab.pk, "step": "api"},
                                                                        OWNER_POST)),
    "labs:hints": Url("labs/designs/<int:pk>/<slug:step>/hints/", get(lambda w: {"pk": w.lab.pk, "step": "api"},
                                                                       OWNER_REDIRECT)),
    "labs:download": Url("labs/designs/<int:pk>/download/<str:filename>",
                         get(lambda w: {"pk": w.lab.pk, "filename": "openapi.yaml"}, OWNER)),
    "labs:export_text": Url("labs/designs/<int:pk>/export/<str:filename>",
                            get(lambda w: {"pk": w.lab.pk, "filename": "openapi.yaml"}, OWNER)),
    "labs:detail": Url("labs/<slug:slug>/", get(lambda w: {"slug": "rest-order-service"}, EVERYONE)),
    "labs:start": Url("labs/<slug:slug>/start/", post(lambda w: {"slug": "private-api"}, SIGNED_IN_POST)),
    # --- the sandbox invoke URLs: no session is read, the same answer for everyone (the key is ~96 random
    # bits). No stage in the path is API Gateway's 403 "Missing Authentication Token"; /prod/orders wants a
    # token from the lab's authorizer (401).
    "sandbox_invoke_root": Url("sandbox/<str:key>/", get(lambda w: {"key": w.sandbox.key}, public_api(403)),
                               get(lambda w: {"key": "no-such-key"}, public_api(404), "an unknown key")),
    "sandbox_invoke": Url("sandbox/<str:key>/<path:path>",
                          get(lambda w: {"key": w.sandbox.key, "path": "prod/orders"}, public_api(401)),
                          get(lambda w: {"key": "no-such-key", "path": "prod/orders"}, public_api(404),
                              "an unknown key")),
}

#: Patterns the matrix does not classify, by route prefix. Keep it short, and say why.
UNCLASSIFIED = {
    # Django's admin: its own staff-only login (test_the_admin_is_for_staff_only checks its index).
    "admin/",
}
# Static files are not in the URLconf at all: WhiteNoise serves them before URL resolution.
# accounts/password_change/ and accounts/password_reset/ appear twice (the site's throttled views, then
# Django's, shadowed): the same (name, route) pair, so one row each.


# --- Walking the resolver ----------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(full route, namespaced name) of every pattern the resolver knows, included URLconfs walked."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n)
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def test_every_url_pattern_is_in_the_matrix():
    found = {(route, name) for route, name in url_patterns()
             if not any(route.startswith(prefix) for prefix in UNCLASSIFIED)}
    unnamed = sorted(route for route, name in found if not name)
    assert not unnamed, f"name these URL patterns so the matrix can classify them: {unnamed}"
    table = {(url.route, name) for name, url in MATRIX.items()}
    assert not found - table, f"URL patterns missing from MATRIX (say who may use them): {sorted(found - table)}"
    assert not table - found, f"MATRIX rows for URL patterns that no longer exist: {sorted(table - found)}"
    assert all(url.cases for url in MATRIX.values())


# --- Visiting ----------------------------------------------------------------------------------------------


def visit(world: World, actor: str, method: str, url: str, data: dict):
    """One request as `actor`, in a savepoint rolled back after it: the next actor meets the same world."""
    client = world.clients[actor]
    client.cookies.clear()  # whatever the last request set (a logout, messages): back to the actor's session
    if world.sessions[actor]:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    with transaction.atomic():
        response = client.post(url, data) if method == "POST" else client.get(url)
        if response.streaming:
            response.body = b"".join(response.streaming_content)
        else:
            response.body = response.content
        transaction.set_rollback(True)
    return response


CASES = [pytest.param(name, case, id=f"{name}" + (f" ({case.label})" if case.label else ""))
         for name, url in MATRIX.items() for case in url.cases]


@pytest.mark.parametrize(("name", "case"), CASES)
def test_who_gets_what(world, db, name, case):
    url = reverse(name, kwargs=case.kwargs(world))
    assert resolve(url).route == MATRIX[name].route, f"{url} does not resolve to its row's route"
    wrong = []
    for actor, expected in zip(ACTORS, case.expect, strict=True):
        response = visit(world, actor, case.method, url, case.data(world))
        got = f"{response.status_code}" + (f" → {response['Location']}" if response.has_header("Location") else "")
        if not expected.check(response):
            wrong.append(f"{actor}: expected {expected!r}, got {got}")
            continue
        body = response.body.decode(errors="replace") if response.status_code == 200 else ""
        for text, viewers in case.shows(world) if body else ():
            if (text in body) != (actor in viewers):
                wrong.append(f"{actor}: {'missing' if actor in viewers else 'shows'} {text!r} ({got})")
    assert not wrong, f"{case.method} {url}\n  " + "\n  ".join(wrong)


POST_ONLY = [pytest.param(name, case, id=name) for name, url in MATRIX.items() for case in url.cases[:1]
             if case.method == "POST"]


@pytest.mark.parametrize(("name", "case"), POST_ONLY)
def test_a_post_only_url_answers_get_with_405(world, db, name, case):
    url = reverse(name, kwargs=case.kwargs(world))
    actor = next(a for a, outcome in zip(ACTORS, case.expect) if outcome is DONE)
    assert visit(world, actor, "GET", url, {}).status_code == 405, (actor, url)


def test_the_admin_is_for_staff_only(world, db):
    url = reverse("admin:index")
    for actor in ACTORS:
        response = visit(world, actor, "GET", url, {})
        if actor == STAFF:
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), actor
