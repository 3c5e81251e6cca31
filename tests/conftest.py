"""Standard users every test can use: two learners, an instructor, a second instructor.
Anonymous is Django's `client` fixture."""

from __future__ import annotations

import pytest
from django.test import Client

from .factories import make_user


def pytest_sessionstart(session):
    """Django deletes an old SQLite test database but not its WAL files; a stale WAL beside a new
    database file is read as corruption ("disk I/O error"). Clear them before the run."""
    import os

    from django.conf import settings

    database = settings.DATABASES["default"]
    name = database.get("TEST", {}).get("NAME")
    if database["ENGINE"].endswith("sqlite3") and name:
        for suffix in ("", "-wal", "-shm", "-journal", ".writer-lock"):
            if os.path.exists(f"{name}{suffix}"):
                os.remove(f"{name}{suffix}")


def pytest_sessionfinish(session):
    """The run's writer lock file (config/db/sqlite3): no one uses it once the run is over."""
    import os

    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and os.path.exists(f"{name}.writer-lock"):
        os.remove(f"{name}.writer-lock")


@pytest.fixture(autouse=True)
def _forget_kept_pages():
    """Each test starts with no page or fragment kept (courseware/pagecache.py). The release token
    would tell a changed course apart, but a test's rollback brings the old token back, and tests
    change lessons with bulk updates that (unlike `sync_content`) make no new release."""
    from courseware import pagecache

    pagecache.forget()


@pytest.fixture
def learner(db):
    return make_user("ada", first_name="Ada")


@pytest.fixture
def learner2(db):
    return make_user("ben", first_name="Ben")


@pytest.fixture
def instructor(db):
    return make_user("ines", first_name="Inès", instructor=True)


@pytest.fixture
def instructor2(db):
    return make_user("omar", first_name="Omar", instructor=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def learner_client(learner) -> Client:
    return _client_for(learner)


@pytest.fixture
def learner2_client(learner2) -> Client:
    return _client_for(learner2)


@pytest.fixture
def instructor_client(instructor) -> Client:
    return _client_for(instructor)


@pytest.fixture
def instructor2_client(instructor2) -> Client:
    return _client_for(instructor2)


# --- The course -----------------------------------------------------------------------------------
# Parsed once per test session (rendering Markdown is the slow part); written to the database once
# at set-up, and again after a transactional test (a browser test) has flushed the tables.
_parsed_course = None


def _load_course_into_db():
    """The course, and the lab catalogue with it: `apply` sends `content_synced`, on which the labs app
    registers its scenarios, as `manage.py sync_content` does."""
    global _parsed_course
    from django.conf import settings

    from courseware.content import load_course
    from courseware.models import Lab
    from courseware.sync import apply

    if _parsed_course is None:
        _parsed_course = load_course(settings.CONTENT_DIRS)
    apply(_parsed_course)
    assert Lab.objects.published().exists(), "the labs app registered no lab catalogue on content_synced"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _load_course_into_db()


@pytest.fixture
def course(db):
    """The real course, loaded in the database."""
    from courseware.models import Lab, Lesson

    if not Lesson.objects.exists() or not Lab.objects.exists():
        _load_course_into_db()
    return Lesson.objects.published().in_course_order()
