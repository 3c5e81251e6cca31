from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse

from .factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent


def test_home_renders_for_anonymous_with_signup_link(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/accounts/signup/"' in html
    assert 'class="skip-link" href="#main"' in html
    # Bootstrap and htmx come from our own static files, never a CDN.
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "htmx" in html and "cdn" not in html.lower()


def test_security_headers_on_every_page(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_signup_logs_in_and_greets_by_name(client, db):
    response = client.post(
        reverse("signup"),
        {
            "username": "grace",
            "first_name": "Grace",
            "email": "grace@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.context["user"].username == "grace"
    assert "Grace" in response.content.decode()
    assert not User.objects.get(username="grace").groups.exists()  # learners only


def test_signup_errors_are_shown_and_nothing_is_created(client, db):
    make_user("taken", email="taken@example.com")
    response = client.post(
        reverse("signup"),
        {"username": "taken", "email": "taken@example.com", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A user with that username already exists." in html
    assert "An account already uses this e-mail" in html
    assert User.objects.filter(username="taken").count() == 1


def test_signup_ignores_offsite_next(client, db):
    response = client.post(
        reverse("signup") + "?next=https://evil.example/",
        {
            "username": "grace",
            "email": "grace@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_login_and_logout(client, learner):
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == learner
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_repeated_failed_logins_are_throttled_per_user(client, learner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    # Locked: even the right password is refused until the cool-off ends.
    response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    # Another learner in the same classroom (same IP) can still log in.
    make_user("ben")
    response = client.post(reverse("login"), {"username": "ben", "password": PASSWORD})
    assert response.status_code == 302


def test_password_change(learner_client, learner):
    response = learner_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")


def test_password_reset_sends_a_working_link(client, learner):
    response = client.post(reverse("password_reset"), {"email": "ada@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/reset/"):].strip()
    response = client.get(path, follow=True)
    assert response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "fresh-long-passphrase", "new_password2": "fresh-long-passphrase"},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("fresh-long-passphrase")


def test_dashboard_link_and_page_only_for_instructors(client, learner_client, instructor_client):
    assert "/dashboard/" not in learner_client.get("/").content.decode()
    assert "/dashboard/" in instructor_client.get("/").content.decode()
    assert instructor_client.get("/dashboard/").status_code == 200
    response = learner_client.get("/dashboard/")
    assert response.status_code == 403
    assert "This page is not for your account" in response.content.decode()
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()


def test_friendly_500_without_a_stack_trace(db, settings):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.urls_boom"
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html and "secret-value" not in html


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_healthz_503_when_the_database_is_down(client, db, monkeypatch):
    class DownDatabase:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr("courseware.views.pages.connection", DownDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_sqlite_is_configured_for_concurrent_writers(settings):
    if settings.DATABASES["default"]["ENGINE"] != "config.db.sqlite3":
        pytest.skip("runs on the SQLite configuration")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout" in options["init_command"]


def test_demo_accounts_are_created_once_and_printed(db, settings, capsys):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "ines" in out and "instructor" in out
    assert User.objects.filter(username__in=["ines", "ada", "ben", "chen"]).count() == 4
    assert User.objects.get(username="ines").groups.filter(name="Instructors").exists()


def test_demo_accounts_refused_in_production(db, settings):
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("seed_demo")
    assert not User.objects.filter(username="ines").exists()


def _env(**extra: str) -> dict:
    """The environment for a `manage.py` subprocess: this one's, less what the test run itself sets."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(extra)
    return env


def _deploy_env(**extra: str) -> dict:
    return _env(
        DJANGO_DEBUG="0",
        SECRET_KEY="k8$Zq1!vR7mW2@pL9xT4#nB6yC3&hJ5dF0gS8aE1uI7oP2rQ9wX4zV6bN3mK5jH",
        ALLOWED_HOSTS="academy.example.com",
        **extra,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_deploy_env(), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _deploy_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def _redis_reachable() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_redis_url_puts_cache_and_sessions_in_redis():
    import os

    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not running at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    script = (
        "from django.conf import settings; from django.core.cache import caches; cache = caches['default'];"
        "cache.set('academy-probe', 'pong', 5);"
        "print(settings.SESSION_ENGINE, type(cache).__name__, cache.get('academy-probe'))"
    )
    env = _env(DJANGO_DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/15")
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.sessions.backends.cached_db", "RedisCache", "pong"]


def test_the_database_task_backend_is_ready_for_a_worker():
    env = _env(DJANGO_DEBUG="1", TASKS_BACKEND="database")
    script = "from django_tasks import task_backends; print(type(task_backends['default']).__name__)"
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DatabaseBackend"
    help_text = subprocess.run([sys.executable, "manage.py", "db_worker", "--help"], cwd=ROOT, env=env,
                               capture_output=True, text=True)
    assert help_text.returncode == 0


def test_dashboard_counts_activity_and_misconceptions(instructor_client, learner, learner2, course,
                                                     django_assert_max_num_queries):
    from courseware.models import record_event

    for user in (learner, learner2):
        record_event(user, "answered", "question", "q1", {"correct": False, "misconception": "private-not-rest-only"})
    record_event(learner, "completed", "lesson", "endpoint-types")
    with django_assert_max_num_queries(8):
        response = instructor_client.get("/dashboard/")
    from django.utils.html import escape

    from courseware.models import Misconception

    html = response.content.decode()
    statement = Misconception.objects.get(slug="private-not-rest-only").statement
    assert escape(statement) in html and "2 learners" in html
    activity = dict(response.context["activity"])
    assert activity["Questions answered"] == 2 and activity["Lessons completed"] == 1


def test_an_expired_form_gets_a_page_that_says_what_to_do(learner, course):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post("/course/security/complete/")
    assert response.status_code == 403
    assert "reload it" in response.content.decode() and "Everything you saved before is safe" in response.content.decode()


def test_an_oversized_request_gets_a_friendly_400(learner_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = learner_client.post("/labs/import/", {"document": "x" * 5000})
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()


def test_healthz_answers_head_too(client, db):
    response = client.head("/healthz")
    assert response.status_code == 200


def test_healthz_503_when_the_shared_cache_is_down(client, db, settings):
    """With REDIS_URL, sessions and throttles live in Redis: a server that cannot reach it fails every
    login, so /healthz must take it out of the pool. A Redis on a port nothing listens on is down."""
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "up", "cache": "down"}


def test_a_wrong_password_is_hashed_once_and_a_login_loads_the_role_with_the_user(client, instructor,
                                                                                django_assert_num_queries):
    """One backend checks passwords: a second would hash every wrong password again (half a second of
    CPU each, for whoever sends them). And the signed-in user comes with their role in one query."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    calls = []
    original = PBKDF2PasswordHasher.encode

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    PBKDF2PasswordHasher.encode = counting
    try:
        client.post(reverse("login"), {"username": instructor.username, "password": "not-the-password"})
    finally:
        PBKDF2PasswordHasher.encode = original
    assert len(calls) == 1
    assert client.post(reverse("login"), {"username": instructor.username, "password": PASSWORD}).status_code == 302
    from courseware.roles import RoleAwareBackend, is_instructor

    with django_assert_num_queries(1):
        user = RoleAwareBackend().get_user(instructor.pk)
        assert is_instructor(user)
