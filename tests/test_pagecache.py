"""Pages and fragments kept per release of the course (courseware/pagecache.py): what everyone sees
is rendered once, what is a reader's own is never shown to anyone else, and a changed course shows
at once."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from courseware import pagecache
from courseware.models import Bookmark, ContentRelease, Lesson, LessonProgress

PUBLIC_PAGES = ["home", "outline", "glossary", "labs:index"]


def _token_in(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("name", PUBLIC_PAGES + ["lesson"])
def test_an_anonymous_page_is_rendered_once_per_release(client, course, name, django_assert_num_queries):
    url = course[2].get_absolute_url() if name == "lesson" else reverse(name)
    first = client.get(url)
    assert first.status_code == 200 and first.templates  # rendered
    with django_assert_num_queries(1):  # the release token, nothing else
        kept = client.get(url)
    assert kept.status_code == 200 and not kept.templates
    assert kept.content == first.content
    # Nothing in it belongs to a visitor: no CSRF token (it would be someone else's), no cookie.
    assert b"csrf" not in kept.content.lower() and not kept.cookies and not first.cookies


def test_a_changed_lesson_shows_at_once(client, course):
    lesson = course[0]
    assert lesson.title in client.get(lesson.get_absolute_url()).content.decode()
    lesson.title = "Choosing an API type, revised"
    lesson.save()  # an edit in the admin or a shell: a new release, in the same transaction
    assert "Choosing an API type, revised" in client.get(lesson.get_absolute_url()).content.decode()
    assert "Choosing an API type, revised" in client.get(reverse("outline")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_sync_content_makes_a_new_release(client, course):
    lesson = course[0]
    title = lesson.title
    client.get(reverse("outline"))
    before = ContentRelease.objects.get().token
    # A bulk update sends no signal, so the kept outline still says the old title ...
    Lesson.objects.filter(pk=lesson.pk).update(title="Edited behind the site's back")
    assert "Edited behind the site's back" not in client.get(reverse("outline")).content.decode()
    # ... until a sync (which restores the title from the files) makes a new release.
    call_command("sync_content", verbosity=0)
    assert ContentRelease.objects.get().token != before
    assert title in client.get(reverse("outline")).content.decode()


def test_a_rolled_back_change_never_brings_back_a_kept_token(db, course):
    from django.db import transaction

    before = pagecache.release()
    with pytest.raises(RuntimeError), transaction.atomic():
        pagecache.content_changed()
        raise RuntimeError
    assert pagecache.release() == before
    pagecache.content_changed()
    assert pagecache.release() not in (before, None)


def test_a_pending_message_is_shown_not_a_kept_page(client, course):
    client.get(reverse("home"))  # kept
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.INFO, "You have been logged out.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    assert "You have been logged out." in client.get(reverse("home")).content.decode()


def test_queries_and_htmx_go_to_the_view(client, course):
    lesson = Lesson.objects.get(interactive="decision-helper")
    url = lesson.get_absolute_url()
    client.get(url)
    answered = client.get(url, {"api_type": "rest"})
    assert answered.templates  # rendered for this query, not the kept page
    assert client.get(url, HTTP_HX_REQUEST="true").templates


def test_signed_in_readers_see_only_their_own_ticks_and_bookmarks(learner, learner2, course):
    lesson, done = course[1], course[0]
    LessonProgress.objects.create(user=learner, lesson=done, completed_at="2026-01-01T00:00:00Z")
    anchor = lesson.toc[0]["id"]
    Bookmark.objects.create(user=learner, lesson=lesson, anchor=anchor)
    ada, ben = Client(), Client()
    ada.force_login(learner)
    ben.force_login(learner2)
    url = lesson.get_absolute_url()
    for _ in range(2):  # rendered, then from fragments
        mine, theirs = ada.get(url).content.decode(), ben.get(url).content.decode()
        assert "1 of" in mine and "0 of" in theirs
        assert mine.count('aria-pressed="true"') == 2  # the section's star, in both tables of contents
        assert 'aria-pressed="true"' not in theirs
        assert learner.first_name in mine and learner.first_name not in theirs


def test_forms_in_kept_fragments_carry_the_readers_own_token(learner, course):
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(learner)
    lesson = course[1]
    reader.get(lesson.get_absolute_url())
    html = reader.get(lesson.get_absolute_url()).content.decode()  # from fragments
    assert pagecache.CSRF_PLACEHOLDER not in html
    anchor = lesson.toc[0]["id"]
    response = reader.post(reverse("lesson_bookmark", args=[lesson.slug]),
                           {"anchor": anchor, "csrfmiddlewaretoken": _token_in(html)})
    assert response.status_code == 302
    assert Bookmark.objects.filter(user=learner, lesson=lesson, anchor=anchor).exists()
    # Another reader's token is refused: what the fragment held was not a token at all.
    other = Client(enforce_csrf_checks=True)
    other.force_login(learner)
    assert other.post(reverse("lesson_bookmark", args=[lesson.slug]),
                      {"anchor": anchor, "csrfmiddlewaretoken": pagecache.CSRF_PLACEHOLDER}).status_code == 403


def test_a_page_holds_one_masked_token_and_the_next_page_another(learner, course):
    """The reader's token is masked once a response (courseware/pagecache.py, `reader_token`): the
    page's own forms, its htmx header and the kept fragments' forms carry the same value, each
    accepted; the next response masks it afresh, as Django does against BREACH."""
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(learner)
    lesson = course[1]
    reader.get(lesson.get_absolute_url())
    html = reader.get(lesson.get_absolute_url()).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert len(tokens) == 1 and pagecache.CSRF_PLACEHOLDER not in tokens
    (token,) = tokens
    assert token not in reader.get(lesson.get_absolute_url()).content.decode()
    response = reader.post(reverse("lesson_complete", args=[lesson.slug]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and LessonProgress.objects.filter(user=learner, lesson=lesson).exists()


def test_no_template_comment_reaches_the_page(learner, course):
    """`{# ... #}` is a one-line comment in Django: one spread over lines is sent as text."""
    reader = Client()
    reader.force_login(learner)
    for url in (reverse("home"), course[1].get_absolute_url()):
        assert "{#" not in reader.get(url).content.decode() and "{#" not in Client().get(url).content.decode()


def test_the_kept_site_header_is_each_readers_own(learner, instructor, course, admin_user):
    """The header is kept per release, page and role: every reader still sees their own name, and
    only instructors the dashboard, only staff the site administration."""
    url = reverse("outline")
    clients = {}
    for user in (instructor, learner, admin_user):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    for _ in range(2):  # rendered, then kept
        pages = {name: c.get(url).content.decode() for name, c in clients.items()}
        header = {name: page[page.index("<header"):page.index("</header>")] for name, page in pages.items()}
        assert "Inès" in header["ines"] and "Ada" not in header["ines"]
        assert "Ada" in header["ada"] and "Inès" not in header["ada"]
        assert reverse("dashboard") in header["ines"] and reverse("dashboard") not in header["ada"]
        assert reverse("admin:index") in header[admin_user.username]
        assert reverse("admin:index") not in header["ada"] and reverse("admin:index") not in header["ines"]
        # The current page is marked on each page of its own.
        assert 'aria-current="page" href="%s"' % url in header["ada"]
    quizzes = clients["ada"].get(reverse("quizzes")).content.decode()
    assert 'aria-current="page" href="%s"' % reverse("quizzes") in quizzes
    assert 'aria-current="page" href="%s"' % url not in quizzes


def test_logging_out_from_the_kept_header_uses_the_readers_own_token(learner, course):
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(learner)
    reader.get(reverse("outline"))
    html = reader.get(reverse("outline")).content.decode()  # the header from the store
    form = html[html.index(f'action="{reverse("logout")}"'):]
    token = _token_in(form)
    assert token != pagecache.CSRF_PLACEHOLDER
    assert reader.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in reader.session


def test_the_fragment_store_keeps_the_most_recently_used_and_a_bounded_number():
    store = pagecache.FragmentStore(max_entries=2)
    store.set(("a",), "<p>a</p>")
    store.set(("b",), "<p>b</p>")
    assert store.get(("a",)) == "<p>a</p>"  # a is now the most recently used
    store.set(("c",), "<p>c</p>")
    assert store.get(("b",)) is None and store.get(("a",)) == "<p>a</p>" and len(store) == 2


def test_a_fragment_is_kept_per_release_and_per_value(db, course):
    from django.template import RequestContext, Template

    template = Template("{% load fragments %}{% fragment probe n %}{{ n }} {{ extra }}{% endfragment %}")
    request = RequestFactory().get("/")

    def render(**values):
        return template.render(RequestContext(request, values))

    assert render(n=1, extra="first") == "1 first"
    assert render(n=1, extra="second") == "1 first"  # kept: only n is what it varies by
    assert render(n=2, extra="second") == "2 second"
    pagecache.content_changed()  # a new release of the course
    request = RequestFactory().get("/")  # the token is read once a request
    assert render(n=1, extra="third") == "1 third"
    assert render(n=[1], extra="fourth") == "[1] fourth"  # a value no key can hold: rendered, not kept
    assert render(n=[1], extra="fifth") == "[1] fifth"


def test_a_fragment_without_a_name_is_a_template_error():
    from django.template import Template, TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="takes a name"):
        Template("{% load fragments %}{% fragment %}x{% endfragment %}")
