"""What a signed-in lesson page reads and writes (courseware/progress.py `read_lesson`, the session
store and the user's loading): few statements, a write only when it tells something."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courseware import progress
from courseware.models import LearningEvent
from courseware.models import LessonProgress  # noqa: I001
from courseware.roles import RoleAwareBackend


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_a_first_visit_is_recorded_and_a_reload_writes_nothing(learner, course):
    lesson = course[2]
    reader = Client()
    reader.force_login(learner)
    reader.get(lesson.get_absolute_url())
    assert LessonProgress.objects.filter(user=learner, lesson=lesson).exists()
    assert LearningEvent.objects.filter(actor=learner, object_id__endswith=lesson.slug).count() == 1
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(lesson.get_absolute_url()).status_code == 200
    assert _writes(queries.captured_queries) == []
    assert len(queries.captured_queries) <= 8  # the budget for a signed-in lesson
    assert LearningEvent.objects.filter(actor=learner, object_id__endswith=lesson.slug).count() == 1


def test_continue_follows_the_last_lesson_opened(learner, course):
    first, second = course[1], course[2]
    reader = Client()
    reader.force_login(learner)
    for lesson in (first, second, first):
        reader.get(lesson.get_absolute_url())
        outline = progress.outline_for(learner)
        assert progress.continue_lesson(learner, outline) == lesson


def test_an_old_view_of_the_same_lesson_is_refreshed(learner, course):
    lesson = course[2]
    reader = Client()
    reader.force_login(learner)
    reader.get(lesson.get_absolute_url())
    long_ago = timezone.now() - progress.VIEW_REFRESH - timedelta(minutes=1)
    LessonProgress.objects.filter(user=learner, lesson=lesson).update(last_viewed_at=long_ago)
    reader.get(lesson.get_absolute_url())
    assert LessonProgress.objects.get(user=learner, lesson=lesson).last_viewed_at > long_ago


def test_completed_lessons_and_bookmarks_are_the_readers(learner, learner2, course):
    done, lesson = course[0], course[1]
    progress.set_complete(learner, done, True)
    reader = Client()
    reader.force_login(learner)
    reader.get(lesson.get_absolute_url())
    completed, bookmarked = progress.read_lesson(learner, lesson)
    assert completed == {done.id} and bookmarked == set()
    assert progress.read_lesson(learner2, lesson) == (set(), set())


def test_an_expired_session_signs_nobody_in(learner, course):
    reader = Client()
    reader.force_login(learner)
    assert reader.get("/course/").context["user"].is_authenticated
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    caches[settings.SESSION_CACHE_ALIAS].clear()  # with Redis, sessions are read from there first
    assert not reader.get("/course/").context["user"].is_authenticated


def test_a_session_of_a_deleted_user_signs_nobody_in(learner, course):
    reader = Client()
    reader.force_login(learner)
    session = reader.session
    session["_auth_user_id"] = "999999"
    session.save()
    response = reader.get("/course/")
    assert response.status_code == 200 and not response.context["user"].is_authenticated


def test_the_user_is_loaded_with_their_role(learner, instructor):
    backend = RoleAwareBackend()
    assert backend.get_user(instructor.pk)._is_instructor is True
    assert backend.get_user(learner.pk)._is_instructor is False
    User.objects.filter(pk=learner.pk).update(is_active=False)
    assert backend.get_user(learner.pk) is None


def test_the_user_loaded_by_hand_is_the_orms_user(learner):
    """The signed-in user is read with a written-once statement (courseware/rows.py): every field as
    the ORM gives it (dates as aware datetimes, flags as booleans), and it saves like any other."""
    User.objects.filter(pk=learner.pk).update(last_login=timezone.now(), first_name="Ada", is_staff=True)
    expected = User.objects.get(pk=learner.pk)
    loaded = RoleAwareBackend().get_user(learner.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert loaded.is_staff is True and timezone.is_aware(loaded.date_joined)
    assert not loaded._state.adding and loaded._state.db == "default"
    loaded.first_name = "Augusta"
    loaded.save(update_fields=["first_name"])
    assert User.objects.get(pk=learner.pk).first_name == "Augusta"
