"""Two things about signing in and forms that held before the hardening issue (8) and must keep holding:

- Logging in gives the browser a new session key, and the key it had before is gone from the session
  store: whoever planted or read that key before the login (session fixation) is not signed in by it.
- A POST that changes something is refused (403) without the CSRF token of the page that offered the
  form, and accepted with it: one representative POST of each kind, the token read from the page a
  user would be on, and the change checked to have happened only with the token.
"""

from __future__ import annotations

import re
from datetime import timedelta
from dataclasses import dataclass
from importlib import import_module
from typing import Callable

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django.urls import reverse

from classroom.models import Cohort
from courseware.models import LessonProgress, Question, Response
from labs import catalog
from labs.models import LabAttempt, LabSandbox

from .factories import PASSWORD
from .labs_support import post_data
from .test_labs import builder, start
from .test_quizzes import right_answer
from .test_quizzes import start as start_quiz
from .test_sandbox_web import solved

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def token_in(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def test_a_session_is_read_back_as_saved_and_an_expired_one_is_not(learner):
    """The database store read by hand (courseware/session_store.py; the SQLite set-up's store)."""
    from courseware.session_store import SessionStore

    store = SessionStore()
    store["planted"] = {"a": [1, 2]}
    store.save()
    again = SessionStore(store.session_key)
    assert again["planted"] == {"a": [1, 2]} and again.session_key == store.session_key
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert "planted" not in expired and expired.session_key is None


# --- Session fixation ----------------------------------------------------------------------------------------


def test_logging_in_through_the_form_gives_a_new_session_key_and_forgets_the_old_one(learner, course):
    browser = Client(enforce_csrf_checks=True)
    before = browser.session  # an anonymous session, saved, its key in the browser's cookie
    before["planted"] = "before login"
    before.save()
    old_key = before.session_key
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value == old_key
    assert session_store()().exists(old_key)

    form = browser.get(reverse("login"))
    response = browser.post(reverse("login"), {"username": "ada", "password": PASSWORD,
                                               "csrfmiddlewaretoken": token_in(form.content.decode())})
    assert response.status_code == 302, "the login did not go through"

    new_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key and new_key != old_key, "the session key did not change on login"
    assert not session_store()().exists(old_key), "the pre-login session key still exists in the store"
    assert session_store()(new_key).get("_auth_user_id") == str(learner.pk)
    assert browser.get(reverse("my_progress")).status_code == 200

    # Someone who knew the old key (planted it, read it off the shared computer) is not signed in with it.
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = other.get(reverse("my_progress"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- CSRF on representative POSTs ----------------------------------------------------------------------------


@dataclass
class Post:
    page: str  # the page that offers the form (its token is the one sent)
    url: str
    data: dict
    done: Callable[[], bool]  # whether the POST changed what it is meant to change
    htmx: bool = False  # sent as htmx sends it: the token in the X-CSRFToken header, not the body


def lesson_complete(users, course) -> Post:
    learner = users["learner"]
    return Post(reverse("lesson", args=["endpoint-types"]), reverse("lesson_complete", args=["endpoint-types"]),
                {"complete": "1"},
                lambda: LessonProgress.objects.filter(user=learner, lesson__slug="endpoint-types",
                                                      completed_at__isnull=False).exists())


def quiz_answer(users, course) -> Post:
    attempt = start_quiz(users["setup"], "endpoint-types")
    question = Question.objects.get(pk=attempt.question_ids[0])
    return Post(attempt.get_absolute_url(), reverse("attempt_answer", args=[attempt.pk, question.pk]),
                right_answer(question), lambda: Response.objects.filter(attempt=attempt, question=question).exists(),
                htmx=True)


def builder_check(users, course) -> Post:
    attempt = start(users["setup"], "private-api")
    data = {**post_data("api", catalog.scenarios()["private-api"].reference_solution), "name": "Sent with a token"}
    return Post(builder(attempt, "api"), reverse("labs:check", args=[attempt.pk, "api"]), data,
                lambda: LabAttempt.objects.get(pk=attempt.pk).design.get("name") == "Sent with a token", htmx=True)


def sandbox_deploy(users, course) -> Post:
    attempt = solved(users["setup"], "rest-order-service")
    return Post(reverse("labs:sandbox", args=[attempt.pk]), reverse("labs:sandbox_deploy", args=[attempt.pk]), {},
                lambda: LabSandbox.objects.filter(attempt=attempt).exists())


def cohort_create(users, course) -> Post:
    return Post(reverse("cohort_new"), reverse("cohort_new"), {"name": "Made with a token", "enrolment_open": "on"},
                lambda: Cohort.objects.filter(name="Made with a token").exists())


POSTS = {"lesson complete": (lesson_complete, "learner"), "quiz answer": (quiz_answer, "learner"),
         "builder check": (builder_check, "learner"), "sandbox deploy": (sandbox_deploy, "learner"),
         "cohort create": (cohort_create, "instructor")}


@pytest.mark.parametrize("kind", POSTS)
def test_a_post_without_the_csrf_token_is_refused_and_with_it_accepted(kind, learner, instructor, course):
    build, actor = POSTS[kind]
    user = learner if actor == "learner" else instructor
    setup = Client()
    setup.force_login(user)
    post = build({"learner": learner, "setup": setup}, course)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    page = browser.get(post.page)
    assert page.status_code == 200, post.page
    html = page.content.decode()
    # The page offers the form: it posts to the URL, or to the page itself.
    assert post.url == post.page or f'"{post.url}"' in html, f"{post.page} offers nothing posting to {post.url}"
    token = token_in(html)

    refused = browser.post(post.url, post.data, **({"HTTP_HX_REQUEST": "true"} if post.htmx else {}))
    assert refused.status_code == 403, f"{post.url} answered {refused.status_code} to a POST without a CSRF token"
    assert not post.done(), f"{post.url} changed something though the POST was refused"

    if post.htmx:
        accepted = browser.post(post.url, post.data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    else:
        accepted = browser.post(post.url, {**post.data, "csrfmiddlewaretoken": token})
    assert accepted.status_code in (200, 302), f"{post.url} answered {accepted.status_code} with the token"
    assert post.done(), f"{post.url} accepted the POST but did not do it"
